using DeepSeek.Graph.Execution;
using DeepSeek.Graph.Ops;
using static DeepSeek.Graph.Tests.Execution.Static.PlanTestUtil;

namespace DeepSeek.Graph.Tests.Execution.Static;

using Shape = DeepSeek.Shape;

public sealed class ExecutionPlanTests
{
    private static Tensor RandN(int seed, params int[] shape) => Tensor.RandN(new Shape(shape), new Generator((ulong)seed));

    private static Value Node(Graph g, string op, params Value?[] inputs) => g.AddNode(op, inputs, [""]).Outputs[0];

    /// <summary>x[4, 16] → MatMul → Add → Relu → MatMul → Sigmoid → Reshape → Softmax → Flatten → Mul → Tanh: 10 nodes, two views.</summary>
    internal static Graph Chain()
    {
        var g = new Graph("chain");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x");
        var w1 = g.AddConstant("w1", RandN(11, 16, 32));
        var b1 = g.AddConstant("b1", RandN(12, 32));
        var w2 = g.AddConstant("w2", RandN(13, 32, 16));
        var two = g.AddConstant("two", Tensor.Scalar(2.0));
        var shape = g.AddConstant("shape", Tensor.FromArray(new long[] { 4, 4, 4 }));
        var h = Node(g, "Relu", Node(g, "Add", Node(g, "MatMul", x, w1), b1));
        var s = Node(g, "Sigmoid", Node(g, "MatMul", h, w2));
        var r = Node(g, "Reshape", s, shape);
        var sm = g.AddNode("Softmax", [r], [""]);
        sm.Attributes["axis"] = AttributeValue.Of(-1L);
        var f = Node(g, "Flatten", sm.Outputs[0]);
        g.AddOutput(Node(g, "Tanh", Node(g, "Mul", f, two)));
        return g;
    }

    [Fact]
    public void ChainMatchesTheInterpreterInASmallerArena()
    {
        using var g = Chain();
        using var x = RandN(1, 4, 16);
        var expected = Interpret(g, x);
        using var plan = ExecutionPlan.Create(g, [x]);
        var r = plan.Report;
        Assert.True(r.FallbackNodes.Count == 0 && r.StaticNodes == 8, r.ToString());
        Assert.True(r.AliasValues == 2, r.ToString()); // Reshape and Flatten own no bytes
        Assert.True(r.PlannedValues == 7, r.ToString()); // the last value is a graph output: pooled, not planned
        Assert.True(r.ArenaBytes < r.NaiveBytes, r.ToString());
        Assert.True(r.ArenaBytes >= r.PeakLiveBytes, r.ToString());
        Assert.True(r.InPlaceReuses >= 2, r.ToString()); // Add → Relu and Sigmoid (MatMul writes into a fresh buffer)
        for (int run = 0; run < 3; run++)
        {
            var got = plan.Run([x]);
            AssertSame(expected[0], got[0]);
            DisposeAll(got);
        }
        Assert.Contains("arena bytes", r.ToString());
        DisposeAll(expected);
    }

    [Fact]
    public void InputsOfAnotherShapeDtypeOrCountAreRejectedByName()
    {
        using var g = Chain();
        using var x = RandN(1, 4, 16);
        using var plan = ExecutionPlan.Create(g, [x]);
        using var wrong = RandN(2, 3, 16);
        var ex = Assert.Throws<ShapeMismatchException>(() => plan.Run([wrong]));
        Assert.Contains("'x'", ex.Message);
        Assert.Contains("f32[4, 16]", ex.Message);
        Assert.Contains("f32[3, 16]", ex.Message);
        using var f64 = x.To(DType.F64);
        Assert.Contains("f64[4, 16]", Assert.Throws<DTypeMismatchException>(() => plan.Run([f64])).Message);
        Assert.Throws<ArgumentException>(() => plan.Run([x, x]));
        Assert.Throws<ArgumentException>(() => ExecutionPlan.Create(g, []));
    }

