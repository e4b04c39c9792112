using DeepSeek.NN.Data.Images;
using DeepSeek.NN.Data.Images.Png;

namespace DeepSeek.NN.Tests.Images;

public class PngTests
{
    private static Image RandomImage(int w, int h, int c, int seed)
    {
        var rng = new Random(seed);
        var px = new byte[w * h * c];
        rng.NextBytes(px);
        return new Image(w, h, c, px);
    }

    [Theory]
    [InlineData(1, PngFilter.None)]
    [InlineData(1, PngFilter.Sub)]
    [InlineData(3, PngFilter.None)]
    [InlineData(3, PngFilter.Sub)]
    [InlineData(4, PngFilter.None)]
    [InlineData(4, PngFilter.Sub)]
    public void EncodeDecode_RoundTripsEveryEncodableType(int channels, PngFilter filter)
    {
        var img = RandomImage(13, 7, channels, 42 + channels);
        var bytes = PngEncoder.Encode(img, filter);
        Assert.Equal(channels switch { 1 => 0, 3 => 2, _ => 6 }, bytes[25]); // IHDR colour type
        Assert.Equal((int)filter, ReadFirstFilterByte(bytes));
        var back = ImageDecoder.Decode(bytes);
        Assert.Equal((13, 7, channels), (back.Width, back.Height, back.Channels));
        Assert.Equal(img.Pixels, back.Pixels);
    }

    private static int ReadFirstFilterByte(byte[] png)
    {
        int len = (png[33] << 24) | (png[34] << 16) | (png[35] << 8) | png[36]; // first chunk after IHDR is IDAT
        using var z = new System.IO.Compression.ZLibStream(new MemoryStream(png, 41, len), System.IO.Compression.CompressionMode.Decompress);
        return z.ReadByte();
    }

    [Fact]
    public void SubFilter_MatchesHandComputedScanline()
    {
        var img = new Image(3, 1, 1, [10, 5, 250]);
        var png = PngEncoder.Encode(img, PngFilter.Sub);
        int len = (png[33] << 24) | (png[34] << 16) | (png[35] << 8) | png[36];
        using var z = new System.IO.Compression.ZLibStream(new MemoryStream(png, 41, len), System.IO.Compression.CompressionMode.Decompress);
        var raw = new byte[4];
        z.ReadExactly(raw);
        Assert.Equal(new byte[] { 1, 10, 251, 245 }, raw); // 5-10 = -5 → 251, 250-5 = 245
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EachFilterType_DecodesToKnownPixels(int filter)
    {
        Func<int, int, int, int> sample = (x, y, k) => (x * 37 + y * 101 + k * 59 + x * y * 7) & 255;
        var png = PngBuilder.Build(9, 6, 8, 2, sample, [filter]);
        var img = ImageDecoder.Decode(png);
        Assert.Equal(3, img.Channels);
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 9; x++)
                for (int k = 0; k < 3; k++) Assert.Equal(sample(x, y, k), img[y, x, k]);
    }

