using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.FixFamily;

using Shape = DeepSeek.Shape;

/// <summary>Regression tests for Resize align_corners downsampling and LpNormalization of all-zero slices.</summary>
public sealed class FixTests
{
    // Keys' cubic kernel, written out independently of the kernel under test.
    private static double Keys(double t, double a = -0.75)
    {
        t = Math.Abs(t);
        return t <= 1 ? (a + 2) * t * t * t - (a + 3) * t * t + 1 : t < 2 ? a * t * t * t - 5 * a * t * t + 8 * a * t - 4 * a : 0;
    }

    private static Tensor Scales(params float[] s) => Tensor.FromArray(s, s.Length);

    [Fact]
    public void ResizeLinearAlignCornersDownsampleDividesByUnroundedLength()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 1, 1, 2, 4);
        using var s = Scales(1, 1, 0.6f, 0.6f);
        var y = Run("Resize", 13, [x, null, s], [("mode", "linear"), ("coordinate_transformation_mode", "align_corners")]);
        // width 4·0.6 = 2.4: output 1 maps to 1·3/1.4 = 2.142857 → 3.142857; height 2·0.6 = 1.2: row 0 only
        AssertClose(y[0], [1, 1, 1, 2], [1, 1 + 3 / 1.4], 1e-6, 1e-6);
    }

    [Fact]
    public void ResizeCubicAlignCornersDownsampleMatchesNaiveKeys()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, 1, 1, 4, 4);
        using var s = Scales(1, 1, 0.8f, 0.8f);
        var y = Run("Resize", 13, [x, null, s], [("mode", "cubic"), ("coordinate_transformation_mode", "align_corners")]);
        // out 3 per axis; coordinates j·3/(4·0.8 − 1) with edge-clamped taps
        double scale = (double)0.8f;
        double[] Coords() => Enumerable.Range(0, 3).Select(j => j * 3.0 / (4 * scale - 1)).ToArray();
        double Interp1(Func<int, double> at, double c)
        {
            int x0 = (int)Math.Floor(c);
            double r = c - x0, sum = 0;
            for (int t = -1; t <= 2; t++) sum += Keys(t - r) * at(Math.Clamp(x0 + t, 0, 3));
            return sum;
        }
        var v = x.ToDoubleArray();
        var e = new List<double>();
        foreach (var cy in Coords())
            foreach (var cx in Coords())
                e.Add(Interp1(row => Interp1(col => v[row * 4 + col], cx), cy));
        AssertClose(y[0], [1, 1, 3, 3], e.ToArray(), 1e-5, 1e-5);
    }

    [Fact]
    public void ResizeAlignCornersWithSizesStillUsesOutputLength()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2 }, 1, 1, 1, 2);
        using var sizes = Tensor.FromArray(new long[] { 1, 1, 1, 4 }, 4);
        var y = Run("Resize", 13, [x, null, null, sizes], [("mode", "linear"), ("coordinate_transformation_mode", "align_corners")]);
        AssertClose(y[0], [1, 1, 1, 4], [1, 4 / 3.0, 5 / 3.0, 2], 1e-6, 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void LpNormalizationOfZeroSliceIsZeroNotNaN(long p)
    {
        // axis 0 of a [2, 3] tensor whose middle column is all zero
        using var x = Tensor.FromArray(new float[] { 3, 0, -1, 4, 0, 2 }, 2, 3);
        var y = Run("LpNormalization", 1, [x], [("axis", 0L), ("p", p)]);
        double[] norm = p == 1 ? [7, 1, 3] : [5, 1, Math.Sqrt(5)];
        AssertClose(y[0], [2, 3], [3 / norm[0], 0, -1 / norm[2], 4 / norm[0], 0, 2 / norm[2]], 1e-6, 1e-6);
    }

    [Fact]
    public void LpNormalizationOfTransposedF16Input()
    {
        using var b = Tensor.FromArray(new float[] { 0, 0, 3, 4 }, 2, 2);
        using var h = b.To(DType.F16);
        using var t = h.Transpose(0, 1); // [[0, 3], [0, 4]]
        var y = Run("LpNormalization", 22, [t], [("axis", 1L)]);
        Assert.Equal(DType.F16, y[0].DType);
        AssertClose(y[0], [2, 2], [0, 1, 0, 1], 1e-3, 1e-3);
    }
}
