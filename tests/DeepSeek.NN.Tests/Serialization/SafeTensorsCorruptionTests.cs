using System.Buffers.Binary;
using DeepSeek.NN.Serialization;

namespace DeepSeek.NN.Tests.Serialization;

public class SafeTensorsCorruptionTests
{
    private static ModelFormatException Reject(string path) => Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(path));

    private static ModelFormatException RejectJson(string json, byte[] data, params string[] fragments)
    {
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, SafeTensorsFormatTests.BuildFile(json, data));
        var ex = Reject(path);
        Assert.Contains(path, ex.Message);
        foreach (var f in fragments) Assert.Contains(f, ex.Message);
        Assert.Throws<ModelFormatException>(() => SafeTensors.Load(path));
        return ex;
    }

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    private static byte[] ValidFile(TempDir dir, out string path)
    {
        using var a = Tensor.Arange(0, 6, 1, DType.F32).Reshape(2, 3);
        using var b = Tensor.Arange(0, 4, 1, DType.I64);
        path = dir.File("good.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }, new Dictionary<string, string> { ["k"] = "v" });
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void TruncationAnywhereIsRejected()
    {
        using var dir = new TempDir();
        var bytes = ValidFile(dir, out _);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var cut = dir.File("cut.safetensors");
        foreach (int len in new[] { 0, 3, 7, 8, 8 + (int)n / 2, 8 + (int)n, 8 + (int)n + 5, bytes.Length - 1 })
        {
            File.WriteAllBytes(cut, bytes[..len]);
            var ex = Reject(cut);
            Assert.Contains(cut, ex.Message);
            if (len < 8) Assert.Contains("too few", ex.Message);
            else if (len < 8 + n) Assert.Contains("header length", ex.Message);
            else Assert.Contains("truncated", ex.Message);
        }
    }

    [Fact]
    public void HeaderLengthLargerThanFileIsRejected()
    {
        using var dir = new TempDir();
        var bytes = ValidFile(dir, out var path);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("header length field says", Reject(path).Message);
    }

    [Fact]
    public void FlippingAnyHeaderByteEitherStillLoadsOrThrowsModelFormatException()
    {
        using var dir = new TempDir();
        var bytes = ValidFile(dir, out _);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var path = dir.File("flip.safetensors");
        int rejected = 0;
        for (int i = 8; i < 8 + n; i++)
        {
            foreach (byte v in new byte[] { (byte)'x', (byte)'9', (byte)'"', (byte)'-', 0xFF })
            {
                if (bytes[i] == v) continue;
                var copy = (byte[])bytes.Clone();
                copy[i] = v;
                File.WriteAllBytes(path, copy);
                try
                {
                    var all = SafeTensors.Load(path);
                    foreach (var t in all.Values) t.Dispose();
                }
                catch (ModelFormatException e)
                {
                    Assert.Contains(path, e.Message);
                    rejected++;
                }
            }
        }
        Assert.True(rejected > n, $"only {rejected} of ~{5 * n} corruptions were rejected");
        var bad = (byte[])bytes.Clone();
        bad[12] = 0xFF;
        File.WriteAllBytes(path, bad);
        Assert.Contains("not valid UTF-8", Reject(path).Message);
        bytes[8] = (byte)'[';
        File.WriteAllBytes(path, bytes);
        Assert.Contains("does not start with '{'", Reject(path).Message);
    }

    [Fact]
    public void JsonSyntaxErrorIsRejected() =>
        RejectJson("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]", new byte[4], "not valid JSON");

    [Fact]
    public void OverlappingOffsetsAreRejected() =>
        RejectJson("{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[2]", 4, 12) + "}", new byte[12], "\"b\"", "data_offsets", "overlaps tensor \"a\"");

    [Fact]
    public void HolesAreRejected() =>
        RejectJson("{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 8, 12) + "}", new byte[12], "\"b\"", "hole of 4 bytes");

    [Fact]
    public void EndBeforeBeginIsRejected() =>
        RejectJson("{" + Entry("a", "F32", "[1]", 4, 0) + "}", new byte[4], "\"a\"", "out of order");

    [Fact]
    public void OffsetsPastTheDataAreRejected() =>
        RejectJson("{" + Entry("a", "F32", "[4]", 0, 16) + "}", new byte[8], "\"a\"", "runs past the end", "truncated");

    [Fact]
    public void TrailingBytesAreRejected() =>
        RejectJson("{" + Entry("a", "F32", "[1]", 0, 4) + "}", new byte[12], "8 trailing bytes");

    [Fact]
    public void OffsetsNotMatchingDTypeAndShapeAreRejected() =>
        RejectJson("{" + Entry("w", "F16", "[2,3]", 0, 24) + "}", new byte[24], "\"w\"", "data_offsets", "needs 12");

    [Theory]
    [InlineData("F8_E4M3", "valid safetensors but DeepSeek tensors cannot hold it")]
    [InlineData("U32", "valid safetensors but DeepSeek tensors cannot hold it")]
    [InlineData("U64", "valid safetensors but DeepSeek tensors cannot hold it")]
    [InlineData("FLOAT", "not a safetensors dtype")]
    public void UnsupportedDTypesAreRejected(string dtype, string why) =>
        RejectJson("{" + Entry("q", dtype, "[1]", 0, 1) + "}", new byte[1], "\"q\"", "\"dtype\"", dtype, why);

    [Fact]
    public void DuplicateNamesAreRejected() =>
        RejectJson("{" + Entry("a", "U8", "[1]", 0, 1) + "," + Entry("a", "U8", "[1]", 1, 2) + "}", new byte[2], "\"a\" appears twice");

    [Fact]
    public void NegativeShapesAreRejected() =>
        RejectJson("{" + Entry("n", "F32", "[-1,2]", 0, 0) + "}", [], "\"n\"", "\"shape\"", "negative dimension -1");

    [Fact]
    public void MalformedFieldsAreRejected()
    {
        RejectJson("{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1], "\"a\"", "\"dtype\" is missing");
        RejectJson("{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", new byte[1], "\"a\"", "\"shape\"", "expected an integer");
        RejectJson("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[1], "\"a\"", "\"data_offsets\"");
        RejectJson("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}", new byte[1], "\"a\"", "non-negative");
        RejectJson("{\"a\":[1,2]}", [], "\"a\"", "expected an object");
        RejectJson("{\"__metadata__\":{\"k\":1}}", [], "__metadata__", "\"k\"", "expected a string");
    }
}
