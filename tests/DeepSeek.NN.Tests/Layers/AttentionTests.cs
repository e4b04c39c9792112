namespace DeepSeek.NN.Tests.Layers;

public class AttentionTests
{
    private static double[] Slice(double[] a, int start, int len) => a[start..(start + len)];

    [Fact]
    public void SdpaMatchesNaiveWithMasks()
    {
        int b = 2, l = 3, s = 4, e = 5, ev = 2;
        using var q = Tensor.RandN(new Shape(b, l, e), new Generator(1), dtype: DType.F64);
        using var kbuf = Tensor.RandN(new Shape(b, e, s), new Generator(2), dtype: DType.F64);
        using var k = kbuf.Transpose(1, 2); // non-contiguous key
        using var v = Tensor.RandN(new Shape(b, s, ev), new Generator(3), dtype: DType.F64);
        var qv = q.ToDoubleArray(); var kv = k.Contiguous().ToDoubleArray(); var vv = v.ToDoubleArray();
        bool[] keep = [true, false, true, true, false, true, true, false, true, true, true, true];
        using var boolMask = Tensor.FromArray(keep, l, s);
        double[] add = Enumerable.Range(0, l * s).Select(i => (i % 5) * 0.3 - 0.6).ToArray();
        using var addMask = Tensor.FromArray(add, l, s);
        var masks = new (Tensor? T, double[]? Add, bool Causal)[]
        {
            (null, null, false),
            (boolMask, keep.Select(kp => kp ? 0 : double.NegativeInfinity).ToArray(), false),
            (addMask, add, false),
            (null, Enumerable.Range(0, l * s).Select(i => i % s <= i / s ? 0 : double.NegativeInfinity).ToArray(), true),
        };
        foreach (var (mt, ma, causal) in masks)
            foreach (var scale in new double?[] { null, 0.7 })
            {
                using var y = F.ScaledDotProductAttention(q, k, v, mt, isCausal: causal, scale: scale);
                Assert.Equal(new Shape(b, l, ev), y.Shape);
                var expected = new List<double>();
                for (int i = 0; i < b; i++)
                    expected.AddRange(Naive.Attention(Slice(qv, i * l * e, l * e), Slice(kv, i * s * e, s * e), Slice(vv, i * s * ev, s * ev),
                        l, s, e, ev, ma, scale ?? 1 / Math.Sqrt(e)).Out);
                TestSupport.AssertClose(expected.ToArray(), y.ToDoubleArray(), 1e-10, 1e-12);
            }
    }

    [Fact]
    public void SdpaFullyMaskedRowIsNaNAndDropoutIsSeeded()
    {
        using var q = Tensor.RandN(new Shape(2, 3), new Generator(4));
        using var mask = Tensor.FromArray(new[] { false, false, false, true, false, true }, 2, 3);
        using var k = Tensor.RandN(new Shape(3, 3), new Generator(5));
        using var y = F.ScaledDotProductAttention(q, k, k, mask);
        var v = y.ToDoubleArray();
        Assert.True(double.IsNaN(v[0]) && double.IsFinite(v[3]));
        using var a = F.ScaledDotProductAttention(q, k, k, dropoutP: 0.5, generator: new Generator(6));
        using var b = F.ScaledDotProductAttention(q, k, k, dropoutP: 0.5, generator: new Generator(6));
        using var c = F.ScaledDotProductAttention(q, k, k);
        Assert.Equal(a.ToDoubleArray(), b.ToDoubleArray());
        Assert.NotEqual(c.ToDoubleArray(), a.ToDoubleArray());
    }

