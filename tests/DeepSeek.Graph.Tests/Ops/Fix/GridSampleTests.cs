using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.FixFamily;

using Shape = DeepSeek.Shape;

/// <summary>GridSample (opsets 16, 20, 22) against hand-computed values on a 2×2 image [[1, 2], [3, 4]].</summary>
public sealed class GridSampleTests
{
    private static Tensor Image() => Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2);

    private static Tensor Grid(params float[] xy) => Tensor.FromArray(xy, 1, 1, xy.Length / 2, 2);

    private static double[] Sample(long opset, Tensor x, Tensor g, string mode, string pad, long align) =>
        Run("GridSample", opset, [x, g], [("mode", mode), ("padding_mode", pad), ("align_corners", align)])[0].ToDoubleArray();

    [Fact]
    public void BilinearAlignCorners()
    {
        using var x = Image();
        using var g = Grid(0, 0, -1, -1, 1, -1, 1, 1, 0, -1);
        var y = Run("GridSample", 16, [x, g], [("align_corners", 1L)]); // default mode bilinear
        AssertClose(y[0], [1, 1, 1, 5], [2.5, 1, 2, 4, 1.5], 1e-6, 1e-6);
    }

    [Theory]
    [InlineData("zeros", 0.25)]
    [InlineData("border", 1.0)]
    [InlineData("reflection", 1.0)]
    public void LinearCornerWithoutAlignCornersPads(string pad, double expected)
    {
        // (−1, −1) → pixel (−0.5, −0.5): half of each tap lies outside
        using var x = Image();
        using var g = Grid(-1, -1);
        Assert.Equal(expected, Sample(20, x, g, "linear", pad, 0)[0], 6);
    }

    [Fact]
    public void NearestRoundsHalfToEvenAndReflects()
    {
        using var x = Image();
        // (0.1, −0.6) → pixel (0.6, −0.1) → (1, 0) = 2; (0, 0) → (0.5, 0.5) → rint (0, 0) = 1; (−2, 0) → x −1.5 → rint −2 → reflect → 1
        using var g = Grid(0.1f, -0.6f, 0, 0, -2, 0);
        Assert.Equal([2.0, 1.0, 2.0], Sample(20, x, g, "nearest", "reflection", 0));
        Assert.Equal([2.0, 1.0, 0.0], Sample(16, x, g, "nearest", "zeros", 0));
    }

    [Fact]
    public void CubicCentreWithZerosAndBorderPadding()
    {
        using var x = Image();
        using var g = Grid(0, 0, 1, 1);
        // align_corners: centre → (0.5, 0.5); Keys weights (−0.09375, 0.59375, 0.59375, −0.09375)
        Assert.Equal(2.5, Sample(20, x, g, "cubic", "border", 1)[0], 6);
        var z = Sample(16, x, g, "bicubic", "zeros", 1);
        Assert.Equal(0.59375 * (0.59375 * 3 + 0.59375 * 7), z[0], 6);
        Assert.Equal(4, z[1], 6);
    }

    [Fact]
    public void TransposedInputAndBatchedChannels()
    {
        using var b = Tensor.FromArray(new float[] { 1, 3, 2, 4, 10, 30, 20, 40 }, 1, 2, 2, 2);
        using var x = b.Transpose(2, 3); // channels [[1, 2], [3, 4]] and [[10, 20], [30, 40]]
        using var g = Grid(1, -1);
        var y = Run("GridSample", 22, [x, g], [("align_corners", 1L)]);
        AssertClose(y[0], [1, 2, 1, 1], [2, 20], 1e-6, 1e-6);
    }

    [Fact]
    public void VolumetricLinearCentreIsTheMean()
    {
        using var x = Tensor.FromArray(Enumerable.Range(1, 8).Select(i => (float)i).ToArray(), 1, 1, 2, 2, 2);
        using var g = Tensor.FromArray(new float[] { 0, 0, 0, 1, -1, -1 }, 1, 1, 1, 2, 3);
        var y = Run("GridSample", 20, [x, g], [("align_corners", 1L)]);
        // (x, y, z) = (1, −1, −1) → d 0, h 0, w 1 → value 2
        AssertClose(y[0], [1, 1, 1, 1, 2], [4.5, 2], 1e-6, 1e-6);
    }

    [Fact]
    public void BadModesAndShapesThrowNamingTheOp()
    {
        using var x = Image();
        using var g = Grid(0, 0);
        var ex = Assert.Throws<ArgumentException>(() => Sample(16, x, g, "linear", "zeros", 0));
        Assert.Contains("GridSample", ex.Message);
        Assert.Throws<ArgumentException>(() => Sample(20, x, g, "bilinear", "zeros", 0));
        Assert.Throws<ArgumentException>(() => Sample(20, x, g, "linear", "wrap", 0));
        using var g3 = Tensor.FromArray(new float[] { 0, 0, 0 }, 1, 1, 1, 3);
        Assert.Throws<ShapeMismatchException>(() => Run("GridSample", 20, [x, g3]));
        using var x5 = Tensor.Zeros(new Shape(1, 1, 2, 2, 2));
        using var g5 = Tensor.Zeros(new Shape(1, 1, 1, 1, 3));
        Assert.Throws<ShapeMismatchException>(() => Run("GridSample", 16, [x5, g5]));
    }
}
