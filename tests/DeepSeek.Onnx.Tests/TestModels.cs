using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx.Tests;

/// <summary>Small hand-built models for file tests.</summary>
internal static class TestModels
{
    public static OperatorSetIdProto Opset(long v, string domain = "") => new() { Domain = domain, Version = v };

    public static ValueInfoProto FloatInput(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    public static TensorProto RandomInitializer(string name, int seed, params int[] dims)
    {
        using var t = Tensor.RandN(new Shape(dims), new Generator((ulong)seed));
        return TensorProtoConverter.ToTensorProto(t, name);
    }

    /// <summary>
    /// Y = MatMul(X, W) + B, then If(cond) whose branches hold a large Constant each (a sub-graph tensor).
    /// W (64x32 floats, 8 KB) and the branch constants are above a 1 KB threshold; B (32 floats) is below.
    /// </summary>
    public static ModelProto MatMulIf()
    {
        var graph = new GraphProto { Name = "main" };
        graph.Input.Add(FloatInput("X", 1, 64));
        graph.Input.Add(new ValueInfoProto { Name = "cond", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 9 } } });
        graph.Output.Add(FloatInput("Z", 1, 32));
        graph.Initializer.Add(RandomInitializer("W", 1, 64, 32));
        graph.Initializer.Add(RandomInitializer("B", 2, 32));
        graph.Node.Add(Node("MatMul", ["X", "W"], ["XW"]));
        graph.Node.Add(Node("Add", ["XW", "B"], ["Y"]));
        var ifNode = Node("If", ["cond"], ["K"]);
        ifNode.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Branch("then", 3) });
        ifNode.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Branch("else", 4) });
        graph.Node.Add(ifNode);
        graph.Node.Add(Node("Add", ["Y", "K"], ["Z"]));
        var model = new ModelProto { IrVersion = 10, ProducerName = "DeepSeek.Onnx.Tests", Graph = graph };
        model.OpsetImport.Add(Opset(21));
        return model;
    }

    private static GraphProto Branch(string name, int seed)
    {
        var g = new GraphProto { Name = name };
        var c = Node("Constant", [], ["K_" + name]);
        c.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = RandomInitializer("k_" + name, seed, 1, 512) });
        g.Node.Add(c);
        g.Output.Add(FloatInput("K_" + name, 1, 512));
        return g;
    }

    public static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = op + "_" + string.Join("_", outputs) };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    /// <summary>A minimal model whose one initializer refers to external data with the given entries.</summary>
    public static ModelProto WithExternalInitializer(long[] dims, params (string Key, string Value)[] entries)
    {
        var t = new TensorProto { Name = "W", DataType = 1, DataLocation = TensorProto.Types.DataLocation.External };
        t.Dims.AddRange(dims);
        foreach (var (k, v) in entries) t.ExternalData.Add(new StringStringEntryProto { Key = k, Value = v });
        var graph = new GraphProto { Name = "g" };
        graph.Initializer.Add(t);
        graph.Node.Add(Node("Identity", ["W"], ["Y"]));
        graph.Output.Add(FloatInput("Y", dims));
        var model = new ModelProto { IrVersion = 10, Graph = graph };
        model.OpsetImport.Add(Opset(21));
        return model;
    }
}
