using DeepSeek.NN.Serialization;

namespace DeepSeek.NN.Tests.Serialization;

public class SafeTensorsRoundTripTests
{
    public static TheoryData<DType> AllDTypes => new(Enum.GetValues<DType>());

    // Values every dtype holds exactly.
    private static Tensor Sample(DType dtype, Shape shape, ulong seed)
    {
        var g = new Generator(seed);
        var vals = new double[shape.Numel];
        for (int i = 0; i < vals.Length; i++)
        {
            double u = g.NextDouble();
            vals[i] = dtype switch
            {
                DType.Bool => u < 0.5 ? 0 : 1,
                DType.U8 => Math.Floor(u * 256),
                DType.I8 => Math.Floor(u * 256) - 128,
                DType.I16 => Math.Floor(u * 65536) - 32768,
                DType.I32 => Math.Floor(u * 4e9) - 2e9,
                DType.I64 => Math.Floor(u * 1e15) - 5e14,
                DType.F16 or DType.BF16 => Math.Round((u - 0.5) * 64) / 8,
                _ => (u - 0.5) * 1e3,
            };
        }
        return Tensor.FromDoubles(vals, shape, dtype);
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void EveryDTypeRoundTrips_IncludingScalarAndEmpty(DType dtype)
    {
        using var dir = new TempDir();
        using var full = Sample(dtype, new Shape(3, 5), 1);
        using var scalar = Sample(dtype, Shape.Scalar, 2);
        using var empty = Tensor.Empty(new Shape(0, 4), dtype);
        var path = dir.File("m.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = full, ["s"] = scalar, ["e"] = empty });
        var loaded = SafeTensors.Load(path);
        try
        {
            Assert.Equal(["e", "s", "w"], loaded.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, orig) in new[] { ("w", full), ("s", scalar), ("e", empty) })
            {
                var t = loaded[name];
                Assert.Equal(dtype, t.DType);
                Assert.Equal(orig.Shape, t.Shape);
                Assert.Equal(orig.ToDoubleArray(), t.ToDoubleArray());
            }
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    [Fact]
    public void NonContiguousInputsAreWrittenInRowMajorOrder()
    {
        using var dir = new TempDir();
        using var baseT = Tensor.RandN(new Shape(4, 6), new Generator(3));
        using var transposed = baseT.Transpose(0, 1);          // [6, 4], strides (1, 6)
        using var stepped = baseT.Slice(1, 1, 6, 2);             // [4, 3], step 2
        using var row = Tensor.RandN(new Shape(1, 5), new Generator(4));
        using var expanded = row.Expand(3, 5);                   // stride 0
        var path = dir.File("v.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["t"] = transposed, ["s"] = stepped, ["x"] = expanded });
        using var f = SafeTensorsFile.Open(path);
        foreach (var (name, orig) in new[] { ("t", transposed), ("s", stepped), ("x", expanded) })
        {
            using var t = f.Load(name);
            Assert.True(t.IsContiguous);
            Assert.Equal(orig.Shape, t.Shape);
            Assert.Equal(orig.ToDoubleArray(), t.ToDoubleArray());
        }
    }

    [Fact]
    public void MetadataRoundTripsAndLazyReaderDescribesTensors()
    {
        using var dir = new TempDir();
        using var a = Tensor.Arange(0, 6, 1, DType.F64).Reshape(2, 3);
        using var b = Tensor.Ones(new Shape(4), DType.BF16);
        var path = dir.File("meta.safetensors");
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["layer.b"] = b, ["layer.a"] = a }, meta);

        Assert.Equal(meta, SafeTensors.ReadMetadata(path));
        using var f = SafeTensorsFile.Open(path);
        Assert.Equal(["layer.a", "layer.b"], f.Names);
        var ia = f.Info("layer.a");
        Assert.Equal(DType.F64, ia.DType);
        Assert.Equal(new Shape(2, 3), ia.Shape);
        Assert.Equal((0L, 48L), (ia.DataBegin, ia.DataEnd));
        var ib = f.Info("layer.b");
        Assert.Equal((48L, 56L, 8L), (ib.DataBegin, ib.DataEnd, ib.ByteLength));
        Assert.True(f.Contains("layer.b"));
        Assert.False(f.Contains("layer.c"));
        var ex = Assert.Throws<KeyNotFoundException>(() => f.Info("layer.c"));
        Assert.Contains("layer.c", ex.Message);
        using var lb = f.Load("layer.b");
        Assert.Equal([1.0, 1, 1, 1], lb.ToDoubleArray());
    }

    [Fact]
    public void SaveReplacesExistingFileAndLeavesNoTemporaries()
    {
        using var dir = new TempDir();
        var path = dir.File("x.safetensors");
        File.WriteAllText(path, "old contents");
        using var t = Tensor.Full(new Shape(2), 7, DType.I32);
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["t"] = t });
        Assert.Equal([path], Directory.GetFiles(dir.Path));
        var loaded = SafeTensors.Load(path);
        using var l = loaded["t"];
        Assert.Equal([7, 7], l.ToArray<int>());
    }

    [Fact]
    public void FailedSaveLeavesTheOldFileUntouched()
    {
        using var dir = new TempDir();
        var path = dir.File("keep.safetensors");
        File.WriteAllText(path, "precious");
        var t = Tensor.Ones(2);
        t.Dispose();
        Assert.Throws<TensorDisposedException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["t"] = t }));
        using var ok = Tensor.Ones(2);
        var ex = Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["__metadata__"] = ok }));
        Assert.Contains("reserved", ex.Message);
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void LargeTensorCrossesSeveralIOChunks()
    {
        using var dir = new TempDir();
        int n = TensorFileIO.ChunkBytes / 4 * 2 + 1000;   // three chunks, the last partial
        using var t = Tensor.Rand(new Shape(n), new Generator(9));
        var path = dir.File("big.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["big"] = t });
        using var f = SafeTensorsFile.Open(path);
        using var l = f.Load("big");
        Assert.Equal(t.ToArray<float>(), l.ToArray<float>());
    }
}
