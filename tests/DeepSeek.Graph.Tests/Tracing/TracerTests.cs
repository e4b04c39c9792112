using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Tracing;

using Shape = DeepSeek.Shape;

public sealed class TracerTests
{
    private static Tensor RunGraph(Graph g, params Tensor[] inputs)
    {
        var feeds = new Dictionary<string, RuntimeValue>();
        for (int i = 0; i < inputs.Length; i++) feeds[g.Inputs[i].Name] = inputs[i].Detach();
        var outs = new Interpreter().Run(g, feeds);
        var y = outs[g.Outputs[0].Name].AsTensor("y");
        foreach (var (name, v) in outs) if (name != g.Outputs[0].Name) v.Dispose();
        return y;
    }

    private static void AssertSame(Tensor expected, Tensor actual, double tol = 1e-5)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        var e = expected.To(DType.F64).ToArray<double>();
        var a = actual.To(DType.F64).ToArray<double>();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tol * (1 + Math.Abs(e[i])), $"[{i}]: {a[i]} vs eager {e[i]}");
    }

    [Fact]
    public void MatMulAddReluTracesToThreeNodesAndMatchesEager()
    {
        var gen = new Generator(1);
        using var w = Tensor.RandN(new Shape(4, 3), gen);
        using var b = Tensor.RandN(new Shape(3), gen);
        using var x = Tensor.RandN(new Shape(5, 4), gen);
        Func<Tensor, Tensor> f = t =>
        {
            using var mm = t.MatMul(w);
            using var s = mm + b;
            return s.Relu();
        };
        using var g = Tracer.Trace(f, x);
        g.Validate();
        Assert.Equal(["MatMul", "Add", "Relu", "Identity"], g.Nodes.Select(n => n.OpType).ToArray());
        Assert.Equal(2, g.Constants.Count());
        Assert.Equal("input", g.Inputs[0].Name);
        Assert.Equal("output", g.Outputs[0].Name);
        using var eager = f(x);
        using var traced = RunGraph(g, x);
        AssertSame(eager, traced);
        // the graph holds copies of the parameters: it stays valid after they change
        using (Tensor.NoGrad()) w.MulInPlace(0.0);
        using var again = RunGraph(g, x);
        AssertSame(eager, again);
    }

    [Fact]
    public void LinearPatternBecomesGemmWithTransB()
    {
        var gen = new Generator(2);
        using var w = Tensor.RandN(new Shape(3, 6), gen);
        using var b = Tensor.RandN(new Shape(3), gen);
        using var x = Tensor.RandN(new Shape(2, 6), gen);
        Func<Tensor, Tensor> f = t =>
        {
            using var wt = w.T;
            using var mm = t.MatMul(wt);
            return mm + b;
        };
        using var g = Tracer.Trace(f, x);
        g.Validate();
        var gemm = Assert.Single(g.Nodes, n => n.OpType == "Gemm");
        Assert.Equal(1, gemm.GetInt("transB", 0));
        Assert.DoesNotContain(g.Nodes, n => n.OpType is "Transpose" or "MatMul" or "Add");
        using var eager = f(x);
        using var traced = RunGraph(g, x);
        AssertSame(eager, traced);
    }

    [Fact]
    public void ScalarOperandsBecomeConstantsOnEitherSide()
    {
        using var x = Tensor.RandN(new Shape(2, 3), new Generator(3));
        Func<Tensor, Tensor> f = t =>
        {
            using var a = t * 2.5;
            using var c = 1.0 - a;
            using var d = c + 0.25;
            return d.HardSigmoid();
        };
        using var g = Tracer.Trace(f, x);
        Assert.Equal(["Mul", "Sub", "Add", "HardSigmoid", "Identity"], g.Nodes.Select(n => n.OpType).ToArray());
        var sub = g.Nodes[1];
        Assert.True(sub.Inputs[0]!.IsConstant); // 1 − a keeps the scalar on the left
        Assert.Equal(0, sub.Inputs[0]!.Constant!.Rank);
        using var eager = f(x);
        using var traced = RunGraph(g, x);
        AssertSame(eager, traced);
    }

    [Fact]
    public void ViewsAndCastsRecordAsReshapeTransposeFlattenAndCast()
    {
        using var x = Tensor.RandN(new Shape(2, 3, 4), new Generator(4));
        Func<Tensor, Tensor> f = t =>
        {
            using var p = t.Permute(0, 2, 1);
            using var u = p.Unsqueeze(1);
            using var fl = u.Flatten(1);
            using var r = fl.Reshape(4, -1);
            using var h = r.To(DType.F64);
            return h.Neg();
        };
        using var g = Tracer.Trace(f, x);
        Assert.Equal(["Transpose", "Reshape", "Flatten", "Reshape", "Cast", "Neg", "Identity"], g.Nodes.Select(n => n.OpType).ToArray());
        Assert.Equal([0L, 2, 1], g.Nodes[0].GetInts("perm")!);
        using var eager = f(x);
        using var traced = RunGraph(g, x);
        Assert.Equal(DType.F64, traced.DType);
        AssertSame(eager, traced, 0);
    }

    [Fact]
    public void IdentityFunctionAndMultipleOutputsGetIdentityNodes()
    {
        using var x = Tensor.RandN(new Shape(3), new Generator(5));
        using var y = Tensor.RandN(new Shape(3), new Generator(6));
        using var g = Tracer.Trace(ts => [ts[0], ts[0] * ts[1]], x, y);
        Assert.Equal(["input_0", "input_1"], g.Inputs.Select(v => v.Name).ToArray());
        Assert.Equal(["output_0", "output_1"], g.Outputs.Select(v => v.Name).ToArray());
        var outs = new Interpreter().Run(g, new Dictionary<string, RuntimeValue> { ["input_0"] = x.Detach(), ["input_1"] = y.Detach() });
        using var o0 = outs["output_0"].AsTensor("o0");
        using var o1 = outs["output_1"].AsTensor("o1");
        AssertSame(x, o0, 0);
        using var prod = x * y;
        AssertSame(prod, o1, 0);
    }

    [Fact]
    public void BatchDimNameOptionNamesTheFirstDimension()
    {
        using var x = Tensor.RandN(new Shape(2, 3), new Generator(7));
        using var g = Tracer.Trace(t => t.Relu(), x, new TraceOptions { BatchDimName = "batch" });
        var type = Assert.IsType<TensorType>(g.Inputs[0].Type);
        Assert.Equal("batch", type.Shape![0].Symbol);
        Assert.Equal(3L, type.Shape[1].Value);
    }

    [Fact]
    public void TensorFromAnUnrecordedOpIsRejectedNamingItsShape()
    {
        using var x = Tensor.RandN(new Shape(4, 6), new Generator(8));
        var e = Assert.Throws<UnsupportedOperatorException>(() => Tracer.Trace(t =>
        {
            using var z = t.CumSum(1); // made during tracing by an op that does not record
            return t + z;
        }, x));
        Assert.Contains("[4, 6]", e.Message);
        Assert.Contains("Add", e.Message);
        Assert.Contains("cannot be recorded", e.Message);
        var e2 = Assert.Throws<UnsupportedOperatorException>(() => Tracer.Trace(t => t.CumSum(0).Reshape(2, 12), x));
        Assert.Contains("Reshape", e2.Message);
        Assert.Contains("[4, 6]", e2.Message);
    }

    [Fact]
    public void SliceExpandConcatAndSoftmaxRecordAndMatchEager()
    {
        using var x = Tensor.RandN(new Shape(4, 6), new Generator(11));
        using var row = Tensor.RandN(new Shape(1, 3), new Generator(12));
        Func<Tensor, Tensor> f = t =>
        {
            using var s = t.Slice(1, 1, -1, 2);          // [4, 2] with step
            using var tt = t.T;
            using var s2 = tt.Slice(0, 0, 3);            // [3, 4] of a transposed view
            using var s2t = s2.T;                        // [4, 3]
            using var e = row.Expand(4, 3);              // [4, 3] stride-0
            using var sum = s2t + e;
            using var c = Tensor.Concat([s, sum], 1);    // [4, 5]
            using var sm = c.Softmax(-1);
            return sm.LogSoftmax(0);
        };
        using var g = Tracer.Trace(f, x);
        var ops = g.Nodes.Select(n => n.OpType).ToArray();
        Assert.Equal(2, ops.Count(o => o == "Slice"));
        Assert.Contains("Expand", ops);
        Assert.Contains("Concat", ops);
        Assert.Contains("Softmax", ops);
        Assert.Contains("LogSoftmax", ops);
        using var eager = f(x);
        using var traced = RunGraph(g, x);
        AssertSame(eager, traced);
    }

    [Fact]
    public void InPlaceOpsAreRejectedWhileTracing()
    {
        using var x = Tensor.RandN(new Shape(2, 2), new Generator(9));
        var e = Assert.Throws<UnsupportedOperatorException>(() => Tracer.Trace(t =>
        {
            var y = t.Relu();
            y.AddInPlace(1.0);
            return y;
        }, x));
        Assert.Contains("in-place", e.Message);
    }

    [Fact]
    public void TracingEndsWithTheTraceEvenWhenItThrows()
    {
        using var x = Tensor.RandN(new Shape(2, 2), new Generator(10));
        Assert.Throws<InvalidOperationException>(() => Tracer.Trace(t => throw new InvalidOperationException("boom"), x));
        Assert.Null(DeepSeek.Tracing.OpTrace.Current);
    }
}
