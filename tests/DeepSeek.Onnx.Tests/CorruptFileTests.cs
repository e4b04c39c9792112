using DeepSeek.Onnx.Protobuf;
using Google.Protobuf;

namespace DeepSeek.Onnx.Tests;

/// <summary>Files that are not (whole) ONNX models are rejected with <see cref="ModelFormatException"/> naming the file.</summary>
public sealed class CorruptFileTests
{
    private static ModelFormatException Rejected(TempDir dir, byte[] bytes, string name = "bad.onnx")
    {
        string path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelFormatException>(() => OnnxModelFile.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void TruncatedModelsAreRejectedAtEveryCut()
    {
        using var dir = new TempDir();
        var bytes = TestModels.MatMulIf().ToByteArray();
        // Every prefix is either unparsable or lacks something the validator requires; none loads silently.
        int rejected = 0;
        for (int cut = 0; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 97))
        {
            File.WriteAllBytes(dir.File("t.onnx"), bytes[..cut]);
            try
            {
                var m = OnnxModelFile.Load(dir.File("t.onnx"));
                // A cut at a field boundary after the graph can only lose trailing fields; the graph must be whole then.
                Assert.Equal(TestModels.MatMulIf().Graph, m.Graph);
            }
            catch (ModelFormatException) { rejected++; }
        }
        Assert.True(rejected > 90, $"only {rejected} truncated files rejected");
        var half = Rejected(dir, bytes[..(bytes.Length / 2)]);
        Assert.Contains("ModelProto", half.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GarbageTextAndEmptyFilesAreRejected()
    {
        using var dir = new TempDir();
        Assert.Contains("ir_version", Rejected(dir, []).Message, StringComparison.Ordinal);
        Rejected(dir, "hello, this is not a model"u8.ToArray());
        var rng = new Random(1234);
        for (int i = 0; i < 20; i++)
        {
            var junk = new byte[256];
            rng.NextBytes(junk);
            Rejected(dir, junk);
        }
    }

    [Fact]
    public void StructurallyIncompleteModelsAreRejected()
    {
        using var dir = new TempDir();
        var noGraph = new ModelProto { IrVersion = 8 };
        noGraph.OpsetImport.Add(TestModels.Opset(17));
        Assert.Contains("no graph", Rejected(dir, noGraph.ToByteArray()).Message, StringComparison.Ordinal);

        var noOpset = TestModels.MatMulIf();
        noOpset.OpsetImport.Clear();
        Assert.Contains("opset_import", Rejected(dir, noOpset.ToByteArray()).Message, StringComparison.Ordinal);

        var noOp = TestModels.MatMulIf();
        noOp.Graph.Node[0].ClearOpType();
        Assert.Contains("has no op_type", Rejected(dir, noOp.ToByteArray()).Message, StringComparison.Ordinal);

        var badSubgraph = TestModels.MatMulIf();
        badSubgraph.Graph.Node[2].Attribute[0].G.Node[0].ClearOpType();
        Assert.Contains("If.then_branch", Rejected(dir, badSubgraph.ToByteArray()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FilesOverTwoGigabytesAreRejectedWithAdvice()
    {
        using var dir = new TempDir();
        string path = dir.File("huge.onnx");
        using (var fs = File.Create(path)) fs.SetLength(OnnxModelFile.MaxProtobufBytes + 1); // sparse: no disk used
        var e = Assert.Throws<ModelFormatException>(() => OnnxModelFile.Load(path));
        Assert.Contains("2 GB", e.Message, StringComparison.Ordinal);
        Assert.Contains("external data", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptValueFilesAreRejected()
    {
        using var dir = new TempDir();
        var t = TestModels.RandomInitializer("x", 3, 4, 4).ToByteArray();
        string path = dir.File("input_0.pb");
        File.WriteAllBytes(path, t[..(t.Length - 7)]);
        var e = Assert.Throws<ModelFormatException>(() => OnnxModelFile.LoadTensor(path));
        Assert.Contains("TensorProto", e.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => OnnxModelFile.Load(dir.File("absent.onnx")));
    }

    [Fact]
    public void SaveRefusesModelsThatCannotBeOneMessage()
    {
        // A model with 3 GB of inline tensors cannot be built cheaply in a test; check the accounting against a small limit.
        var model = TestModels.MatMulIf(); // W 8192 + B 128 + two branch constants of 2048 bytes
        OnnxModelFile.CheckFitsOneMessage(model, "m.onnx", 8192 + 128 + 2 * 2048);
        var e = Assert.Throws<InvalidOperationException>(() => OnnxModelFile.CheckFitsOneMessage(model, "m.onnx", 8192 + 128 + 2 * 2048 - 1));
        Assert.Contains("SaveWithExternalData", e.Message, StringComparison.Ordinal);
        Assert.Contains("12416 bytes", e.Message, StringComparison.Ordinal);
    }
}