    [Fact]
    public void OutputsAreFreshAndSurviveLaterRuns()
    {
        // outputs: the input itself, a view of it, a planned intermediate that later nodes also read, and the final value
        var g = new Graph("outs");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x");
        var e = Node(g, "Exp", x);
        var n = Node(g, "Neg", e);
        g.AddOutput(x);
        g.AddOutput(Node(g, "Identity", x));
        g.AddOutput(e);
        g.AddOutput(Node(g, "Relu", n));
        using (g)
        {
            using var x1 = RandN(3, 5, 3);
            using var x2 = RandN(4, 5, 3);
            using var plan = ExecutionPlan.Create(g, [x1]);
            var first = plan.Run([x1]);
            foreach (var t in first) Assert.False(ReferenceEquals(t.Storage, x1.Storage));
            Assert.Equal(4, first.Select(t => t.Storage).Distinct().Count());
            var expected = Interpret(g, x1);
            var second = plan.Run([x2]);
            for (int i = 0; i < 4; i++) AssertSame(expected[i], first[i], what: $"output {i} after a second run");
            var expected2 = Interpret(g, x2);
            for (int i = 0; i < 4; i++) AssertSame(expected2[i], second[i]);
            DisposeAll(first, second, expected, expected2);
        }
    }

    [Fact]
    public void ShapeComputationsAreFoldedAndReshapeBecomesAView()
    {
        // y = Relu(Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]))) · 3
        var g = new Graph("fold");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x");
        var zero = g.AddConstant("zero", Tensor.Scalar(0, DType.I64));
        var axes = g.AddConstant("axes", Tensor.FromArray(new long[] { 0 }));
        var minus = g.AddConstant("minus", Tensor.FromArray(new long[] { -1 }));
        var three = g.AddConstant("three", Tensor.Scalar(3.0));
        var batch = Node(g, "Unsqueeze", Node(g, "Gather", Node(g, "Shape", x), zero), axes);
        var cat = g.AddNode("Concat", [batch, minus], [""]);
        cat.Attributes["axis"] = AttributeValue.Of(0L);
        g.AddOutput(Node(g, "Mul", Node(g, "Relu", Node(g, "Reshape", x, cat.Outputs[0])), three));
        using (g)
        {
            using var x1 = RandN(5, 2, 3, 4);
            using var plan = ExecutionPlan.Create(g, [x1]);
            Assert.Equal(4, plan.Report.FoldedNodes);
            Assert.Equal(1, plan.Report.AliasValues);
            Assert.Equal(2, plan.Report.StaticNodes);
            Assert.Equal(new Shape(2, 12), plan.Outputs[0].Shape);
            var expected = Interpret(g, x1);
            var got = plan.Run([x1]);
            AssertSame(expected[0], got[0]);
            DisposeAll(expected, got);
        }
    }

    [Fact]
    public void DataDependentShapesRunThroughTheInterpreterOnEveryRun()
    {
        // NonZero's output length follows the data: it and everything after it must not be planned for one shape
        var g = new Graph("nonzero");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x");
        var half = g.AddConstant("half", Tensor.Scalar(0.5));
        var mask = Node(g, "Greater", Node(g, "Sigmoid", x), half);
        var idx = Node(g, "Transpose", Node(g, "NonZero", mask));
        var cast = g.AddNode("Cast", [idx], [""]);
        cast.Attributes["to"] = AttributeValue.Of(1L);
        g.AddOutput(Node(g, "Neg", cast.Outputs[0]));
        using (g)
        {
            using var x1 = RandN(6, 4, 5);
            using var plan = ExecutionPlan.Create(g, [x1]);
            Assert.Equal(["NonZero", "Transpose", "Cast", "Neg"], plan.Report.FallbackNodes);
            Assert.Equal(2, plan.Report.StaticNodes);
            for (int seed = 6; seed < 10; seed++)
            {
                using var xi = RandN(seed, 4, 5);
                var expected = Interpret(g, xi);
                var got = plan.Run([xi]);
                AssertSame(expected[0], got[0]);
                DisposeAll(expected, got);
            }
        }
    }

