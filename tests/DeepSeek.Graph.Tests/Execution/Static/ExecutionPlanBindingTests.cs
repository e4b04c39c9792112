using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;
using DeepSeek.Graph.Ops;
using static DeepSeek.Graph.Tests.Execution.Static.PlanTestUtil;

namespace DeepSeek.Graph.Tests.Execution.Static;

using Shape = DeepSeek.Shape;

/// <summary>Runs into caller-provided outputs (ExecutionPlan/CompiledGraph.Run(inputs, outputs), ORT's IOBinding).</summary>
public sealed class ExecutionPlanBindingTests
{
    private static Tensor RandN(int seed, params int[] shape) => Tensor.RandN(new Shape(shape), new Generator((ulong)seed));

    private static Value Node(Graph g, string op, params Value?[] inputs) => g.AddNode(op, inputs, [""]).Outputs[0];

    [Fact]
    public void BoundRunsWriteWhatRunReturnsIntoTheGivenTensors()
    {
        using var g = ExecutionPlanTests.Chain();
        using var x1 = RandN(1, 4, 16);
        using var x2 = RandN(2, 4, 16);
        using var plan = ExecutionPlan.Create(g, [x1]);
        using var y = Tensor.Full(new Shape(plan.Outputs[0].Shape.ToArray()), 7.0);
        foreach (var x in new[] { x1, x2, x1 }) // fresh values every run: nothing is left from the previous one
        {
            var expected = Interpret(g, x);
            plan.Run([x], [y]);
            AssertSame(expected[0], y);
            DisposeAll(expected);
        }
    }

    [Fact]
    public void EveryKindOfOutputIsWrittenStaticPassedThroughAndInterpreted()
    {
        // a static kernel's output (written in place), an input passed through (copied) and an interpreter fallback's
        // output (Transpose has no static kernel in this registry: copied)
        var kernels = new StaticKernelRegistry();
        StaticUnary.RegisterStatic(kernels);
        StaticBinary.RegisterStatic(kernels);
        using var g = new Graph("kinds");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x");
        g.AddOutput(Node(g, "Relu", Node(g, "Neg", x)));
        g.AddOutput(x);
        g.AddOutput(Node(g, "Transpose", Node(g, "Exp", x)));
        using var x1 = RandN(3, 5, 3);
        using var plan = ExecutionPlan.Create(g, [x1], kernels);
        Assert.Equal(["Transpose"], plan.Report.FallbackNodes);
        var expected = plan.Run([x1]);
        var bound = expected.Select(t => Tensor.Zeros(new Shape(t.Shape.ToArray()))).ToArray();
        for (int run = 0; run < 2; run++)
        {
            plan.Run([x1], bound);
            for (int i = 0; i < bound.Length; i++) AssertSame(expected[i], bound[i], what: $"run {run} output {i}");
        }
        DisposeAll(expected, bound);
    }

    [Fact]
    public void OutputTensorsThatDoNotFitAreRejectedNamingTheOutput()
    {
        using var g = ExecutionPlanTests.Chain();
        using var x = RandN(4, 4, 16);
        using var plan = ExecutionPlan.Create(g, [x]);
        var dims = plan.Outputs[0].Shape.ToArray(); // [4, 16]
        string name = plan.OutputNames[0];
        using var good = Tensor.Zeros(new Shape(dims));
        using var other = Tensor.Zeros(new Shape(dims));

        var count = Assert.Throws<ArgumentException>(() => plan.Run([x], [good, other]));
        Assert.Contains("has 1 outputs", count.Message);
        using var f64 = Tensor.Zeros(new Shape(dims), DType.F64);
        var dtype = Assert.Throws<DTypeMismatchException>(() => plan.Run([x], [f64]));
        Assert.Contains($"'{name}'", dtype.Message);
        Assert.Contains("f64", dtype.Message);
        using var wrong = Tensor.Zeros(new Shape(dims[0], dims[1] + 1));
        var shape = Assert.Throws<ShapeMismatchException>(() => plan.Run([x], [wrong]));
        Assert.Contains($"'{name}'", shape.Message);
        Assert.Contains("[4, 17]", shape.Message);
        using var square = Tensor.Zeros(new Shape(dims[1], dims[0]));
        using var strided = square.Transpose(0, 1);
        var layout = Assert.Throws<ArgumentException>(() => plan.Run([x], [strided]));
        Assert.Contains("contiguous", layout.Message);
        var dead = Tensor.Zeros(new Shape(dims));
        dead.Dispose();
        Assert.Throws<TensorDisposedException>(() => plan.Run([x], [dead]));
        Assert.Throws<ArgumentNullException>(() => plan.Run([x], [null!]));
        // nothing was written by the rejected calls
        Assert.All(good.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void OneTensorCannotTakeTwoOutputs()
    {
        using var g = new Graph("two");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x");
        g.AddOutput(Node(g, "Relu", x));
        g.AddOutput(Node(g, "Exp", x));
        using var x1 = RandN(5, 2, 3);
        using var plan = ExecutionPlan.Create(g, [x1]);
        using var y = Tensor.Zeros(2, 3);
        var e = Assert.Throws<ArgumentException>(() => plan.Run([x1], [y, y]));
        Assert.Contains("same tensor", e.Message);
    }

    [Fact]
    public void CompiledGraphBindsOutputsWithAndWithoutAPlan()
    {
        using var g = ExecutionPlanTests.Chain();
        using var x = RandN(6, 4, 16);
        var expected = Interpret(g, x);
        foreach (bool planned in new[] { true, false })
        {
            using var compiled = Compiler.Compile(g, new CompileOptions { PlanMemory = planned });
            using var y = Tensor.Zeros(new Shape(expected[0].Shape.ToArray()));
            for (int run = 0; run < 2; run++)
            {
                compiled.Run([x], [y]);
                AssertSame(expected[0], y, what: $"PlanMemory={planned} run {run}");
            }
            using var wrong = Tensor.Zeros(3, 3);
            Assert.Throws<ShapeMismatchException>(() => compiled.Run([x], [wrong]));
            Assert.Throws<ArgumentException>(() => compiled.Run([x], []));
        }
        DisposeAll(expected);
    }
}
