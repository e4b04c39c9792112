using System.Buffers.Binary;
using System.Text;
using DeepSeek.NN.Serialization;

namespace DeepSeek.NN.Tests.Serialization;

public class SafeTensorsFormatTests
{
    /// <summary>File bytes from the spec: u64 LE header length, header JSON padded with spaces to 8, raw data.</summary>
    internal static byte[] BuildFile(string json, byte[] data, bool pad = true)
    {
        var header = Encoding.UTF8.GetBytes(json);
        int n = pad ? (header.Length + 7) / 8 * 8 : header.Length;
        var bytes = new byte[8 + n + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)n);
        header.CopyTo(bytes, 8);
        for (int i = 8 + header.Length; i < 8 + n; i++) bytes[i] = (byte)' ';
        data.CopyTo(bytes, 8 + n);
        return bytes;
    }

    [Fact]
    public void SaveMatchesHandBuiltBytes()
    {
        using var dir = new TempDir();
        using var b = Tensor.FromArray([1f, 2f]);
        using var a = Tensor.FromArray(new sbyte[] { 5 }).Reshape();
        var path = dir.File("tiny.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["b"] = b, ["a"] = a }, new Dictionary<string, string> { ["fmt"] = "pt" });

        string json = "{\"__metadata__\":{\"fmt\":\"pt\"},\"a\":{\"dtype\":\"I8\",\"shape\":[],\"data_offsets\":[0,1]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[1,9]}}";
        byte[] data = [5, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40]; // i8 5, f32 1.0, f32 2.0 (little-endian)
        var expected = BuildFile(json, data);
        var actual = File.ReadAllBytes(path);
        Assert.Equal(expected, actual);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(actual) % 8);
    }

    [Fact]
    public void ReadsFilesFromOtherWriters_DataOrderDiffersFromNameOrder_UnpaddedHeader_Whitespace()
    {
        using var dir = new TempDir();
        // As the reference writer lays data out (wider dtypes first): "z" (F64) at 0, "a" (U8) after it.
        string json = "{ \"z\" : {\"shape\": [2], \"dtype\": \"F64\", \"data_offsets\": [0, 16]},\n \"a\": {\"dtype\": \"U8\", \"shape\": [1, 3], \"data_offsets\": [16, 19]} }";
        var data = new byte[19];
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(0), -1.5);
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8), 1e300);
        data[16] = 0; data[17] = 200; data[18] = 255;
        var path = dir.File("other.safetensors");
        File.WriteAllBytes(path, BuildFile(json, data, pad: false));
        using var f = SafeTensorsFile.Open(path);
        Assert.Equal(["z", "a"], f.Names);
        Assert.Empty(f.Metadata);
        using var z = f.Load("z");
        using var a = f.Load("a");
        Assert.Equal([-1.5, 1e300], z.ToArray<double>());
        Assert.Equal(new Shape(1, 3), a.Shape);
        Assert.Equal(new byte[] { 0, 200, 255 }, a.ToArray<byte>());
    }

    [Fact]
    public void BFloat16AndHalfBitsArePreserved()
    {
        using var dir = new TempDir();
        string json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},\"t\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[8,10]}}";
        byte[] data = [0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F, 0x49, 0x40, 1, 0]; // f16 1, -2; bf16 1, 3.140625; true, false
        var path = dir.File("half.safetensors");
        File.WriteAllBytes(path, BuildFile(json, data));
        var all = SafeTensors.Load(path);
        using var h = all["h"];
        using var b = all["b"];
        using var t = all["t"];
        Assert.Equal([1.0, -2.0], h.ToDoubleArray());
        Assert.Equal([1.0, 3.140625], b.ToDoubleArray());
        Assert.Equal([true, false], t.ToArray<bool>());
    }
}
