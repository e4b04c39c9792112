using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Compilation.Frontend.FrontendTestUtil;

namespace DeepSeek.Graph.Tests.Compilation.Frontend;

using Shape = DeepSeek.Shape;

public sealed class CondTests : IDisposable
{
    // made before any trace runs: a tensor created while tracing by an unrecorded op is (rightly) rejected
    private readonly Tensor _weight = Tensor.RandN(new Shape(3, 3), new Generator(40));

    public void Dispose() => _weight.Dispose();

    // then: x·W + 2 (reads a parameter), else: relu(x) − 1; the predicate is the mean against a threshold
    private Tensor[] Branchy(Tensor[] xs)
    {
        var x = xs[0];
        using var mean = x.Mean();
        using var p = mean.Gt(0.5);
        return Tensor.Cond(p,
            () =>
            {
                using var m = x.MatMul(_weight);
                return [m + 2.0];
            },
            () =>
            {
                using var r = x.Relu();
                return [r - 1.0];
            });
    }

    [Fact]
    public void EagerCondRunsTheSelectedBranchOnly()
    {
        using var t = Tensor.Scalar(1.0, DType.Bool);
        using var f = Tensor.Scalar(0.0, DType.Bool);
        int thenRuns = 0, elseRuns = 0;
        using var a = Tensor.Cond(t, () => { thenRuns++; return [Tensor.Scalar(1.0)]; }, () => { elseRuns++; return [Tensor.Scalar(2.0)]; })[0];
        using var b = Tensor.Cond(f, () => { thenRuns++; return [Tensor.Scalar(1.0)]; }, () => { elseRuns++; return [Tensor.Scalar(2.0)]; })[0];
        Assert.Equal((1.0, 2.0), (a.ItemAsDouble(), b.ItemAsDouble()));
        Assert.Equal((1, 1), (thenRuns, elseRuns));
    }

