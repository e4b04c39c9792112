using DeepSeek.NN.Data;

namespace DeepSeek.NN.Tests.Images;

[Collection("Pool")]
public class ImageTransformTests
{
    private static double[] D(Tensor t)
    {
        using var f = t.To(DType.F64);
        return f.ToArray<double>();
    }

    /// <summary>Bilinear align_corners=false in double, straight from the definition (torch upsample_bilinear2d).</summary>
    private static double[] ResizeReference(double[] src, int planes, int h, int w, int oh, int ow)
    {
        var dst = new double[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                {
                    double sy = Math.Max((y + 0.5) * h / oh - 0.5, 0), sx = Math.Max((x + 0.5) * w / ow - 0.5, 0);
                    int y0 = (int)Math.Floor(sy), x0 = (int)Math.Floor(sx);
                    int y1 = Math.Min(y0 + 1, h - 1), x1 = Math.Min(x0 + 1, w - 1);
                    double ly = sy - y0, lx = sx - x0;
                    double V(int yy, int xx) => src[p * h * w + yy * w + xx];
                    dst[p * oh * ow + y * ow + x] = (1 - ly) * ((1 - lx) * V(y0, x0) + lx * V(y0, x1)) + ly * ((1 - lx) * V(y1, x0) + lx * V(y1, x1));
                }
        return dst;
    }

    [Fact]
    public void Resize_MatchesTorchOnHandComputedCase()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 2, 2);
        using var y = new Resize(4, 4).Apply(x);
        Assert.Equal(new Shape(1, 4, 4), y.Shape);
        // torch.nn.functional.interpolate(x[None], size=4, mode="bilinear", align_corners=False)
        TestSupport.AssertClose([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4], D(y));
        using var big = Tensor.Arange(0, 16, 1, DType.F32).Reshape(1, 4, 4);
        using var half = new Resize(2, 2).Apply(big);
        TestSupport.AssertClose([2.5, 4.5, 10.5, 12.5], D(half)); // means of the 2×2 blocks
    }

    [Theory]
    [InlineData(7, 9, 5, 4)]
    [InlineData(7, 9, 11, 13)]
    [InlineData(6, 6, 6, 6)]
    [InlineData(1, 5, 3, 2)]
    public void Resize_MatchesDoubleReference_ForViewsAndDtypes(int h, int w, int oh, int ow)
    {
        var gen = new Generator(7);
        using var x = Tensor.Rand(new Shape(2, 3, w, h), gen); // transposed below to (2, 3, h, w)
        using var xt = x.Transpose(-1, -2);
        var expected = ResizeReference(D(xt), 6, h, w, oh, ow);
        using var y = new Resize(oh, ow).Apply(xt);
        Assert.Equal(new Shape(2, 3, oh, ow), y.Shape);
        Assert.Equal(DType.F32, y.DType);
        TestSupport.AssertClose(expected, D(y), 1e-5, 1e-6);

        using var x64 = xt.To(DType.F64);
        using var y64 = new Resize(oh, ow).Apply(x64);
        Assert.Equal(DType.F64, y64.DType);
        TestSupport.AssertClose(expected, D(y64), 1e-5, 1e-6);

        using var x16 = xt.To(DType.BF16);
        using var y16 = new Resize(oh, ow).Apply(x16);
        Assert.Equal(DType.BF16, y16.DType);
        TestSupport.AssertClose(ResizeReference(D(x16), 6, h, w, oh, ow), D(y16), 1e-2, 1e-2);

        using var scaled = xt.Mul(255);
        using var u8 = scaled.To(DType.U8);
        using var yu8 = new Resize(oh, ow).Apply(u8);
        Assert.Equal(DType.U8, yu8.DType);
        var expectedU8 = ResizeReference(D(u8), 6, h, w, oh, ow).Select(v => Math.Round(v, MidpointRounding.ToEven)).ToArray();
        TestSupport.AssertClose(expectedU8, D(yu8), 0, 1); // float rounding may move a value at .5 by one
    }

    [Fact]
    public void Resize_ExpandedInput()
    {
        using var row = Tensor.FromArray(new float[] { 0, 10, 20 }, 1, 1, 3);
        using var img = row.Expand(3, 4, 3); // stride-0 channels and rows
        using var y = new Resize(2, 6).Apply(img);
        var expected = ResizeReference([.. Enumerable.Repeat(new double[] { 0, 10, 20 }, 12).SelectMany(r => r)], 3, 4, 3, 2, 6);
        TestSupport.AssertClose(expected, D(y), 1e-6, 1e-5);
    }

    [Fact]
    public void CenterCrop_RoundsOffsetsHalfToEven()
    {
        using var x = Tensor.Arange(0, 35, 1, DType.F32).Reshape(1, 5, 7);
        using var y = new CenterCrop(2, 2).Apply(x);
        // top = round(1.5) = 2, left = round(2.5) = 2
        TestSupport.AssertClose([16, 17, 23, 24], D(y));
        using var odd = new CenterCrop(3, 4).Apply(x); // top = round(1) = 1, left = round(1.5) = 2
        TestSupport.AssertClose([9, 10, 11, 12, 16, 17, 18, 19, 23, 24, 25, 26], D(odd));
    }

    [Fact]
    public void CenterCrop_PadsWhenLarger_AndKeepsDtype()
    {
        using var x = Tensor.FromArray(new int[] { 1, 2, 3, 4 }, 1, 2, 2);
        using var y = new CenterCrop(3, 4).Apply(x);
        Assert.Equal(DType.I32, y.DType);
        Assert.Equal(new Shape(1, 3, 4), y.Shape);
        // padded to 3×4 with left 1, right 1, top 0, bottom 1
        Assert.Equal(new[] { 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0 }, y.ToArray<int>());
    }

    [Fact]
    public void ToGrayscale_WeightsAndChannels()
    {
        using var x = Tensor.FromArray(new float[] { 1, 0, 0.5f, 0, 0, 1 }, 3, 1, 2); // planes R = (1, 0), G = (0.5, 0), B = (0, 1)
        using var g = new ToGrayscale().Apply(x);
        Assert.Equal(new Shape(1, 1, 2), g.Shape);
        TestSupport.AssertClose([0.2989 * 1 + 0.587 * 0.5 + 0, 0.114], D(g), 1e-6, 1e-7);
        using var g3 = new ToGrayscale(3).Apply(x);
        Assert.Equal(new Shape(3, 1, 2), g3.Shape);
        var v = D(g3);
        TestSupport.AssertClose([v[0], v[1], v[0], v[1], v[0], v[1]], v);
        using var u8 = Tensor.FromArray(new byte[] { 200, 100, 50, 10, 0, 255 }, 3, 1, 2);
        using var gu = new ToGrayscale().Apply(u8);
        Assert.Equal(DType.U8, gu.DType);
        // 0.2989·200 + 0.587·50 + 0.114·0 = 89.13 → 89; 0.2989·100 + 0.587·10 + 0.114·255 = 64.83 → 64 (truncated)
        Assert.Equal(new byte[] { 89, 64 }, gu.ToArray<byte>());
        using var batch = Tensor.Rand(new Shape(2, 3, 4, 5), new Generator(3));
        using var gb = new ToGrayscale().Apply(batch);
        var b = D(batch);
        var expected = new double[2 * 20];
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 20; i++)
                expected[n * 20 + i] = 0.2989 * b[n * 60 + i] + 0.587 * b[n * 60 + 20 + i] + 0.114 * b[n * 60 + 40 + i];
        TestSupport.AssertClose(expected, D(gb), 1e-5, 1e-6);
    }

    [Fact]
    public void BadInputs_GiveClearErrors()
    {
        using var v = Tensor.Zeros(5);
        Assert.Contains("Resize", Assert.Throws<ShapeMismatchException>(() => new Resize(2, 2).Apply(v)).Message);
        Assert.Contains("CenterCrop", Assert.Throws<ShapeMismatchException>(() => new CenterCrop(2).Apply(v)).Message);
        using var two = Tensor.Zeros(2, 4, 4);
        Assert.Contains("C = 1 or 3", Assert.Throws<ShapeMismatchException>(() => new ToGrayscale().Apply(two)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resize(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToGrayscale(2));
        using var b = Tensor.Zeros(new Shape(2, 2), DType.Bool);
        Assert.Throws<DTypeMismatchException>(() => new Resize(3, 3).Apply(b));
    }

    [Fact]
    public void Transforms_DoNotLeak()
    {
        using var x = Tensor.Rand(new Shape(3, 9, 8), new Generator(1));
        var t = new Compose(new Resize(6, 7), new CenterCrop(8, 5), new ToGrayscale(3));
        using (t.Apply(x)) { }
        long before = TestSupport.PoolBytesInUseNow();
        using (var y = t.Apply(x)) Assert.Equal(new Shape(3, 8, 5), y.Shape);
        Assert.Equal(before, TestSupport.PoolBytesInUseNow());
    }
}