    [Fact]
    public void AnUnknownOpWhoseShapeFollowsTheDataFailsLoudlyInsteadOfFeedingAWrongShape()
    {
        // test::Head keeps the first round(x[0]) elements: the plan cannot know, so a changed length must be an error
        var registry = new OpRegistry();
        foreach (var (domain, op, versions) in OpRegistry.Default.Entries)
            foreach (var v in versions) registry.Register(op, v, OpRegistry.Default.Find(domain, op, v)!, domain);
        registry.Register("Head", 1, ctx =>
        {
            var x = ctx.Tensor(0);
            using var first = x.Narrow(0, 0, 1);
            int k = (int)Math.Round(first.ToDoubleArray()[0]);
            using var head = x.Narrow(0, 0, k);
            return [new TensorValue(head.Clone())];
        }, "test");
        var g = new Graph("head");
        g.OpsetImports[""] = 17;
        g.OpsetImports["test"] = 1;
        var x = g.AddInput("x");
        g.AddOutput(Node(g, "Relu", g.AddNode("Head", [x], [""], "test").Outputs[0]));
        using (g)
        {
            using var three = Tensor.FromArray(new float[] { 3, -1, 2, 5, 6 }, 5);
            using var two = Tensor.FromArray(new float[] { 2, -1, 2, 5, 6 }, 5);
            using var plan = ExecutionPlan.Create(g, [three], fallback: registry);
            Assert.Equal(1, plan.Report.StaticNodes);
            DisposeAll(plan.Run([three]));
            var ex = Assert.Throws<ShapeMismatchException>(() => plan.Run([two]));
            Assert.Contains("Head node", ex.Message);
            Assert.Contains("f32[2]", ex.Message);
            Assert.Contains("f32[3]", ex.Message);
        }
    }

    [Fact]
    public void FallbackResultsThatViewTheArenaAreCopiedBeforeItsBytesAreReused()
    {
        // With no static Transpose, the interpreter's Transpose returns a strided view of the arena value it reads;
        // later planned values reuse those bytes, so the executor must copy the view out first.
        var kernels = new StaticKernelRegistry();
        StaticUnary.RegisterStatic(kernels);
        StaticBinary.RegisterStatic(kernels);
        var g = new Graph("view");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x");
        var t = Node(g, "Transpose", Node(g, "Relu", x));
        var later = Node(g, "Exp", Node(g, "Sigmoid", Node(g, "Neg", x)));
        g.AddOutput(Node(g, "Add", t, later));
        using (g)
        {
            using var x1 = RandN(7, 8, 8);
            using var plan = ExecutionPlan.Create(g, [x1], kernels);
            Assert.Equal(["Transpose"], plan.Report.FallbackNodes);
            var expected = Interpret(g, x1);
            var got = plan.Run([x1]);
            AssertSame(expected[0], got[0]);
            DisposeAll(expected, got);
        }
    }

    [Fact]
    public void IfBranchesReadPlannedValuesFromTheOuterGraph()
    {
        var g = new Graph("if");
        g.OpsetImports[""] = 17;
        var c = g.AddInput("c");
        var x = g.AddInput("x");
        var e = Node(g, "Exp", x);
        var thenG = new Graph("then", g);
        thenG.AddOutput(thenG.AddNode("Add", [e, thenG.AddConstant("one", Tensor.Scalar(1.0))], ["t"]).Outputs[0]);
        var elseG = new Graph("else", g);
        elseG.AddOutput(elseG.AddNode("Identity", [e], ["u"]).Outputs[0]);
        var iff = g.AddNode("If", [c], ["y"]);
        iff.Attributes["then_branch"] = AttributeValue.Of(thenG);
        iff.Attributes["else_branch"] = AttributeValue.Of(elseG);
        g.AddOutput(Node(g, "Relu", iff.Outputs[0]));
        using (g)
        {
            using var x1 = RandN(8, 3, 4);
            using var yes = Tensor.Scalar(1, DType.Bool);
            using var no = Tensor.Scalar(0, DType.Bool);
            using var plan = ExecutionPlan.Create(g, [yes, x1]);
            Assert.Equal(["If", "Relu"], plan.Report.FallbackNodes); // If's result shape is not fixed, nor is anything after it
            foreach (var cond in new[] { yes, no, yes })
            {
                var expected = Interpret(g, cond, x1);
                var got = plan.Run([cond, x1]);
                AssertSame(expected[0], got[0]);
                DisposeAll(expected, got);
            }
        }
    }

