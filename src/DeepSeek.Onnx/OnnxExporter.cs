using DeepSeek.Graph;
using DeepSeek.Onnx.Protobuf;
using Google.Protobuf;
using IrGraph = DeepSeek.Graph.Graph;
using IrValueType = DeepSeek.Graph.ValueType;
using AttrType = DeepSeek.Onnx.Protobuf.AttributeProto.Types.AttributeType;

namespace DeepSeek.Onnx;

/// <summary>
/// The IR (<see cref="IrGraph"/>) → ONNX ModelProto: opset imports, inputs/outputs with types, constants as
/// initializers (raw_data), value_info for every typed intermediate value, nodes with their attributes, and
/// sub-graphs. Omitted optional inputs are written as empty names. Save the result with
/// <see cref="OnnxModelFile.Save(ModelProto, string)"/>, or <see cref="OnnxModelFile.SaveWithExternalData"/> for large models.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Producer name written into exported models.</summary>
    public const string ProducerName = "DeepSeek for .NET";

    /// <summary>
    /// Exports <paramref name="graph"/> (a root graph). <paramref name="irVersion"/> defaults to the lowest IR version
    /// that the default-domain opset requires (at least 4, so initializers need not be listed as inputs).
    /// </summary>
    public static ModelProto Export(IrGraph graph, long? irVersion = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph.Parent is not null)
            throw new ArgumentException($"OnnxExporter: graph '{graph.Name}' is a sub-graph; export its root graph.", nameof(graph));
        var model = new ModelProto
        {
            IrVersion = irVersion ?? IrVersionFor(graph.OpsetFor("")),
            ProducerName = ProducerName,
            Graph = ExportGraph(graph),
        };
        foreach (var (domain, version) in graph.OpsetImports.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        return model;
    }

    /// <summary>Lowest IR version that the ONNX releases paired with an opset of the default domain (at least 4).</summary>
    internal static long IrVersionFor(long opset) => opset switch
    {
        <= 9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        <= 22 => 10,
        23 => 11,
        24 => 12,
        _ => 13,
    };

    private static GraphProto ExportGraph(IrGraph g)
    {
        var proto = new GraphProto { Name = g.Name };
        var inputs = new HashSet<DeepSeek.Graph.Value>(g.Inputs);
        var outputs = new HashSet<DeepSeek.Graph.Value>(g.Outputs);
        foreach (var v in g.Inputs) proto.Input.Add(Info(v.Name, v.Type));
        foreach (var v in g.Values.Where(v => v.IsConstant))
            proto.Initializer.Add(TensorProtoConverter.ToTensorProto(v.Constant!, v.Name));
        foreach (var n in g.Nodes)
        {
            var np = new NodeProto { OpType = n.OpType };
            if (n.Name.Length > 0) np.Name = n.Name;
            if (n.Domain.Length > 0) np.Domain = n.Domain;
            foreach (var i in n.Inputs) np.Input.Add(i?.Name ?? "");
            foreach (var o in n.Outputs) np.Output.Add(o.Name);
            foreach (var (name, a) in n.Attributes) np.Attribute.Add(Attribute(name, a));
            proto.Node.Add(np);
        }
        foreach (var v in g.Values)
            if (v.Type is not null && !v.IsConstant && !inputs.Contains(v) && !outputs.Contains(v))
                proto.ValueInfo.Add(Info(v.Name, v.Type));
        foreach (var v in g.Outputs) proto.Output.Add(Info(v.Name, v.Type));
        return proto;
    }

    private static ValueInfoProto Info(string name, IrValueType? type)
    {
        var vi = new ValueInfoProto { Name = name };
        if (type is not null) vi.Type = OnnxTypes.ToProto(type);
        return vi;
    }

    private static AttributeProto Attribute(string name, AttributeValue a)
    {
        var p = new AttributeProto { Name = name };
        switch (a.Raw)
        {
            case long i: p.Type = AttrType.Int; p.I = i; break;
            case float f: p.Type = AttrType.Float; p.F = f; break;
            case string s: p.Type = AttrType.String; p.S = ByteString.CopyFromUtf8(s); break;
            case Tensor t: p.Type = AttrType.Tensor; p.T = TensorProtoConverter.ToTensorProto(t, ""); break;
            case IrGraph g: p.Type = AttrType.Graph; p.G = ExportGraph(g); break;
            case IrValueType tp: p.Type = AttrType.TypeProto; p.Tp = OnnxTypes.ToProto(tp); break;
            case long[] ints: p.Type = AttrType.Ints; p.Ints.AddRange(ints); break;
            case float[] floats: p.Type = AttrType.Floats; p.Floats.AddRange(floats); break;
            case string[] strings: p.Type = AttrType.Strings; p.Strings.AddRange(strings.Select(ByteString.CopyFromUtf8)); break;
            case Tensor[] ts: p.Type = AttrType.Tensors; p.Tensors.AddRange(ts.Select(t => TensorProtoConverter.ToTensorProto(t, ""))); break;
            case IrGraph[] gs: p.Type = AttrType.Graphs; p.Graphs.AddRange(gs.Select(ExportGraph)); break;
            case IrValueType[] tps: p.Type = AttrType.TypeProtos; p.TypeProtos.AddRange(tps.Select(OnnxTypes.ToProto)); break;
            default: throw new NotSupportedException($"OnnxExporter: attribute '{name}' of kind {a.Kind} has no ONNX encoding.");
        }
        return p;
    }
}
