using DeepSeek.NN.Data.Images;
using DeepSeek.NN.Data.Images.Jpeg;

namespace DeepSeek.NN.Tests.Images;

/// <summary>
/// JPEG decoding against facts taken from libjpeg-turbo 2.1.5 (<c>djpeg -dct float -ppm</c>) at development time:
/// per-channel means and an 8×8 crop (hex, RGB interleaved). Measured against the full djpeg output: china.jpg max abs
/// difference 1 (mean 0.0001), flower.jpg max 2 (mean 0.00002); the 77×53 test files c420 max 2 (mean 0.018), c422_rst
/// max 2 (mean 0.052), cgray max 1 (mean 0.001). Against <c>djpeg -dct int</c>: china max 3, mean 0.03.
/// </summary>
public class JpegTests
{
    internal static string Repo(params string[] parts) => Path.Combine([TestSupport.RepoRoot, .. parts]);
    internal static string TestData(string name) => Repo("tests", "DeepSeek.NN.Tests", "Images", "data", name);

    public static TheoryData<string, int, int, int, double[], int, int, string> Files => new()
    {
        { Repo("data", "images", "china.jpg"), 640, 427, 3, [144.719, 145.470, 140.917], 320, 200,
          "EDE2DED8D9DBDFE0DBDDE0E7DCE2E2DFDDE0E0DFE4E0E0E2ECE1DFD9DADCE0E0DEDADDE4DBE1E1DFDDE0E0E0E2DDDDDFEFE4E2D9DADEDEDEDCD8DDE3D7E0DFDBDBDDDDDCE1DDDEE0E6DCDBD5D8DDDBDDDCD8DCE5D5DDDFDBDADFDBDADFDDDEE0E8DEDFD4D7DED5D6D8D3DAE4D2DCDED9DADFD6D7DCDADBDFCABFC3CBCED5D7DBDECDD3DFC6D1D5D2D2DAD3D3DBD2D3D8E4D9DDCBCFD8CED2D5C6CEDBCDD8DECCCFD8D1D1DBD2D5DED8CDD3CCD0D9D5DADEC3CBD8D1DCE2D5D7E3D9DBE7D0D3DC" },
        { Repo("data", "images", "flower.jpg"), 640, 427, 3, [55.135, 73.579, 57.000], 300, 180,
          "EAA45EDE8D4BDB965FDD8458E07042EB6B3EEE632ADE4D0EC34B0FCA450DC85220DC6F2ADF713EDA682CE45F40E45F27CE4B07C83502C42500BC2603C14018D86D29DF7949E36F40D44B00C64100C33704C82303BE0503AF1300CB571AE57939C54903CC3508BD3406C32603BA1501B00704A70003BB4419BF3D00C42D00B92C00BB1B03B31106AE0001AD0500990000BD3702C02F02B72500B41708AD0401A60304A10000AB040EB63305B42A03B31F01A71005A20000A004059A0106990400" },
        { TestData("c420.jpg"), 77, 53, 3, [206.246, 205.279, 206.833], 0, 0,
          "DFE1EDE0E2EEE0E3ECE0E3ECE2E2ECE2E2ECE3E3EDE3E3EDE1E3EFE1E3EFE1E4EDE1E4EDE3E3EDE3E3EDE3E3EDE3E3EDE1E5EEE1E5EEE2E5EEE2E5EEE1E4EDE1E4EDE1E4EBE1E4EBE0E4EDE0E4EDE1E4EDE1E4EDE0E3ECE0E3ECE0E3EAE0E3EADFE4EADFE4EADFE4EADFE4EADFE4EADFE4EAE0E5EBE0E5EBE0E3EADFE4EADFE4EAE0E5EBE0E5EBE0E5EBE0E5EBE0E5EBE2E3E8E0E3E8E0E3E8E0E3E8E0E3E8E0E3E8DFE4EADFE4EAE1E2E7E1E2E7E1E2E7DFE2E7DFE2E7DEE1E6DEE1E8DDE2E8" },
        { TestData("c420.jpg"), 77, 53, 3, [206.246, 205.279, 206.833], 69, 45,
          "E3E3E3E3E3E3E4E4E4E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E2E2E2E3E3E3E3E3E3E3E3E3E3E3E3E2E2E2E2E2E2E3E3E3E2E2E2E2E2E2E3E3E3E3E3E3E3E3E3E2E2E2E3E5E4E5E7E6E2E4E3E2E4E3E2E4E3E2E4E3E1E3E2E1E1E1E1E3E2E1E3E2E2E4E3E2E4E3E2E4E3E1E3E2E1E3E2E1E1E1E0E2E1E0E2E1E1E3E2E1E3E2E1E3E2E1E3E2E1E3E2E1E1E1DFE1E0DFE1E0E0E2E1E0E2E1DFE1E0DFE1E0DFE1E0DEDEE0DDDEE0DEDFE1DEDFE1DEDFE1DEDFE1DEDFE1DEDFE1" },
        { TestData("c422_rst.jpg"), 77, 53, 3, [206.217, 205.314, 206.832], 69, 45,
          "E3E3E3E3E3E3E4E4E4E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E3E2E2E2E3E3E3E3E3E3E3E3E3E3E3E3E2E2E2E2E2E2E3E3E3E2E2E2E2E2E2E3E3E3E3E3E3E3E3E3E2E2E2E4E4E4E6E6E6E3E3E3E3E3E3E3E3E3E3E3E3E2E2E2E1E1E1E2E2E2E2E2E2E3E3E3E3E3E3E3E3E3E2E2E2E2E2E2E1E1E1E1E1E1E1E1E1E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E1E1E3E0E0E2E0E0E2E1E1E3E1E1E3E0E0E2E0E0E2E0E0E2DDDEE0DDDEE0DEDFE1DEDFE1DEDFE1DEDFE1DEDFE1DEDFE1" },
        { TestData("cgray.jpg"), 77, 53, 1, [205.715], 69, 45,
          "E3E3E4E3E3E3E3E3E3E3E3E2E3E3E3E3E2E2E3E2E2E3E3E3E2E4E6E3E3E3E3E2E1E2E2E3E3E3E2E2E1E1E1E2E2E2E2E2E1E0E0E1E1E0E0E0DEDEDFDFDFDFDFDF" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Decode_MatchesLibjpegReference(string path, int w, int h, int c, double[] means, int x0, int y0, string cropHex)
    {
        var img = ImageDecoder.Decode(path);
        Assert.Equal((w, h, c), (img.Width, img.Height, img.Channels));
        for (int k = 0; k < c; k++)
        {
            double sum = 0;
            for (int i = k; i < img.Pixels.Length; i += c) sum += img.Pixels[i];
            Assert.InRange(sum / (w * h), means[k] - 0.06, means[k] + 0.06);
        }
        var crop = Convert.FromHexString(cropHex);
        int maxDiff = 0;
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                for (int k = 0; k < c; k++)
                    maxDiff = Math.Max(maxDiff, Math.Abs(img[y0 + y, x0 + x, k] - crop[(y * 8 + x) * c + k]));
        Assert.InRange(maxDiff, 0, 2);
    }

    [Fact]
    public void Sof1ExtendedSequential_DecodesLikeBaseline()
    {
        var bytes = File.ReadAllBytes(TestData("c420.jpg"));
        int sof = IndexOfMarker(bytes, 0xC0);
        var ext = (byte[])bytes.Clone();
        ext[sof + 1] = 0xC1;
        Assert.Equal(ImageDecoder.Decode(bytes).Pixels, ImageDecoder.Decode(ext).Pixels);
    }

    internal static int IndexOfMarker(byte[] b, int marker)
    {
        for (int i = 2; i + 1 < b.Length; i++)
            if (b[i] == 0xFF && b[i + 1] == marker) return i;
        throw new InvalidOperationException($"marker FF{marker:X2} not found");
    }

    [Theory]
    [InlineData("cprog.jpg", "progressive JPEG is not supported")]
    [InlineData("carith.jpg", "arithmetic-coded JPEG is not supported")]
    public void UnsupportedProcesses_AreRejected(string file, string message)
    {
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(TestData(file)));
        Assert.Contains(message, e.Message);
        Assert.Contains(file, e.Message);
    }

    [Theory]
    [InlineData("12-bit")]
    [InlineData("lossless")]
    [InlineData("cmyk")]
    [InlineData("bad huffman")]
    [InlineData("rst order")]
    [InlineData("no dqt")]
    public void MalformedOrUnsupportedHeaders_GiveClearErrors(string kind)
    {
        var b = File.ReadAllBytes(TestData(kind == "rst order" ? "c422_rst.jpg" : "c420.jpg"));
        int sof = IndexOfMarker(b, 0xC0);
        string expected;
        switch (kind)
        {
            case "12-bit": b[sof + 4] = 12; expected = "12-bit samples are not supported"; break;
            case "lossless": b[sof + 1] = 0xC3; expected = "lossless JPEG is not supported"; break;
            case "cmyk": b[sof + 9] = 4; expected = "4-component (CMYK/YCCK) JPEG is not supported"; break;
            case "bad huffman":
                int counts = IndexOfMarker(b, 0xC4) + 5, j = Enumerable.Range(1, 15).First(i => b[counts + i] >= 3);
                b[counts] += 3; b[counts + j] -= 3; // same number of values, but 3+ codes of length 1 cannot exist
                expected = "Huffman table is invalid: more codes of length ≤ 1 than fit in 1 bits";
                break;
            case "no dqt": b[IndexOfMarker(b, 0xDB) + 1] = 0xFE; expected = "quantization table 0, which was not defined (DQT)"; break; // DQT → COM
            default: b[IndexOfMarker(b, 0xD0) + 1] = 0xD3; expected = "restart marker RST3 found where RST0 was expected"; break;
        }
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(b, "x.jpg"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("JPEG 'x.jpg':", e.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.05)]
    public void TruncatedFiles_AreRejected(double keep)
    {
        var b = File.ReadAllBytes(TestData("c420.jpg"));
        var cut = b[..(int)(b.Length * keep)];
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(cut, "cut.jpg"));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Idct_VectorMatchesScalarReferenceAndDefinition()
    {
        var rng = new Random(11);
        var coef = new float[64];
        var fast = new float[64];
        var reference = new float[64];
        for (int trial = 0; trial < 50; trial++)
        {
            Array.Clear(coef);
            int nonzero = trial % 3 == 0 ? 64 : rng.Next(1, 12);
            for (int i = 0; i < nonzero; i++) coef[rng.Next(64)] = rng.Next(-1024, 1024);
            JpegIdct.Inverse(coef, fast);
            JpegIdct.InverseReference(coef, reference);
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                {
                    double s = 0; // T.81 A.3.3 directly
                    for (int v = 0; v < 8; v++)
                        for (int u = 0; u < 8; u++)
                            s += (u == 0 ? Math.Sqrt(0.5) : 1) * (v == 0 ? Math.Sqrt(0.5) : 1) * coef[v * 8 + u]
                                 * Math.Cos((2 * x + 1) * u * Math.PI / 16) * Math.Cos((2 * y + 1) * v * Math.PI / 16);
                    double expected = 128 + s / 4;
                    Assert.InRange(reference[y * 8 + x], expected - 1e-3, expected + 1e-3);
                    Assert.InRange(fast[y * 8 + x], expected - 2e-3, expected + 2e-3);
                }
        }
    }

    [Fact]
    public void Idct_DcOnlyBlockIsFlat()
    {
        var coef = new float[64];
        coef[0] = 8 * 37; // F(0,0)/8 = 37
        var o = new float[64];
        JpegIdct.Inverse(coef, o);
        foreach (var v in o) Assert.Equal(165f, v, 3);
        var bytes = new byte[64];
        JpegIdct.Store(o, bytes, 8);
        Assert.All(bytes, b => Assert.Equal(165, b));
    }

    [Fact]
    public void ZigZag_IsAPermutationFollowingTheDiagonals()
    {
        Assert.Equal(Enumerable.Range(0, 64), JpegDecoder.ZigZag.Select(z => (int)z).Order());
        for (int k = 1; k < 64; k++)
        {
            int a = JpegDecoder.ZigZag[k - 1], b = JpegDecoder.ZigZag[k];
            int da = a / 8 + a % 8, db = b / 8 + b % 8;
            Assert.True(db == da || db == da + 1, $"step {k}");
        }
    }

    [Fact]
    public void UnknownSignature_IsRejected()
    {
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode("GIF89a.."u8, "a.gif"));
        Assert.Contains("unknown format", e.Message);
        Assert.Contains("a.gif", e.Message);
        Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(ReadOnlySpan<byte>.Empty));
    }
}
