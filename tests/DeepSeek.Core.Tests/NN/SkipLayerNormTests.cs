using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

/// <summary>SkipLayerNorm (residual add + LayerNorm) against a double-precision reference and the unfused ops.</summary>
public class SkipLayerNormTests
{
    // LayerNorm(x + r) over rows of k, biased variance.
    private static (double[] Y, double[] Sum) Reference(double[] x, double[] r, double[]? g, double[]? b, int k, double eps)
    {
        var y = new double[x.Length];
        var s = new double[x.Length];
        for (int row = 0; row < x.Length / k; row++)
        {
            double mean = 0, var = 0;
            for (int c = 0; c < k; c++) mean += s[row * k + c] = x[row * k + c] + r[row * k + c];
            mean /= k;
            for (int c = 0; c < k; c++) var += (s[row * k + c] - mean) * (s[row * k + c] - mean);
            var /= k;
            for (int c = 0; c < k; c++)
                y[row * k + c] = (s[row * k + c] - mean) / Math.Sqrt(var + eps) * (g?[c] ?? 1) + (b?[c] ?? 0);
        }
        return (y, s);
    }

    [Theory]
    [InlineData(new[] { 4, 7, 768 }, true, true)]
    [InlineData(new[] { 3, 37 }, true, false)]
    [InlineData(new[] { 2, 5, 19 }, false, false)]
    public void MatchesReferenceAndReturnsTheSum(int[] shape, bool weight, bool bias)
    {
        using var scope = Tensor.NewScope();
        int k = shape[^1];
        var x = Randn(40, shape).Mul(3).Add(5); // a large mean: the two-pass statistics keep precision
        var r = Randn(41, shape);
        var g = weight ? Randn(42, k) : null;
        var b = bias ? Randn(43, k) : null;
        var (y, sum) = x.SkipLayerNormWithSum(r, g, b, 1e-12);
        var (ey, es) = Reference(x.ToDoubleArray(), r.ToDoubleArray(), g?.ToDoubleArray(), b?.ToDoubleArray(), k, 1e-12);
        TestUtil.AssertClose(ey, y.ToDoubleArray(), rtol: 1e-4, atol: 1e-5);
        using var unfusedSum = x.Add(r);
        TestUtil.AssertClose(unfusedSum.ToDoubleArray(), sum.ToDoubleArray(), rtol: 0, atol: 0);
        TestUtil.AssertClose(es, sum.ToDoubleArray(), rtol: 1e-6, atol: 1e-6);
        using var unfused = unfusedSum.LayerNorm([k], g, b, 1e-12);
        TestUtil.AssertClose(unfused.ToDoubleArray(), x.SkipLayerNorm(r, g, b, 1e-12).ToDoubleArray(), rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void BroadcastSkipStridedInputAndF64()
    {
        using var scope = Tensor.NewScope();
        var x = Randn(44, 6, 2, 10).Transpose(0, 1); // [2, 6, 10], rows strided
        var r = Randn(45, 6, 10);                     // broadcast over the batch
        var g = Randn(46, 10);
        var y = x.SkipLayerNorm(r, g, null, 1e-5);
        using var rb = r.BroadcastTo(x.Shape).Contiguous();
        using var xc = x.Contiguous();
        var (ey, _) = Reference(xc.ToDoubleArray(), rb.ToDoubleArray(), g.ToDoubleArray(), null, 10, 1e-5);
        TestUtil.AssertClose(ey, y.ToDoubleArray(), rtol: 1e-4, atol: 1e-5);
        var y64 = x.To(DType.F64).SkipLayerNorm(r.To(DType.F64), g.To(DType.F64), null, 1e-5);
        Assert.Equal(DType.F64, y64.DType);
        TestUtil.AssertClose(ey, y64.ToDoubleArray(), rtol: 1e-12, atol: 1e-12);
    }

    [Fact]
    public void GradientFlowsThroughTheComposite()
    {
        using var scope = Tensor.NewScope();
        var x = Randn(47, 3, 8).RequireGrad();
        var r = Randn(48, 3, 8);
        var g = Randn(49, 8).RequireGrad();
        var (y, s) = x.SkipLayerNormWithSum(r, g);
        Tensor fused;
        using (Tensor.NoGrad()) fused = x.SkipLayerNorm(r, g);
        TestUtil.AssertClose(fused.ToDoubleArray(), y.ToDoubleArray(), rtol: 1e-5, atol: 1e-6);
        y.Mul(y).Sum().Add(s.Sum()).Backward();
        Assert.NotNull(x.Grad);
        Assert.NotNull(g.Grad);
    }

    [Fact]
    public void BadShapesNameTheOp()
    {
        using var scope = Tensor.NewScope();
        var x = Randn(50, 3, 8);
        var ex = Assert.Throws<ShapeMismatchException>(() => x.SkipLayerNorm(Randn(51, 3, 7)));
        Assert.Contains("SkipLayerNorm", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => x.SkipLayerNorm(x, Randn(52, 7)));
        Assert.Contains("weight must have shape [8]", ex.Message);
    }
}
