using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx.Tests;

/// <summary>Graphs whose nodes read undefined values, or form a cycle, are rejected at import with the node named.</summary>
public sealed class BadGraphTests
{
    private static ModelProto Model(params NodeProto[] nodes)
    {
        var g = new GraphProto { Name = "bad" };
        g.Input.Add(TestModels.FloatInput("x", 2));
        g.Node.AddRange(nodes);
        g.Output.Add(new ValueInfoProto { Name = nodes[^1].Output[0] });
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(TestModels.Opset(17));
        return m;
    }

    [Fact]
    public void UndefinedInputIsRejected()
    {
        var ex = Assert.Throws<ModelFormatException>(() => OnnxImporter.Import(Model(TestModels.Node("Add", ["x", "nowhere"], ["y"]))));
        Assert.Contains("nowhere", ex.Message);
    }

    [Fact]
    public void CycleIsRejected()
    {
        // a = Relu(b); b = Relu(a): each reads a value that is only defined by the other
        var ex = Assert.Throws<ModelFormatException>(() => OnnxImporter.Import(Model(
            TestModels.Node("Relu", ["b"], ["a"]),
            TestModels.Node("Relu", ["a"], ["b"]))));
        Assert.Contains("'b'", ex.Message);
    }
}
