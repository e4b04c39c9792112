using DeepSeek.NN.Data.Images;

namespace DeepSeek.NN.Tests.Images;

public class ImageTests
{
    [Fact]
    public void ToTensor_IsChwScaledToUnitRange()
    {
        var img = new Image(2, 1, 3, [0, 51, 255, 102, 153, 204]);
        using var t = img.ToTensor();
        Assert.Equal(new Shape(3, 1, 2), t.Shape);
        Assert.Equal(DType.F32, t.DType);
        TestSupport.AssertClose([0, 0.4, 0.2, 0.6, 1, 0.8], t.ToArray<float>().Select(v => (double)v).ToArray(), 1e-6, 1e-7);
    }

    [Fact]
    public void FromTensor_RoundsClampsAndAcceptsViews()
    {
        using var t = Tensor.FromArray(new float[] { -0.5f, 0.1f, 0.5f, 1.7f, 0.2f, 0.31f }, 1, 2, 3);
        using var chw = t.Permute(0, 2, 1); // [1, 3, 2] non-contiguous
        var img = Image.FromTensor(chw);
        Assert.Equal((2, 3, 1), (img.Width, img.Height, img.Channels));
        // chw[0, y, x] = t[0, x, y]: rows (−0.5, 1.7), (0.1, 0.2), (0.5, 0.31); 0.5·255 = 127.5 → 128 (half to even)
        Assert.Equal(new byte[] { 0, 255, 26, 51, 128, 79 }, img.Pixels);
        using var u8 = Tensor.FromArray(new byte[] { 1, 2, 3, 4, 5, 6 }, 3, 1, 2);
        Assert.Equal(new byte[] { 1, 3, 5, 2, 4, 6 }, Image.FromTensor(u8).Pixels);
    }

    [Fact]
    public void TensorRoundTrip_IsExact()
    {
        var px = new byte[7 * 5 * 4];
        new Random(1).NextBytes(px);
        var img = new Image(7, 5, 4, px);
        using var t = img.ToTensor();
        Assert.Equal(px, Image.FromTensor(t).Pixels);
    }

    [Fact]
    public void ConvertChannels_UsesLumaAndDropsAlpha()
    {
        var rgba = new Image(2, 1, 4, [255, 0, 0, 10, 10, 200, 30, 20]);
        Assert.Equal(new byte[] { 76, 124 }, rgba.ConvertChannels(1).Pixels); // .299·255 = 76.2; .299·10 + .587·200 + .114·30 = 123.8
        Assert.Equal(new byte[] { 255, 0, 0, 10, 200, 30 }, rgba.ConvertChannels(3).Pixels);
        var gray = new Image(1, 1, 1, [9]);
        Assert.Equal(new byte[] { 9, 9, 9, 255 }, gray.ConvertChannels(4).Pixels);
        Assert.Same(gray, gray.ConvertChannels(1));
    }

    [Fact]
    public void BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => new Image(2, 2, 2, new byte[8]));
        Assert.Throws<ArgumentException>(() => new Image(2, 2, 3, new byte[11]));
        Assert.Throws<ArgumentException>(() => new Image(0, 2, 1, []));
        using var bad = Tensor.Zeros(2, 2, 2);
        Assert.Throws<ShapeMismatchException>(() => Image.FromTensor(bad));
        using var i32 = Tensor.Zeros(new Shape(1, 2, 2), DType.I32);
        Assert.Throws<DTypeMismatchException>(() => Image.FromTensor(i32));
    }
}
