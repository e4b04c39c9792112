using System.Text;
using DeepSeek.NN.Data.Images;
using DeepSeek.NN.Data.Images.Netpbm;

namespace DeepSeek.NN.Tests.Images;

public class NetpbmTests
{
    private static Image Decode(string text) => ImageDecoder.Decode(Encoding.ASCII.GetBytes(text), "t.pnm");

    [Fact]
    public void PlainGraymap_WithComments()
    {
        var img = Decode("P2\n# a comment\n3 2 # size\n255\n0 1 2\n253 254 255\n");
        Assert.Equal((3, 2, 1), (img.Width, img.Height, img.Channels));
        Assert.Equal(new byte[] { 0, 1, 2, 253, 254, 255 }, img.Pixels);
    }

    [Fact]
    public void PlainPixmap_ScalesMaxval()
    {
        var img = Decode("P3 2 1 15  0 7 15  15 8 1");
        Assert.Equal(3, img.Channels);
        // round(v·255/15) = 17·v
        Assert.Equal(new byte[] { 0, 119, 255, 255, 136, 17 }, img.Pixels);
    }

    [Fact]
    public void RawFormats_EightAndSixteenBit()
    {
        var p5 = Encoding.ASCII.GetBytes("P5\n2 2\n255\n").Concat(new byte[] { 9, 8, 7, 6 }).ToArray();
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, ImageDecoder.Decode(p5).Pixels);
        var p6 = Encoding.ASCII.GetBytes("P6 1 1 65535\n").Concat(new byte[] { 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x80 }).ToArray();
        // round(v·255/65535): 65535 → 255, 32768 → 128, 128 → 0
        Assert.Equal(new byte[] { 255, 128, 0 }, ImageDecoder.Decode(p6).Pixels);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Encoder_RoundTrips(int channels)
    {
        var px = new byte[5 * 4 * channels];
        new Random(5).NextBytes(px);
        var img = new Image(5, 4, channels, px);
        var back = ImageDecoder.Decode(NetpbmEncoder.Encode(img));
        Assert.Equal((5, 4, channels), (back.Width, back.Height, back.Channels));
        Assert.Equal(px, back.Pixels);
        Assert.Throws<ArgumentException>(() => NetpbmEncoder.Encode(img.ConvertChannels(4)));
    }

    [Theory]
    [InlineData("P5\n2 2\n255\n\u0001\u0002", "truncated")]
    [InlineData("P2 2 1 255 1", "data ends before the sample 1 of 2 (truncated file)")]
    [InlineData("P2 2 1 10 1 11", "sample 1 is 11, above maxval 10")]
    [InlineData("P2 0 1 255", "image size 0×1")]
    [InlineData("P3 1 1 70000 1 1 1", "maxval 70000")]
    [InlineData("P2 x 1 255", "expected a decimal number for the width")]
    public void BadFiles_GiveClearErrors(string text, string message)
    {
        var e = Assert.Throws<DataFormatException>(() => Decode(text));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("Netpbm 't.pnm':", e.Message);
    }
}
