using DeepSeek.Backends.Cpu.Norm;
using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

/// <summary>The F32 inference batch-norm pass (y = x·scale[c] + shift[c] per plane) against scalar and double references.</summary>
public class BatchNormInferenceTests
{
    [Fact]
    public unsafe void SimdScaleShiftMatchesTheScalarReferenceBitForBit()
    {
        var rng = new Random(5);
        foreach (int n in new[] { 0, 1, 7, 8, 15, 16, 31, 33, 64, 100, 1000, 1031 })
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2000 - 1000)).ToArray();
            var simd = new float[n];
            var scalar = new float[n];
            var (sh, sl) = NormMath.Split(0.123456789012345);
            var (bh, bl) = NormMath.Split(-98.7654321098765);
            fixed (float* xp = x, yp = simd, rp = scalar)
            {
                NormMath.ScaleShift(xp, yp, n, sh, sl, bh, bl);
                NormMath.ScaleShiftReference(xp, rp, n, sh, sl, bh, bl);
            }
            Assert.Equal(scalar, simd);
        }
    }

    private static double[] Reference(double[] x, int c, int l, double[] mean, double[] var, double[] g, double[] b, double eps)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int ch = i / l % c;
            y[i] = (x[i] - mean[ch]) / Math.Sqrt(var[ch] + eps) * g[ch] + b[ch];
        }
        return y;
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, 0.0)]
    [InlineData(new[] { 2, 5, 7, 9 }, 0.0)]
    [InlineData(new[] { 1, 3, 33 }, 0.0)]
    [InlineData(new[] { 8, 16, 64, 64 }, 0.0)] // large enough to split planes over threads
    [InlineData(new[] { 2, 4, 17, 5 }, 1000.0)] // |mean| ≫ std: the shift nearly cancels x·scale
    public void EvalBatchNormMatchesADoubleReference(int[] shape, double offset)
    {
        int c = shape[1], l = shape.Skip(2).Aggregate(1, (a, b) => a * b);
        using var noise = Randn(80, shape);
        using var x = noise.Add(offset);
        using var g = Randn(81, c);
        using var b = Randn(82, c);
        using var m0 = Randn(83, c);
        using var rm = m0.Add(offset);
        using var rv = Tensor.Rand(new Shape(c), new Generator(84), 0.5, 2.0);
        using var y = x.BatchNorm(rm, rv, g, b, training: false, eps: 1e-3);
        var e = Reference(x.ToDoubleArray(), c, l, rm.ToDoubleArray(), rv.ToDoubleArray(), g.ToDoubleArray(), b.ToDoubleArray(), 1e-3);
        // about one float ulp of the result: the pass rounds once after x·scale and the shift cancel
        TestUtil.AssertClose(y, e, 1e-6, 1e-6);
    }

    [Fact]
    public void EvalBatchNormWithoutAffineAndWithStridedStatistics()
    {
        using var x = Randn(85, 2, 3, 4, 4);
        using var stats = Randn(86, 3, 2);
        using var rm = stats.Select(1, 0); // stride 2
        using var rv0 = stats.Select(1, 1);
        using var rvAbs = rv0.Abs();
        using var rv = rvAbs.Add(0.5);
        using var y = x.BatchNorm(rm, rv);
        var ones = new[] { 1.0, 1, 1 };
        var e = Reference(x.ToDoubleArray(), 3, 16, rm.ToDoubleArray(), rv.ToDoubleArray(), ones, new double[3], 1e-5);
        TestUtil.AssertClose(y, e, 1e-6, 1e-6);
    }
}