    [Fact]
    public void SdpaErrors()
    {
        using var q = Tensor.Zeros(new Shape(2, 3, 4));
        using var k = Tensor.Zeros(new Shape(2, 5, 3));
        var e = Assert.Throws<ShapeMismatchException>(() => F.ScaledDotProductAttention(q, k, k));
        Assert.Contains("ScaledDotProductAttention", e.Message);
        Assert.Contains("[2, 5, 3]", e.Message);
        using var k4 = Tensor.Zeros(new Shape(2, 5, 4));
        using var badMask = Tensor.Zeros(new Shape(4, 5), DType.Bool);
        Assert.Throws<ShapeMismatchException>(() => F.ScaledDotProductAttention(q, k4, k4, badMask));
        using var okMask = Tensor.Zeros(new Shape(3, 5), DType.Bool);
        Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k4, k4, okMask, isCausal: true));
        using var intMask = Tensor.Zeros(new Shape(3, 5), DType.I64);
        Assert.Throws<DTypeMismatchException>(() => F.ScaledDotProductAttention(q, k4, k4, intMask));
    }

    /// <summary>Naive MHA for inputs laid out [L, N, E] (flat), returning output [L, N, E] and head-averaged weights [N, L, S].</summary>
    internal static (double[] Out, double[] W) NaiveMha(MultiheadAttention m, double[] q, double[] k, double[] v, int l, int s, int n,
        Func<int, int, int, double>? mask = null)
    {
        int e = m.EmbedDim, h = m.NumHeads, hd = e / h;
        var win = m.InProjWeight.Data.ToDoubleArray();
        var bin = m.InProjBias?.Data.ToDoubleArray();
        var wo = m.OutProj.Weight.Data.ToDoubleArray();
        var bo = m.OutProj.Bias?.Data.ToDoubleArray();
        var outp = new double[l * n * e];
        var weights = new double[n * l * s];
        double[] Rows(double[] x, int len, int b) { var r = new double[len * e]; for (int i = 0; i < len; i++) Array.Copy(x, (i * n + b) * e, r, i * e, e); return r; }
        for (int b = 0; b < n; b++)
        {
            var Q = Naive.Linear(Rows(q, l, b), l, e, win, e, bin, 0);
            var K = Naive.Linear(Rows(k, s, b), s, e, win, e, bin, e);
            var V = Naive.Linear(Rows(v, s, b), s, e, win, e, bin, 2 * e);
            var concat = new double[l * e];
            for (int hh = 0; hh < h; hh++)
            {
                double[] Head(double[] x, int len) { var r = new double[len * hd]; for (int i = 0; i < len; i++) Array.Copy(x, i * e + hh * hd, r, i * hd, hd); return r; }
                double[]? add = mask is null ? null : Enumerable.Range(0, l * s).Select(i => mask(b, i / s, i % s)).ToArray();
                var (o, w) = Naive.Attention(Head(Q, l), Head(K, s), Head(V, s), l, s, hd, hd, add, 1 / Math.Sqrt(hd));
                for (int i = 0; i < l; i++) Array.Copy(o, i * hd, concat, i * e + hh * hd, hd);
                for (int i = 0; i < l * s; i++) weights[b * l * s + i] += w[i] / h;
            }
            var y = Naive.Linear(concat, l, e, wo, e, bo);
            for (int i = 0; i < l; i++) Array.Copy(y, i * e, outp, (i * n + b) * e, e);
        }
        return (outp, weights);
    }

    private static MultiheadAttention MakeMha(bool batchFirst = false)
    {
        var m = new MultiheadAttention(6, 2, batchFirst: batchFirst, generator: new Generator(7), dtype: DType.F64);
        using (Tensor.NoGrad())
        {
            Init.Normal(m.InProjBias!, 0, 0.5, new Generator(8));
            Init.Normal(m.OutProj.Bias!, 0, 0.5, new Generator(9));
        }
        return m;
    }

    [Fact]
    public void MultiheadAttentionParametersFollowTorch()
    {
        using var m = new MultiheadAttention(8, 2, generator: new Generator(1));
        Assert.Equal(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], m.StateDict().Keys);
        Assert.Equal(new Shape(24, 8), m.InProjWeight.Shape);
        Assert.All(m.InProjBias!.Data.ToDoubleArray(), v => Assert.Equal(0, v));
        Assert.All(m.OutProj.Bias!.Data.ToDoubleArray(), v => Assert.Equal(0, v));
        double xavier = Math.Sqrt(6.0 / (8 + 24));
        Assert.True(m.InProjWeight.Data.ToDoubleArray().All(v => Math.Abs(v) <= xavier));
        using var noBias = new MultiheadAttention(8, 2, bias: false);
        Assert.Equal(["in_proj_weight", "out_proj.weight"], noBias.StateDict().Keys);
        Assert.Throws<ArgumentException>(() => new MultiheadAttention(8, 3));
    }

    [Fact]
    public void MultiheadAttentionMatchesNaive()
    {
        using var m = MakeMha();
        int l = 3, s = 4, n = 2;
        using var q = Tensor.RandN(new Shape(l, n, 6), new Generator(10), dtype: DType.F64);
        using var k = Tensor.RandN(new Shape(s, n, 6), new Generator(11), dtype: DType.F64);
        using var v = Tensor.RandN(new Shape(s, n, 6), new Generator(12), dtype: DType.F64);
        var (o, w) = m.Forward((q, k, v));
        using (o) using (w)
        {
            var (eo, ew) = NaiveMha(m, q.ToDoubleArray(), k.ToDoubleArray(), v.ToDoubleArray(), l, s, n);
            Assert.Equal(new Shape(l, n, 6), o.Shape);
            Assert.Equal(new Shape(n, l, s), w!.Shape);
            TestSupport.AssertClose(eo, o.ToDoubleArray(), 1e-10, 1e-12);
            TestSupport.AssertClose(ew, w.ToDoubleArray(), 1e-10, 1e-12);
        }

        // key padding mask (true = ignore) plus a bool attention mask (true = blocked) plus per-head weights
        using var kpm = Tensor.FromArray(new[] { false, false, false, true, false, true, false, false }, n, s);
        using var am = Tensor.FromArray(new[] { false, true, false, false, false, false, true, false, false, false, false, false }, l, s);
        var (o2, w2) = m.Forward(q, k, v, kpm, needWeights: true, attnMask: am, averageAttnWeights: false);
        using (o2) using (w2)
        {
            var kpmv = kpm.ToArray<bool>(); var amv = am.ToArray<bool>();
            var (eo, _) = NaiveMha(m, q.ToDoubleArray(), k.ToDoubleArray(), v.ToDoubleArray(), l, s, n,
                (b, i, j) => kpmv[b * s + j] || amv[i * s + j] ? double.NegativeInfinity : 0);
            TestSupport.AssertClose(eo, o2.ToDoubleArray(), 1e-10, 1e-12);
            Assert.Equal(new Shape(n, 2, l, s), w2!.Shape);
            var wv = w2.ToDoubleArray();
            Assert.Equal(0, wv[3]); // batch 0, head 0, query 0, key 3 is padding
            Assert.Equal(0, wv[1]); // key 1 is blocked for query 0
        }

        var (o3, w3) = m.Forward(q, k, v, needWeights: false);
        using (o3) Assert.Null(w3);
    }

    [Fact]
    public void BatchFirstUnbatchedAndCausal()
    {
        using var seqFirst = MakeMha();
        using var batchFirst = MakeMha(batchFirst: true);
        using var x = Tensor.RandN(new Shape(2, 3, 6), new Generator(13), dtype: DType.F64); // [N, L, E]
        using var xt = x.Transpose(0, 1);
        var (a, _) = batchFirst.Forward(x, x, x, isCausal: true);
        var (b, _) = seqFirst.Forward(xt, xt, xt, isCausal: true);
        using (a) using (b) using (var bt = b.Transpose(0, 1))
            TestSupport.AssertClose(bt.Contiguous().ToDoubleArray(), a.ToDoubleArray(), 1e-12, 1e-12);
        using var causal = Tensor.FromArray(new[] { false, true, true, false, false, true, false, false, false }, 3, 3);
        var (c, _) = seqFirst.Forward(xt, xt, xt, attnMask: causal);
        using (c) using (var b2 = seqFirst.Forward(xt, xt, xt, isCausal: true).Output)
            TestSupport.AssertClose(c.ToDoubleArray(), b2.ToDoubleArray(), 1e-12, 1e-12);

        using var single = x.Select(0, 1); // [L, E]
        var (u, uw) = seqFirst.Forward((single, single, single));
        using (u) using (uw)
        {
            var (full, fw) = seqFirst.Forward((xt, xt, xt));
            using (full) using (fw)
            {
                Assert.Equal(new Shape(3, 6), u.Shape);
                Assert.Equal(new Shape(3, 3), uw!.Shape);
                using var fsel = full.Select(1, 1);
                TestSupport.AssertClose(fsel.Contiguous().ToDoubleArray(), u.ToDoubleArray(), 1e-12, 1e-12);
            }
        }
    }

    [Fact]
    public void MultiheadAttentionErrors()
    {
        using var m = new MultiheadAttention(4, 2);
        using var x = Tensor.Zeros(new Shape(3, 2, 5));
        Assert.Contains("embedDim=4", Assert.Throws<ShapeMismatchException>(() => m.Forward((x, x, x))).Message);
        using var q = Tensor.Zeros(new Shape(3, 2, 4));
        using var kpm = Tensor.Zeros(new Shape(3, 3), DType.Bool);
        Assert.Contains("keyPaddingMask", Assert.Throws<ShapeMismatchException>(() => m.Forward(q, q, q, kpm)).Message);
        using var am = Tensor.Zeros(new Shape(2, 3), DType.Bool);
        Assert.Contains("attnMask", Assert.Throws<ShapeMismatchException>(() => m.Forward(q, q, q, attnMask: am)).Message);
    }
}