    [Fact]
    public void CondRejectsPredicatesThatAreNotOneBool()
    {
        using var f32 = Tensor.Scalar(1.0);
        using var two = Tensor.Zeros(new Shape(2), DType.Bool);
        var e1 = Assert.Throws<DTypeMismatchException>(() => Tensor.Cond(f32, () => [], () => []));
        Assert.Contains("Cond: the predicate must be a Bool tensor, got f32", e1.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<ShapeMismatchException>(() => Tensor.Cond(two, () => [], () => []));
        Assert.Contains("shape [2]", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TracedCondIsOneIfNodeAndTheInterpreterTakesEitherBranch()
    {
        using var hi = WithMean(2, 41);
        using var lo = WithMean(-2, 42);
        using var g = Tracer.Trace(Branchy, new TraceOptions(), hi);
        var ifNode = Assert.Single(g.Nodes, n => n.OpType == "If");
        var thenOps = ifNode.GetGraph("then_branch").Nodes.Select(n => n.OpType).ToArray();
        var elseOps = ifNode.GetGraph("else_branch").Nodes.Select(n => n.OpType).ToArray();
        Assert.Equal(["MatMul", "Add", "Identity"], thenOps);
        Assert.Equal(["Relu", "Sub", "Identity"], elseOps);
        Assert.Single(g.Inputs); // x is read by the branches as an outer-scope value
        Assert.Contains(g.Constants, c => c.Constant!.Shape == new Shape(3, 3)); // the parameter is a constant of the main graph
        Assert.Equal("f32[4, 3]", ifNode.Outputs[0].Type!.ToString());

        foreach (var x in new[] { hi, lo })
        {
            using var eager = Branchy([x])[0];
            var outs = new Interpreter().Run(g, new Dictionary<string, RuntimeValue> { ["input"] = new TensorValue(x) });
            using var y = outs["output"].AsTensor("y");
            AssertClose(eager, y, 1e-5);
        }
    }

    [Fact]
    public void CompiledCondServesBothOutcomesFromOneTrace()
    {
        using var f = Compiler.Compile(Branchy);
        var xs = new[] { WithMean(2, 43), WithMean(-2, 44), WithMean(1, 45), WithMean(-1, 46) };
        try
        {
            foreach (var x in xs)
            {
                using var eager = Branchy([x])[0];
                using var y = f.Run(x)[0];
                AssertClose(eager, y, 1e-5);
            }
            Assert.Equal(1, f.Stats.Traces);
            Assert.Equal(3, f.Stats.Hits);
            Assert.Equal(0, f.Stats.GuardFailures);
            Assert.DoesNotContain("read by", f.Dump(), StringComparison.Ordinal); // the predicate is an If input, not a guard
        }
        finally
        {
            foreach (var x in xs) x.Dispose();
        }
    }

    [Fact]
    public void NestedCondAndABranchReturningAnOuterTensorTrace()
    {
        Tensor[] F(Tensor[] xs)
        {
            var x = xs[0];
            using var s = x.Sum();
            using var pos = s.Gt(0.0);
            using var big = s.Gt(5.0);
            return Tensor.Cond(pos,
                () => Tensor.Cond(big, () => [x * 10.0], () => [x.Clone()]),
                () => [x.Neg()]);
        }
        using var f = Compiler.Compile(F);
        foreach (var v in new[] { 4f, 1f, -1f })
        {
            using var x = Tensor.Full(new Shape(2), v);
            using var eager = F([x])[0];
            using var y = f.Run(x)[0];
            AssertClose(eager, y);
            Assert.False(x.IsDisposed);
        }
        Assert.Equal(1, f.Stats.Traces);
    }

    [Fact]
    public void ABranchReturningAnOuterTensorItselfGivesTheCallerAView()
    {
        using var x = Tensor.FromArray(new[] { 1f, -2f }, 2);
        using var p = Tensor.Scalar(0.0, DType.Bool);
        Tensor? seen = null;
        using var g = Tracer.Trace(xs =>
        {
            var r = Tensor.Cond(p, () => [xs[0].Relu()], () => [xs[0]]);
            seen = r[0];
            return r;
        }, x);
        Assert.NotSame(x, seen); // the If output is bound to a fresh view, so x keeps meaning the graph input
        Assert.False(x.IsDisposed);
        var elseOps = Assert.Single(g.Nodes, n => n.OpType == "If").GetGraph("else_branch").Nodes.Select(n => n.OpType);
        Assert.Equal(["Identity"], elseOps);
        var outs = new Interpreter().Run(g, new Dictionary<string, RuntimeValue> { ["input"] = new TensorValue(x) });
        using var y = outs["output"].AsTensor("y");
        Assert.Equal(new[] { 1f, -2f }, y.ToArray<float>());
    }

    [Fact]
    public void BranchesMustAgreeOnCountAndDType()
    {
        using var x = Tensor.RandN(new Shape(2), new Generator(47));
        using var p = Tensor.Scalar(1.0, DType.Bool);
        var count = Assert.Throws<ShapeMismatchException>(() => Tracer.Trace(xs => Tensor.Cond(p, () => [xs[0].Relu(), xs[0].Neg()], () => [xs[0].Neg()]), x));
        Assert.Contains("then branch returns 2 tensors, the else branch 1", count.Message, StringComparison.Ordinal);
        var dtype = Assert.Throws<DTypeMismatchException>(() => Tracer.Trace(xs => Tensor.Cond(p, () => [xs[0].Relu()], () => [xs[0].To(DType.F64)]), x));
        Assert.Contains("output 0 is f32[2] in the then branch but f64[2] in the else branch", dtype.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostReadsInsideABranchAndBranchValuesLeakingOutAreRejected()
    {
        using var x = Tensor.RandN(new Shape(2), new Generator(48));
        using var p = Tensor.Scalar(1.0, DType.Bool);
        using var compiled = Compiler.Compile(xs => Tensor.Cond(p,
            () => { using var m = xs[0].Sum(); return m.Item<float>() > 0 ? [xs[0].Relu()] : [xs[0].Neg()]; },
            () => [xs[0].Neg()]));
        var read = Assert.Throws<UnsupportedOperatorException>(() => compiled.Run(x));
        Assert.Contains("inside a Tensor.Cond branch", read.Message, StringComparison.Ordinal);

        Tensor? leaked = null;
        var leak = Assert.Throws<UnsupportedOperatorException>(() => Tracer.Trace(xs =>
        {
            using var r = Tensor.Cond(p, () => { leaked = xs[0] * 3.0; return [xs[0].Relu()]; }, () => [xs[0].Neg()])[0];
            return [r + leaked!];
        }, x));
        Assert.Contains("computed inside another Tensor.Cond branch", leak.Message, StringComparison.Ordinal);
        leaked?.Dispose();
    }
}
