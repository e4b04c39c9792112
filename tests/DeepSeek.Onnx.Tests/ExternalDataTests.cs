using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx.Tests;

/// <summary>External data: writing, reading (inline and streamed), path-safety and bounds checks.</summary>
public sealed class ExternalDataTests
{
    private static IEnumerable<TensorProto> AllTensors(ModelProto m) => ProtoWalk.Tensors(m);

    [Fact]
    public void SaveWithExternalDataMovesLargeTensorsAndLoadRestoresThem()
    {
        using var dir = new TempDir();
        var model = TestModels.MatMulIf();
        var original = model.Clone();
        string path = dir.File("m.onnx");
        OnnxModelFile.SaveWithExternalData(model, path, sizeThreshold: 1024);
        Assert.Equal(original, model); // the caller's model is untouched

        Assert.True(File.Exists(dir.File("m.onnx.data")));
        Assert.True(new FileInfo(path).Length < 2048, $"model file is {new FileInfo(path).Length} bytes; the tensors should be external");

        var refs = OnnxModelFile.Load(path, loadExternalData: false);
        var external = AllTensors(refs).Where(ExternalData.IsExternal).Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "W", "k_else", "k_then" }, external);
        var w = refs.Graph.Initializer.Single(t => t.Name == "W");
        Assert.Equal("m.onnx.data", w.ExternalData.Single(e => e.Key == "location").Value);
        foreach (var t in AllTensors(refs).Where(ExternalData.IsExternal))
            Assert.Equal(0, ExternalData.Resolve(t, dir.Path, "test").Offset % 4096);
        Assert.False(ExternalData.IsExternal(refs.Graph.Initializer.Single(t => t.Name == "B")));

        // streamed straight into tensor memory
        using (var wt = TensorProtoConverter.ToTensor(w, dir.Path))
        using (var expected = TensorProtoConverter.ToTensor(original.Graph.Initializer[0]))
            Assert.Equal(expected.ToArray<float>(), wt.ToArray<float>());

        // loaded inline: identical to the model before saving
        var inline = OnnxModelFile.Load(path);
        Assert.Equal(original, inline);
    }

    [Fact]
    public void StreamingReadSpansSeveralChunks()
    {
        using var dir = new TempDir();
        int n = TensorProtoConverter.ChunkBytes / 4 + 1000; // just over one chunk of floats
        using var big = Tensor.Arange(0, n, 1, DType.F32);
        TensorProto proto;
        using (var data = File.Create(dir.File("w.bin")))
        {
            data.Write(new byte[100]); // tensor starts at offset 100
            proto = TensorProtoConverter.ToExternalTensorProto(big, "W", data, "w.bin");
        }
        Assert.Equal("100", proto.ExternalData.Single(e => e.Key == "offset").Value);
        var model = TestModels.WithExternalInitializer([n]);
        model.Graph.Initializer[0] = proto;
        OnnxModelFile.Save(model, dir.File("m.onnx"));

        var loaded = OnnxModelFile.Load(dir.File("m.onnx"), loadExternalData: false);
        using var back = TensorProtoConverter.ToTensor(loaded.Graph.Initializer[0], dir.Path);
        var values = back.ToArray<float>();
        Assert.Equal(n, values.Length);
        Assert.Equal(0f, values[0]);
        Assert.Equal(n - 1, values[^1]);
        Assert.Equal(TensorProtoConverter.ChunkBytes / 4, values[TensorProtoConverter.ChunkBytes / 4]);
    }

    [Fact]
    public void ResavingExternalTensorsCopiesThemFromTheSourceDirectory()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var original = TestModels.MatMulIf();
        OnnxModelFile.SaveWithExternalData(original, a.File("m.onnx"), 1024, "weights.bin");
        var refs = OnnxModelFile.Load(a.File("m.onnx"), loadExternalData: false);
        Assert.Throws<InvalidOperationException>(() => OnnxModelFile.SaveWithExternalData(refs, b.File("n.onnx")));
        OnnxModelFile.SaveWithExternalData(refs, b.File("n.onnx"), externalDataSourceDirectory: a.Path);
        Assert.True(File.Exists(b.File("n.onnx.data")));
        Assert.Equal(original, OnnxModelFile.Load(b.File("n.onnx")));
    }

    [Fact]
    public void TypedFieldTensorsAreWrittenAsRawExternalBytes()
    {
        using var dir = new TempDir();
        var model = TestModels.WithExternalInitializer([300]);
        var t = new TensorProto { Name = "W", DataType = 7 };
        t.Dims.Add(300);
        t.Int64Data.AddRange(Enumerable.Range(0, 300).Select(i => (long)i * 1_000_000_007));
        model.Graph.Initializer[0] = t;
        OnnxModelFile.SaveWithExternalData(model, dir.File("m.onnx"), sizeThreshold: 100);
        var loaded = OnnxModelFile.Load(dir.File("m.onnx"));
        Assert.Equal(2400, loaded.Graph.Initializer[0].RawData.Length);
        using var back = TensorProtoConverter.ToTensor(loaded.Graph.Initializer[0]);
        Assert.Equal(t.Int64Data.ToArray(), back.ToArray<long>());
    }

    private static ModelFormatException LoadFails(TempDir dir, ModelProto model, bool inline = true) => LoadFails(dir.Path, model, inline);

    private static ModelFormatException LoadFails(string dir, ModelProto model, bool inline = true)
    {
        string path = Path.Combine(dir, "m.onnx");
        OnnxModelFile.Save(model, path);
        var e = Assert.Throws<ModelFormatException>(() => OnnxModelFile.Load(path, inline));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void PathTraversalAndAbsolutePathsAreRejected()
    {
        using var outer = new TempDir();
        string modelDir = Path.Combine(outer.Path, "model");
        Directory.CreateDirectory(modelDir);
        File.WriteAllBytes(Path.Combine(outer.Path, "secret.bin"), new byte[16]);
        string dir = modelDir;

        foreach (bool inline in new[] { true, false })
        {
            var e1 = LoadFails(dir, TestModels.WithExternalInitializer([4], ("location", "../secret.bin")), inline);
            Assert.Contains("escapes the model's directory", e1.Message, StringComparison.Ordinal);
            Assert.Contains("'W'", e1.Message, StringComparison.Ordinal);
            var e2 = LoadFails(dir, TestModels.WithExternalInitializer([4], ("location", Path.Combine(outer.Path, "secret.bin"))), inline);
            Assert.Contains("absolute path", e2.Message, StringComparison.Ordinal);
            var e3 = LoadFails(dir, TestModels.WithExternalInitializer([4], ("location", "sub/../../secret.bin")), inline);
            Assert.Contains("escapes", e3.Message, StringComparison.Ordinal);
        }

        File.CreateSymbolicLink(Path.Combine(modelDir, "link.bin"), Path.Combine(outer.Path, "secret.bin"));
        var e4 = LoadFails(dir, TestModels.WithExternalInitializer([4], ("location", "link.bin")));
        Assert.Contains("symbolic link", e4.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutOfBoundsAndInconsistentEntriesAreRejected()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("w.bin"), new byte[64]);
        (string, string) loc = ("location", "w.bin");

        Assert.Contains("past the end", LoadFails(dir, TestModels.WithExternalInitializer([4], loc, ("offset", "100"), ("length", "16"))).Message, StringComparison.Ordinal);
        Assert.Contains("runs past the end", LoadFails(dir, TestModels.WithExternalInitializer([4], loc, ("offset", "56"), ("length", "16"))).Message, StringComparison.Ordinal);
        Assert.Contains("need 16", LoadFails(dir, TestModels.WithExternalInitializer([4], loc, ("offset", "0"), ("length", "12"))).Message, StringComparison.Ordinal);
        Assert.Contains("need 16", LoadFails(dir, TestModels.WithExternalInitializer([4], loc)).Message, StringComparison.Ordinal); // length defaults to the rest: 64
        Assert.Contains("non-negative integer", LoadFails(dir, TestModels.WithExternalInitializer([4], loc, ("offset", "-8"))).Message, StringComparison.Ordinal);
        Assert.Contains("no external_data entry 'location'", LoadFails(dir, TestModels.WithExternalInitializer([4], ("offset", "0"))).Message, StringComparison.Ordinal);
        Assert.Contains("not found", LoadFails(dir, TestModels.WithExternalInitializer([4], ("location", "missing.bin"))).Message, StringComparison.Ordinal);

        // in range, checksum ignored: loads
        OnnxModelFile.Save(TestModels.WithExternalInitializer([4], loc, ("offset", "48"), ("length", "16"), ("checksum", "abc")), dir.File("ok.onnx"));
        Assert.Equal(16, OnnxModelFile.Load(dir.File("ok.onnx")).Graph.Initializer[0].RawData.Length);
    }

    [Fact]
    public void ExternalDataNeedsADirectory()
    {
        var model = TestModels.WithExternalInitializer([4], ("location", "w.bin"));
        using var ms = new MemoryStream();
        OnnxModelFile.Save(model, ms);
        ms.Position = 0;
        Assert.Throws<ModelFormatException>(() => OnnxModelFile.Load(ms));
        ms.Position = 0;
        var refs = OnnxModelFile.Load(ms, loadExternalData: false);
        Assert.Throws<ArgumentException>(() => TensorProtoConverter.ToTensor(refs.Graph.Initializer[0]));
    }
}
