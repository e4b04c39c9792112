using System.Text;
using DeepSeek.NN.Serialization;

namespace DeepSeek.NN.Tests.Serialization;

public class NumpyFileTests
{
    // the bytes numpy.save writes for np.array([[1.5, -2], [3, 4.25], [0, 7]], dtype='<f4'), built by hand from the format spec
    private static byte[] HandMadeF32()
    {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
        header += new string(' ', 128 - 10 - header.Length - 1) + "\n"; // numpy pads the whole preamble to a multiple of 64
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 };
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (var f in new[] { 1.5f, -2f, 3f, 4.25f, 0f, 7f }) bytes.AddRange(BitConverter.GetBytes(f));
        return bytes.ToArray();
    }

    [Fact]
    public void ReadsAHandMadeFile()
    {
        using var t = NumpyFile.Read(new MemoryStream(HandMadeF32()), "hand.npy");
        Assert.Equal(new Shape(3, 2), t.Shape);
        Assert.Equal(DType.F32, t.DType);
        Assert.Equal(new[] { 1.5f, -2f, 3f, 4.25f, 0f, 7f }, t.ToArray<float>());
    }

    [Fact]
    public void WritesTheSameBytesNumpyWould()
    {
        using var t = Tensor.FromArray(new[] { 1.5f, -2f, 3f, 4.25f, 0f, 7f }, 3, 2);
        var ms = new MemoryStream();
        NumpyFile.Write(ms, t);
        Assert.Equal(HandMadeF32(), ms.ToArray());
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    [InlineData(DType.I64)]
    [InlineData(DType.I32)]
    [InlineData(DType.U8)]
    [InlineData(DType.Bool)]
    public void RoundTripsEveryDTypeAndRank(DType dtype)
    {
        foreach (var shape in new[] { Shape.Scalar, new Shape(5), new Shape(2, 3, 4), new Shape(0, 3) })
        {
            using var src = Tensor.RandInt(0, 2, shape, new Generator(3), DType.I64);
            using var t = src.To(dtype);
            var path = Path.Combine(Path.GetTempPath(), $"npy-{Guid.NewGuid():N}.npy");
            try
            {
                NumpyFile.Save(path, t);
                using var back = NumpyFile.Load(path);
                Assert.Equal(t.Shape, back.Shape);
                Assert.Equal(dtype, back.DType);
                using var a = t.To(DType.F64);
                using var b = back.To(DType.F64);
                Assert.Equal(a.ToArray<double>(), b.ToArray<double>());
            }
            finally { File.Delete(path); }
        }
    }

    [Fact]
    public void ReadsVersion2HeadersAndTransposedViewsWriteInCOrder()
    {
        using var t = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        using var tt = t.Transpose(0, 1);
        var ms = new MemoryStream();
        NumpyFile.Write(ms, tt);
        var v1 = ms.ToArray();
        // rewrite as version 2.0: 4-byte header length
        int hl = v1[8] | v1[9] << 8;
        var v2 = new List<byte>(v1[..6]) { 2, 0 };
        v2.AddRange(BitConverter.GetBytes(hl));
        v2.AddRange(v1[10..]);
        using var back = NumpyFile.Read(new MemoryStream(v2.ToArray()));
        Assert.Equal(new Shape(3, 2), back.Shape);
        Assert.Equal(new[] { 1f, 4f, 2f, 5f, 3f, 6f }, back.ToArray<float>());
    }

    [Fact]
    public void BadFilesGetErrorsThatSayWhatIsWrong()
    {
        var good = HandMadeF32();
        var e1 = Assert.Throws<DataFormatException>(() => NumpyFile.Read(new MemoryStream(Encoding.ASCII.GetBytes("PK\x03\x04 not numpy")), "x.npy"));
        Assert.Contains("x.npy", e1.Message);
        Assert.Contains("not a .npy", e1.Message);
        var big = (byte[])good.Clone();
        var s = Encoding.Latin1.GetString(big);
        var fortran = Encoding.Latin1.GetBytes(s.Replace("'fortran_order': False", "'fortran_order': True "));
        Assert.Contains("Fortran", Assert.Throws<DataFormatException>(() => NumpyFile.Read(new MemoryStream(fortran), "f.npy")).Message);
        var be = Encoding.Latin1.GetBytes(s.Replace("'<f4'", "'>f4'"));
        Assert.Contains("'>f4'", Assert.Throws<DataFormatException>(() => NumpyFile.Read(new MemoryStream(be), "b.npy")).Message);
        var truncated = good[..^5];
        Assert.Contains("ends inside the data", Assert.Throws<DataFormatException>(() => NumpyFile.Read(new MemoryStream(truncated), "t.npy")).Message);
        using var bf = Tensor.Zeros(new Shape(2), DType.BF16);
        Assert.Throws<DTypeMismatchException>(() => NumpyFile.Write(new MemoryStream(), bf));
    }
}
