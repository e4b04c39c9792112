using DeepSeek.Backends.Cpu;
using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

/// <summary>The fused attention op against a double-precision scalar reference, at every SIMD level and for views, masks, GQA and causality.</summary>
[Collection("GlobalState")]
public class AttentionTests
{
    // Scalar reference over row-major [B, H, L, E] / [B, Hk, S, E] / [B, Hk, S, Ev]; mask given expanded to [B, H, L, S].
    private static double[] Reference(double[] q, double[] k, double[] v, double[]? mask, int b, int h, int hk, int l, int s, int e, int ev,
        double scale, bool causal, bool zeroRows)
    {
        var y = new double[b * h * l * ev];
        var p = new double[s];
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++)
            {
                int g = hi / (h / hk);
                for (int i = 0; i < l; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < s; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < e; c++) dot += q[((bi * h + hi) * l + i) * e + c] * k[((bi * hk + g) * s + j) * e + c];
                        p[j] = dot * scale + (mask?[((bi * h + hi) * l + i) * s + j] ?? 0);
                        if (causal && j > i) p[j] = double.NegativeInfinity;
                        max = Math.Max(max, p[j]);
                    }
                    int o = ((bi * h + hi) * l + i) * ev;
                    if (double.IsNegativeInfinity(max))
                    {
                        for (int c = 0; c < ev; c++) y[o + c] = zeroRows ? 0 : double.NaN;
                        continue;
                    }
                    double z = 0;
                    for (int j = 0; j < s; j++) z += p[j] = Math.Exp(p[j] - max);
                    for (int j = 0; j < s; j++)
                        for (int c = 0; c < ev; c++) y[o + c] += p[j] / z * v[((bi * hk + g) * s + j) * ev + c];
                }
            }
        return y;
    }

    private static void AtEachLevel(Action body)
    {
        var old = SimdInfo.Level;
        try
        {
            foreach (var level in new[] { SimdLevel.Avx512, SimdLevel.Avx2, SimdLevel.Scalar })
            {
                if (level > old) continue;
                SimdInfo.Level = level;
                body();
            }
        }
        finally { SimdInfo.Level = old; }
    }

    private static double[] Values(Tensor t)
    {
        using var c = t.Contiguous();
        return c.ToDoubleArray();
    }

    [Theory]
    // b, h, hk, l, s, e, ev, mask kind (0 none, 1 padding [B,1,1,S], 2 [L,S]), causal
    [InlineData(2, 3, 3, 37, 45, 24, 20, 0, false)]
    [InlineData(1, 2, 2, 5, 7, 3, 2, 1, false)]
    [InlineData(2, 4, 2, 33, 130, 64, 64, 1, false)]
    [InlineData(1, 2, 1, 150, 150, 64, 64, 0, true)]
    [InlineData(1, 2, 2, 70, 70, 16, 80, 2, true)]
    [InlineData(1, 1, 1, 9, 300, 256, 128, 2, false)]
    public void F32MatchesScalarReferenceAtEverySimdLevel(int b, int h, int hk, int l, int s, int e, int ev, int maskKind, bool causal)
    {
        using var scope = Tensor.NewScope();
        var q = Randn(1, b, h, l, e);
        var k = Randn(2, b, hk, s, e);
        var v = Randn(3, b, hk, s, ev);
        Tensor? mask = null;
        if (maskKind == 1)
        {
            // padding mask: the last ⌊s/3⌋ keys of batch 0 are hidden
            var m = new float[b * s];
            for (int j = 2 * s / 3 + 1; j < s; j++) m[j] = float.NegativeInfinity;
            mask = Tensor.FromArray(m, b, 1, 1, s);
        }
        else if (maskKind == 2) mask = Randn(4, l, s);
        double scale = 1 / Math.Sqrt(e);
        var full = mask is null ? null : Values(mask.BroadcastTo(new Shape(b, h, l, s)));
        var expected = Reference(q.ToDoubleArray(), k.ToDoubleArray(), v.ToDoubleArray(), full, b, h, hk, l, s, e, ev, scale, causal, false);
        AtEachLevel(() =>
        {
            using var y = Tensor.ScaledDotProductAttention(q, k, v, mask, isCausal: causal);
            TestUtil.AssertShape(y, b, h, l, ev);
            TestUtil.AssertClose(expected, y.ToDoubleArray(), rtol: 1e-4, atol: 2e-5);
        });
    }

    [Fact]
    public void F64MatchesScalarReference()
    {
        using var scope = Tensor.NewScope();
        int b = 2, h = 2, l = 11, s = 13, e = 5, ev = 3;
        var q = Randn(5, b, h, l, e).To(DType.F64);
        var k = Randn(6, b, h, s, e).To(DType.F64);
        var v = Randn(7, b, h, s, ev).To(DType.F64);
        var mask = Randn(8, b, 1, l, s).To(DType.F64);
        var y = Tensor.ScaledDotProductAttention(q, k, v, mask, scale: 0.3, isCausal: true);
        Assert.Equal(DType.F64, y.DType);
        var full = Values(mask.BroadcastTo(new Shape(b, h, l, s)));
        TestUtil.AssertClose(Reference(q.ToDoubleArray(), k.ToDoubleArray(), v.ToDoubleArray(), full, b, h, h, l, s, e, ev, 0.3, true, false),
            y.ToDoubleArray(), rtol: 1e-12, atol: 1e-12);
    }

    [Fact]
    public void StridedHeadViewsAreReadInPlace()
    {
        // q, k, v as the [B, S, H, D] → [B, H, S, D] transposes a transformer makes: last dim unit stride, heads strided
        using var scope = Tensor.NewScope();
        int b = 2, h = 3, l = 40, d = 64;
        var q = Randn(9, b, l, h, d).Transpose(1, 2);
        var k = Randn(10, b, l, h, d).Transpose(1, 2);
        var v = Randn(11, b, l, h, d).Transpose(1, 2);
        Assert.False(q.IsContiguous);
        var expected = Reference(Values(q), Values(k), Values(v), null, b, h, h, l, l, d, d, 0.125, false, false);
        AtEachLevel(() =>
        {
            using var y = Tensor.ScaledDotProductAttention(q, k, v);
            TestUtil.AssertClose(expected, y.ToDoubleArray(), rtol: 1e-4, atol: 2e-5);
        });
        // a transposed last dim (unit stride elsewhere) is copied first and gives the same result
        var kT = Randn(12, b, h, d, l).Transpose(2, 3);
        var expectedT = Reference(Values(q), Values(kT), Values(v), null, b, h, h, l, l, d, d, 0.125, false, false);
        using var yT = Tensor.ScaledDotProductAttention(q, kT, v);
        TestUtil.AssertClose(expectedT, yT.ToDoubleArray(), rtol: 1e-4, atol: 2e-5);
    }

    [Fact]
    public void SequenceFirstLayoutReadsAndWritesBshd()
    {
        // the backend entry with SequenceFirst: q, k, v [B, L, H, E] (k, v as slices of one fused QKV tensor) and dst [B, L, H, Ev]
        using var scope = Tensor.NewScope();
        int b = 2, l = 37, h = 3, e = 64;
        var qkv = Randn(40, b, l, 3, h, e);
        Tensor Part(int i) => qkv.Select(2, i);
        var mask = Randn(41, b, 1, 1, l);
        var full = Values(mask.BroadcastTo(new Shape(b, h, l, l)));
        var expected = Reference(Values(Part(0).Transpose(1, 2)), Values(Part(1).Transpose(1, 2)), Values(Part(2).Transpose(1, 2)), full,
            b, h, h, l, l, e, e, 0.2, true, false);
        foreach (var dtype in new[] { DType.F32, DType.F64 })
            AtEachLevel(() =>
            {
                Tensor Cast(Tensor t) => dtype == DType.F32 ? t.Detach() : t.To(dtype);
                using var q = Cast(Part(0));
                using var k = Cast(Part(1));
                using var v = Cast(Part(2));
                using var m = Cast(mask);
                using var y = Tensor.Empty(new Shape(b, l, h, e), dtype);
                q.Backend.Attention(q, k, v, m, new Backends.AttentionParams(0.2, IsCausal: true, SequenceFirst: true), y);
                using var heads = y.Transpose(1, 2);
                TestUtil.AssertClose(expected, Values(heads), rtol: 1e-4, atol: 2e-5);
            });
    }

    [Fact]
    public void FullyMaskedRowGivesNaNOrZeros()
    {
        using var scope = Tensor.NewScope();
        int l = 3, s = 4, e = 8;
        var q = Randn(13, 1, 1, l, e);
        var k = Randn(14, 1, 1, s, e);
        var v = Randn(15, 1, 1, s, e);
        var keep = new bool[l * s];
        for (int j = 0; j < s; j++) { keep[j] = true; keep[2 * s + j] = j == 1; } // row 1 sees nothing
        var mask = Tensor.FromArray(keep, l, s);
        AtEachLevel(() =>
        {
            using var nan = Tensor.ScaledDotProductAttention(q, k, v, mask);
            using var zero = Tensor.ScaledDotProductAttention(q, k, v, mask, zeroMaskedRows: true);
            var a = nan.ToArray<float>();
            var z = zero.ToArray<float>();
            for (int c = 0; c < e; c++)
            {
                Assert.True(float.IsNaN(a[e + c]));
                Assert.Equal(0f, z[e + c]);
                Assert.Equal(a[c], z[c]);
                Assert.Equal(a[2 * e + c], z[2 * e + c]);
            }
            // row 2 sees key 1 only: its output is v[1]
            var vv = v.ToArray<float>();
            for (int c = 0; c < e; c++) Assert.Equal(vv[e + c], a[2 * e + c], 5);
        });
    }

    [Fact]
    public void BoolMaskEqualsAdditiveMaskAndThreeDInputs()
    {
        using var scope = Tensor.NewScope();
        var q = Randn(16, 4, 10, 8);
        var k = Randn(17, 4, 12, 8);
        var v = Randn(18, 4, 12, 6);
        var keep = Randn(19, 10, 12).Gt(-0.5);
        var additive = Tensor.Where(keep, 0.0, Tensor.Scalar(double.NegativeInfinity));
        using var a = Tensor.ScaledDotProductAttention(q, k, v, keep);
        using var b = Tensor.ScaledDotProductAttention(q, k, v, additive);
        TestUtil.AssertShape(a, 4, 10, 6);
        TestUtil.AssertClose(b.ToDoubleArray(), a.ToDoubleArray(), rtol: 0, atol: 0);
        var full = Values(additive.BroadcastTo(new Shape(4, 10, 12)));
        TestUtil.AssertClose(Reference(q.ToDoubleArray(), k.ToDoubleArray(), v.ToDoubleArray(), full, 1, 4, 4, 10, 12, 8, 6, 1 / Math.Sqrt(8), false, false),
            a.ToDoubleArray(), rtol: 1e-4, atol: 2e-5);
    }

    [Fact]
    public void GradientPathUsesCompositeAndMatches()
    {
        using var scope = Tensor.NewScope();
        var q = Randn(20, 1, 2, 6, 4).RequireGrad();
        var k = Randn(21, 1, 2, 6, 4);
        var v = Randn(22, 1, 2, 6, 4);
        var y = Tensor.ScaledDotProductAttention(q, k, v, isCausal: true);
        Tensor fused;
        using (Tensor.NoGrad()) fused = Tensor.ScaledDotProductAttention(q, k, v, isCausal: true);
        TestUtil.AssertClose(fused.ToDoubleArray(), y.ToDoubleArray(), rtol: 1e-5, atol: 1e-6);
        y.Sum().Backward();
        Assert.NotNull(q.Grad);
        Assert.Contains(q.Grad!.ToArray<float>(), g => g != 0);
    }

    [Fact]
    public void HalfPrecisionComputesInF32()
    {
        using var scope = Tensor.NewScope();
        var q = Randn(23, 1, 2, 5, 8);
        var k = Randn(24, 1, 2, 5, 8);
        var v = Randn(25, 1, 2, 5, 8);
        var y32 = Tensor.ScaledDotProductAttention(q, k, v);
        var y16 = Tensor.ScaledDotProductAttention(q.To(DType.BF16), k.To(DType.BF16), v.To(DType.BF16));
        Assert.Equal(DType.BF16, y16.DType);
        TestUtil.AssertClose(y32.ToDoubleArray(), y16.ToDoubleArray(), rtol: 0.05, atol: 0.05);
    }

    [Fact]
    public void BadShapesNameTheOp()
    {
        using var scope = Tensor.NewScope();
        var q = Randn(26, 1, 2, 5, 8);
        var ex = Assert.Throws<ShapeMismatchException>(() => Tensor.ScaledDotProductAttention(q, Randn(27, 1, 2, 5, 7), Randn(28, 1, 2, 5, 8)));
        Assert.Contains("ScaledDotProductAttention", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => Tensor.ScaledDotProductAttention(q, Randn(29, 1, 3, 5, 8), Randn(30, 1, 3, 5, 8)));
        Assert.Contains("heads", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => Tensor.ScaledDotProductAttention(q, q, q, Randn(31, 3, 5)));
        Assert.Contains("[1, 2, 5, 5]", ex.Message);
        Assert.Throws<DTypeMismatchException>(() => Tensor.ScaledDotProductAttention(q, q, q, Tensor.Zeros(new Shape(5, 5), DType.I32)));
    }
}