    [Fact]
    public void OneGraphRunsFromFourThreadsAtOnce()
    {
        using var g = Chain();
        using var x0 = RandN(1, 4, 16);
        using var plan = ExecutionPlan.Create(g, [x0]);
        var inputs = Enumerable.Range(0, 8).Select(i => RandN(100 + i, 4, 16)).ToArray();
        var expected = inputs.Select(x => Interpret(g, x)[0]).ToArray();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int k = 0; k < 25; k++)
            {
                int i = (t * 3 + k) % inputs.Length;
                var got = plan.Run([inputs[i]]);
                var e = expected[i].ToArray<float>();
                var a = got[0].ToArray<float>();
                for (int j = 0; j < e.Length; j++)
                    if (Math.Abs(e[j] - a[j]) > 1e-5 * (1 + Math.Abs(e[j]))) { errors.Enqueue($"thread {t} run {k} input {i} [{j}]: {a[j]} vs {e[j]}"); break; }
                DisposeAll(got);
            }
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        Assert.Empty(errors);
        DisposeAll(inputs, expected);
    }

    [Fact]
    public void TracedConvNetRunsOnStaticKernelsAndMatchesTheInterpreter()
    {
        var gen = new Generator(21);
        using var w1 = Tensor.RandN(new Shape(8, 3, 3, 3), gen, 0, 0.3);
        using var b1 = Tensor.RandN(new Shape(8), gen);
        using var mean = Tensor.RandN(new Shape(8), gen);
        using var variance = Tensor.Rand(new Shape(8), gen, 0.5, 1.5);
        using var gamma = Tensor.RandN(new Shape(8), gen);
        using var beta = Tensor.RandN(new Shape(8), gen);
        using var w2 = Tensor.RandN(new Shape(8, 8, 3, 3), gen, 0, 0.2);
        using var fc = Tensor.RandN(new Shape(10, 8), gen, 0, 0.3);
        using var fcb = Tensor.RandN(new Shape(10), gen);
        using var x = Tensor.RandN(new Shape(2, 3, 16, 16), gen);
        Func<Tensor, Tensor> net = t =>
        {
            using var c1 = t.Conv2d(w1, b1, 1, 1);
            using var bn = c1.BatchNorm(mean, variance, gamma, beta);
            using var r1 = bn.Relu();
            using var p1 = r1.MaxPool2d(2);
            using var c2 = p1.Conv2d(w2, null, 1, 1);
            using var r2 = c2.Relu();
            using var gp = r2.AdaptiveAvgPool2d(1);
            using var fl = gp.Flatten(1);
            using var fcT = fc.T;
            using var mm = fl.MatMul(fcT);
            return mm + fcb;
        };
        using var g = Tracer.Trace(net, x);
        using var plan = ExecutionPlan.Create(g, [x]);
        Assert.Empty(plan.Report.FallbackNodes);
        Assert.True(plan.Report.ArenaBytes < plan.Report.NaiveBytes, plan.Report.ToString());
        Assert.True(plan.Report.AliasValues >= 1, plan.Report.ToString());
        var expected = Interpret(g, x);
        using var eager = net(x);
        var got = plan.Run([x]);
        AssertSame(expected[0], got[0], rtol: 1e-4, atol: 1e-5);
        AssertSame(eager, got[0], rtol: 1e-4, atol: 1e-5);
        DisposeAll(expected, got);
    }
}
