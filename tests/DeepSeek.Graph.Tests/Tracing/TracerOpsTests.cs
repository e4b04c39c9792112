using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Tracing;

using Shape = DeepSeek.Shape;

/// <summary>Ops recorded for transformers: each traced graph runs in our interpreter and matches eager.</summary>
public sealed class TracerOpsTests
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

    private static string[] TraceAndCompare(Func<Tensor, Tensor> f, Tensor x, double tol = 1e-5)
    {
        using var g = Tracer.Trace(f, x);
        g.Validate();
        using var eager = f(x);
        using var traced = RunGraph(g, x);
        Assert.Equal(eager.Shape.ToArray(), traced.Shape.ToArray());
        Assert.Equal(eager.DType, traced.DType);
        var e = eager.To(DType.F64).ToArray<double>();
        var a = traced.To(DType.F64).ToArray<double>();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tol * (1 + Math.Abs(e[i])), $"[{i}]: {a[i]} vs eager {e[i]}");
        return g.Nodes.Select(n => n.OpType).ToArray();
    }

    [Theory]
    [InlineData(GeluApproximation.None, "Erf")]
    [InlineData(GeluApproximation.Tanh, "Tanh")]
    public void GeluRecordsItsDecomposition(GeluApproximation approx, string core)
    {
        using var x = Tensor.RandN(new Shape(3, 7), new Generator(31), 0, 2);
        var ops = TraceAndCompare(t => t.Gelu(approx), x);
        Assert.Contains(core, ops);
        Assert.DoesNotContain("Gelu", ops);
    }

    [Fact]
    public void GeluOnF16RecordsCastsAroundF32Math()
    {
        using var x32 = Tensor.RandN(new Shape(2, 5), new Generator(32));
        using var x = x32.To(DType.F16);
        var ops = TraceAndCompare(t => t.Gelu(), x, 1e-3);
        Assert.Equal(2, ops.Count(o => o == "Cast"));
    }

    [Fact]
    public void LayerNormRecordsLayerNormalizationWithAxisAndEpsilon()
    {
        using var x = Tensor.RandN(new Shape(2, 3, 8), new Generator(33));
        using var w = Tensor.RandN(new Shape(3, 8), new Generator(34));
        using var b = Tensor.RandN(new Shape(3, 8), new Generator(35));
        using var g = Tracer.Trace(t => t.LayerNorm([3, 8], w, b, 1e-3), x);
        var n = Assert.Single(g.Nodes, n => n.OpType == "LayerNormalization");
        Assert.Equal(-2L, n.Attributes["axis"].Raw);
        Assert.Equal(1e-3f, n.Attributes["epsilon"].Raw);
        TraceAndCompare(t => t.LayerNorm([3, 8], w, b, 1e-3), x);
        TraceAndCompare(t => t.LayerNorm([8]), x); // no weight: a ones constant
    }

    [Fact]
    public void ComparisonsWhereNotAndMaskedFillRecord()
    {
        using var x = Tensor.RandN(new Shape(4, 5), new Generator(36));
        using var y = Tensor.RandN(new Shape(1, 5), new Generator(37));
        var ops = TraceAndCompare(t =>
        {
            using var gt = t.Gt(y);
            using var le = t.Le(0.25);
            using var ne = t.Ne(y);
            using var lt = t.Lt(y);
            using var ge = t.Ge(-0.5);
            using var eq = t.Eq(t);
            using var notLe = le.LogicalNot();
            using var w1 = Tensor.Where(gt, t, y);
            using var w2 = Tensor.Where(notLe, w1, 3.0);
            using var w3 = w2.MaskedFill(ne.LogicalNot(), -7.0);
            using var w4 = w3.MaskedFill(lt, 1.5);
            using var w5 = Tensor.Where(ge, w4, -2.0);
            return Tensor.Where(eq, w5, 100.0);
        }, x);
        foreach (var op in new[] { "Greater", "LessOrEqual", "Equal", "Less", "GreaterOrEqual", "Not", "Where" }) Assert.Contains(op, ops);
    }

    [Fact]
    public void ComparisonOnAnIntegerTensorRecordsACastForTheScalar()
    {
        using var x = Tensor.FromArray(new long[] { 1, 5, -3, 2, 0, 9 }, 2, 3);
        var ops = TraceAndCompare(t => t.Gt(2.5).To(DType.I64), x);
        Assert.Contains("Greater", ops);
    }

    [Fact]
    public void EmbeddingIndexSelectAndSelectRecordGather()
    {
        using var ids = Tensor.FromArray(new long[] { 3, 0, 2, 2, 1, 4 }, 2, 3);
        using var table = Tensor.RandN(new Shape(5, 4), new Generator(38));
        using var idx = Tensor.FromArray(new long[] { 2, 0 }, 2);
        var ops = TraceAndCompare(t =>
        {
            using var e = Tensor.Embedding(t, table);        // [2, 3, 4]
            using var s = e.IndexSelect(2, idx);              // [2, 3, 2]
            using var tt = s.Transpose(0, 2);                 // non-contiguous
            return tt.Select(1, -1);                          // [2, 2]
        }, ids);
        Assert.Equal(3, ops.Count(o => o == "Gather"));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(-1, true)]
    [InlineData(2, true)]
    public void TrilTriuOnTracedTensorsRecordTrilu(int k, bool upper)
    {
        using var x = Tensor.RandN(new Shape(2, 4, 5), new Generator(39));
        var ops = TraceAndCompare(t => upper ? t.Triu(k) : t.Tril(k), x);
        Assert.Contains("Trilu", ops);
    }

    [Fact]
    public void CreationOpsAndTheirFoldsBecomeConstants()
    {
        using var x = Tensor.RandN(new Shape(4, 4), new Generator(40));
        var ops = TraceAndCompare(t =>
        {
            using var keep = Tensor.Full(new Shape(4, 4), 1, DType.Bool).Tril();   // folded: no Trilu
            using var masked = t.MaskedFill(keep.LogicalNot(), -1e4);
            using var eye = Tensor.Eye(4);
            using var ones = Tensor.Ones(new Shape(4));
            using var zeros = Tensor.Zeros(new Shape(4, 1));
            using var ar = Tensor.Arange(0, 4, 1, DType.F32);
            using var a = masked + eye;
            using var b = a * ones;
            using var c = b + zeros;
            return c - ar;
        }, x);
        Assert.DoesNotContain("Trilu", ops);
        Assert.DoesNotContain("Not", ops);
        Assert.Contains("Where", ops);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SumAndMeanRecordReduceSumAndReduceMean(bool keepDim)
    {
        using var x = Tensor.RandN(new Shape(3, 4, 5), new Generator(41));
        var ops = TraceAndCompare(t =>
        {
            using var tt = t.Transpose(0, 2);                // non-contiguous [5, 4, 3]
            using var s = tt.Sum([0, -1], keepDim);
            using var m = t.Mean(1, keepDim);
            using var m2 = m.Mean([0, 1]);
            using var s2 = s.Sum(0);
            return s2 + m2;
        }, x);
        Assert.Contains("ReduceSum", ops);
        Assert.Contains("ReduceMean", ops);
        using var ints = Tensor.FromArray(new int[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var ops2 = TraceAndCompare(t => t.Sum(1, keepDim), ints);      // i32 sums to i64: a Cast first
        Assert.Contains("Cast", ops2);
    }
}