    [Fact]
    public void MixedFilters_RgbaSixteenBit_ScaledWithRounding()
    {
        Func<int, int, int, int> sample = (x, y, k) => (x * 9973 + y * 31337 + k * 4099) & 0xFFFF;
        var png = PngBuilder.Build(5, 5, 16, 6, sample, [4, 3, 2, 1, 0]);
        var img = ImageDecoder.Decode(png);
        Assert.Equal(4, img.Channels);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                for (int k = 0; k < 4; k++) Assert.Equal((int)Math.Round(sample(x, y, k) * 255.0 / 65535), img[y, x, k]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void GrayBitDepths_ScaleToFullRange(int depth)
    {
        int max = (1 << depth) - 1;
        Func<int, int, int, int> sample = (x, y, k) => (x * 3 + y * 5) % (max + 1);
        var png = PngBuilder.Build(11, 3, depth, 0, sample, [1, 4, 2]);
        var img = ImageDecoder.Decode(png);
        Assert.Equal(1, img.Channels);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 11; x++) Assert.Equal((int)Math.Round(sample(x, y, 0) * 255.0 / max), img[y, x, 0]);
    }

    [Fact]
    public void OneBitGray_HandPackedBytes()
    {
        // 10×2, rows 1010101010 and 0000011111 packed MSB first: AA 80 / 07 C0 with filter None.
        var raw = new byte[] { 0, 0xAA, 0x80, 0, 0x07, 0xC0 };
        var ms = new MemoryStream();
        ms.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        PngBuilder.BE(ihdr, 0, 10); PngBuilder.BE(ihdr, 4, 2); ihdr[8] = 1; ihdr[9] = 0;
        PngBuilder.Chunk(ms, "IHDR", ihdr);
        PngBuilder.Chunk(ms, "IDAT", PngBuilder.Zlib(raw));
        PngBuilder.Chunk(ms, "IEND", []);
        var img = ImageDecoder.Decode(ms.ToArray());
        Assert.Equal(new byte[] { 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255 }, img.Pixels);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Palette_WithTransparency(int depth)
    {
        int entries = Math.Min(1 << depth, 5);
        var plte = new byte[entries * 3];
        for (int i = 0; i < plte.Length; i++) plte[i] = (byte)(i * 17 + 3);
        var trns = new byte[] { 0, 128 }; // shorter than the palette: the rest are opaque
        Func<int, int, int, int> sample = (x, y, k) => (x + 2 * y) % entries;
        var png = PngBuilder.Build(7, 4, depth, 3, sample, [0, 1, 2, 3, 4], false, ("PLTE", plte), ("tRNS", trns));
        var img = ImageDecoder.Decode(png);
        Assert.Equal(4, img.Channels);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 7; x++)
            {
                int idx = sample(x, y, 0);
                for (int k = 0; k < 3; k++) Assert.Equal(plte[idx * 3 + k], img[y, x, k]);
                Assert.Equal(idx < 2 ? trns[idx] : 255, img[y, x, 3]);
            }
    }

    [Fact]
    public void Palette_WithoutTransparency_IsRgb()
    {
        var plte = new byte[] { 1, 2, 3, 200, 100, 50 };
        var png = PngBuilder.Build(3, 2, 8, 3, (x, y, k) => (x + y) & 1, [0], false, ("PLTE", plte));
        var img = ImageDecoder.Decode(png);
        Assert.Equal(3, img.Channels);
        Assert.Equal(new byte[] { 1, 2, 3, 200, 100, 50, 1, 2, 3, 200, 100, 50, 1, 2, 3, 200, 100, 50 }, img.Pixels);
    }

    [Fact]
    public void GrayAlphaAndKeyColours_ExpandToRgba()
    {
        var ga = ImageDecoder.Decode(PngBuilder.Build(2, 1, 8, 4, (x, y, k) => k == 0 ? 40 + x : 200 - x, [0]));
        Assert.Equal(new byte[] { 40, 40, 40, 200, 41, 41, 41, 199 }, ga.Pixels);
        var ga16 = ImageDecoder.Decode(PngBuilder.Build(1, 1, 16, 4, (x, y, k) => k == 0 ? 0x8080 : 0xFFFF, [0]));
        Assert.Equal(new byte[] { 128, 128, 128, 255 }, ga16.Pixels);
        var grayKey = ImageDecoder.Decode(PngBuilder.Build(3, 1, 8, 0, (x, y, k) => x * 10, [0], false, ("tRNS", new byte[] { 0, 10 })));
        Assert.Equal(new byte[] { 0, 0, 0, 255, 10, 10, 10, 0, 20, 20, 20, 255 }, grayKey.Pixels);
        var rgbKey = ImageDecoder.Decode(PngBuilder.Build(2, 1, 16, 2, (x, y, k) => x * 0x0101 * (k + 1), [2], false, ("tRNS", new byte[] { 0, 0, 0, 0, 0, 0 })));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 1, 2, 3, 255 }, rgbKey.Pixels);
    }

    [Theory]
    [InlineData(1, 1, 8, 2)]
    [InlineData(13, 11, 8, 6)]
    [InlineData(9, 10, 4, 0)]
    [InlineData(17, 3, 2, 3)]
    [InlineData(6, 7, 16, 2)]
    public void Adam7Interlaced_EqualsNonInterlaced(int w, int h, int depth, int colorType)
    {
        int max = (1 << depth) - 1;
        int entries = 4;
        var plte = new byte[entries * 3];
        for (int i = 0; i < plte.Length; i++) plte[i] = (byte)(i * 21);
        Func<int, int, int, int> sample = colorType == 3 ? (x, y, k) => (x * 3 + y) % entries : (x, y, k) => (x * 131 + y * 71 + k * 29 + x * y) % (max + 1);
        var extra = colorType == 3 ? new[] { ("PLTE", plte) } : [];
        var plain = ImageDecoder.Decode(PngBuilder.Build(w, h, depth, colorType, sample, [4, 1], false, extra));
        var inter = ImageDecoder.Decode(PngBuilder.Build(w, h, depth, colorType, sample, [4, 1, 3], true, extra));
        Assert.Equal(plain.Channels, inter.Channels);
        Assert.Equal(plain.Pixels, inter.Pixels);
    }

    [Fact]
    public void AncillaryChunksAndSplitIdat_AreHandled()
    {
        var raw = PngBuilder.Scanlines(4, 4, 8, 0, (x, y, k) => x + 4 * y, [1], false);
        var z = PngBuilder.Zlib(raw);
        var ms = new MemoryStream();
        ms.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        PngBuilder.BE(ihdr, 0, 4); PngBuilder.BE(ihdr, 4, 4); ihdr[8] = 8;
        PngBuilder.Chunk(ms, "IHDR", ihdr);
        PngBuilder.Chunk(ms, "tEXt", "Comment\0hello"u8.ToArray());
        PngBuilder.Chunk(ms, "IDAT", z[..5]);
        PngBuilder.Chunk(ms, "IDAT", z[5..]);
        PngBuilder.Chunk(ms, "IEND", []);
        var img = ImageDecoder.Decode(ms.ToArray());
        Assert.Equal(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(), img.Pixels);
    }

    private static byte[] SmallPng() => PngEncoder.Encode(RandomImage(8, 8, 3, 7), PngFilter.Sub);

    [Fact]
    public void CorruptCrc_IsRejected()
    {
        var png = SmallPng();
        png[45] ^= 0x40; // a byte inside the IDAT data
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(png, "bad.png"));
        Assert.Contains("bad.png", e.Message);
        Assert.Contains("bad CRC in chunk 'IDAT'", e.Message);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(-12)]
    [InlineData(-3)]
    public void Truncation_IsRejected(int cut)
    {
        var png = SmallPng();
        var part = cut > 0 ? png[..cut] : png[..(png.Length + cut)];
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(part, "cut.png"));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("cut.png", e.Message);
    }

    [Fact]
    public void ShortImageData_IsRejected()
    {
        var raw = PngBuilder.Scanlines(4, 4, 8, 0, (x, y, k) => x, [0], false);
        var ms = new MemoryStream();
        ms.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        PngBuilder.BE(ihdr, 0, 4); PngBuilder.BE(ihdr, 4, 5); ihdr[8] = 8; // claims 5 rows, data has 4
        PngBuilder.Chunk(ms, "IHDR", ihdr);
        PngBuilder.Chunk(ms, "IDAT", PngBuilder.Zlib(raw));
        PngBuilder.Chunk(ms, "IEND", []);
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(ms.ToArray()));
        Assert.Contains("inflates to 20 bytes, expected 25", e.Message);
    }

    [Theory]
    [InlineData("bad filter")]
    [InlineData("bad depth")]
    [InlineData("no IHDR")]
    [InlineData("critical")]
    [InlineData("bad zlib")]
    [InlineData("bad index")]
    [InlineData("no PLTE")]
    public void MalformedFiles_GiveClearErrors(string kind)
    {
        var ms = new MemoryStream();
        ms.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        PngBuilder.BE(ihdr, 0, 2); PngBuilder.BE(ihdr, 4, 2); ihdr[8] = 8;
        if (kind == "bad depth") ihdr[8] = 3;
        if (kind is "bad index" or "no PLTE") ihdr[9] = 3;
        if (kind != "no IHDR") PngBuilder.Chunk(ms, "IHDR", ihdr);
        if (kind == "critical") PngBuilder.Chunk(ms, "ABCD", [1]);
        if (kind == "bad index") PngBuilder.Chunk(ms, "PLTE", [1, 2, 3]);
        var raw = new byte[] { 0, 0, 0, kind == "bad filter" ? (byte)7 : (byte)0, 1, 1 };
        PngBuilder.Chunk(ms, "IDAT", kind == "bad zlib" ? [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0x00] : PngBuilder.Zlib(raw));
        PngBuilder.Chunk(ms, "IEND", []);
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(ms.ToArray(), "m.png"));
        string expected = kind switch
        {
            "bad filter" => "scanline 1 of the image has filter type 7; expected 0–4",
            "bad depth" => "colour type 0 with bit depth 3 is not a valid PNG combination",
            "no IHDR" => "the first chunk is 'IDAT'; expected IHDR",
            "critical" => "unknown critical chunk 'ABCD'",
            "bad zlib" => "zlib image data is corrupt",
            "bad index" => "uses palette index 1 but the palette has 1 entries",
            _ => "without a PLTE chunk",
        };
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("PNG 'm.png':", e.Message);
    }

    [Fact]
    public void Crc_MatchesBitwiseDefinition()
    {
        var data = "IEND"u8.ToArray();
        Assert.Equal(0xAE426082u, PngBuilder.Crc(data)); // the well-known IEND CRC
        var rng = new Random(3);
        var buf = new byte[1000];
        rng.NextBytes(buf);
        Assert.Equal(PngBuilder.Crc(buf), DeepSeek.NN.Data.Images.Png.PngCrc.Compute(buf));
    }
}
