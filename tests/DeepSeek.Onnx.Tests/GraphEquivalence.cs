using DeepSeek.Graph;
using IrGraph = DeepSeek.Graph.Graph;
using IrValueType = DeepSeek.Graph.ValueType;

namespace DeepSeek.Onnx.Tests;

/// <summary>Deep structural equality of two IR graphs: names, types, constants (bit-exact), nodes, attributes, sub-graphs.</summary>
internal static class GraphEquivalence
{
    public static void AssertEquivalent(IrGraph a, IrGraph b, string path = "")
    {
        path = path.Length == 0 ? a.Name : path;
        Assert.Equal(a.Name, b.Name);
        if (a.Parent is null)
            Assert.Equal(a.OpsetImports.OrderBy(k => k.Key), b.OpsetImports.OrderBy(k => k.Key));
        ValuesEqual(a.Inputs, b.Inputs, path + " inputs");
        ValuesEqual(a.Outputs, b.Outputs, path + " outputs");
        ValuesEqual(a.Values.OrderBy(v => v.Name, StringComparer.Ordinal).ToList(), b.Values.OrderBy(v => v.Name, StringComparer.Ordinal).ToList(), path + " values");
        Assert.True(a.Nodes.Count == b.Nodes.Count, $"{path}: {a.Nodes.Count} vs {b.Nodes.Count} nodes");
        for (int i = 0; i < a.Nodes.Count; i++)
        {
            Node x = a.Nodes[i], y = b.Nodes[i];
            string where = $"{path} node {i} {x.OpType}";
            Assert.Equal(x.OpType, y.OpType);
            Assert.Equal(x.Domain, y.Domain);
            Assert.Equal(x.Name, y.Name);
            Assert.Equal(x.Inputs.Select(v => v?.Name), y.Inputs.Select(v => v?.Name));
            Assert.Equal(x.Outputs.Select(v => v.Name), y.Outputs.Select(v => v.Name));
            Assert.True(x.Attributes.Keys.Order().SequenceEqual(y.Attributes.Keys.Order()), $"{where}: attribute names differ");
            foreach (var (name, av) in x.Attributes)
                AttributeEqual(av, y.Attributes[name], $"{where}.{name}");
        }
    }

    private static void ValuesEqual(IReadOnlyList<DeepSeek.Graph.Value> a, IReadOnlyList<DeepSeek.Graph.Value> b, string where)
    {
        Assert.True(a.Count == b.Count, $"{where}: {a.Count} vs {b.Count}");
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Name, b[i].Name);
            Assert.True(TypeEqual(a[i].Type, b[i].Type), $"{where} '{a[i].Name}': type {a[i].Type} vs {b[i].Type}");
            Assert.Equal(a[i].IsConstant, b[i].IsConstant);
            if (a[i].IsConstant) TensorEqual(a[i].Constant!, b[i].Constant!, $"{where} '{a[i].Name}'");
        }
    }

    public static bool TypeEqual(IrValueType? a, IrValueType? b) => (a, b) switch
    {
        (null, null) => true,
        (TensorType x, TensorType y) => x.ElementType == y.ElementType
            && (x.Shape is null ? y.Shape is null : y.Shape is not null && x.Shape.SequenceEqual(y.Shape)),
        (SequenceType x, SequenceType y) => TypeEqual(x.Element, y.Element),
        (OptionalType x, OptionalType y) => TypeEqual(x.Element, y.Element),
        _ => false,
    };

    private static void TensorEqual(Tensor a, Tensor b, string where)
    {
        Assert.True(a.DType == b.DType && a.Shape == b.Shape, $"{where}: {a.DType}{a.Shape} vs {b.DType}{b.Shape}");
        var pa = TensorProtoConverter.ToTensorProto(a, "");
        var pb = TensorProtoConverter.ToTensorProto(b, "");
        Assert.True(pa.RawData.Span.SequenceEqual(pb.RawData.Span), $"{where}: tensor bytes differ");
    }

    private static void AttributeEqual(AttributeValue a, AttributeValue b, string where)
    {
        Assert.Equal(a.Kind, b.Kind);
        switch (a.Raw)
        {
            case Tensor t: TensorEqual(t, (Tensor)b.Raw, where); break;
            case Tensor[] ts:
                var us = (Tensor[])b.Raw;
                Assert.Equal(ts.Length, us.Length);
                for (int i = 0; i < ts.Length; i++) TensorEqual(ts[i], us[i], $"{where}[{i}]");
                break;
            case IrGraph g: AssertEquivalent(g, (IrGraph)b.Raw, $"{where}/{g.Name}"); break;
            case IrGraph[] gs:
                var hs = (IrGraph[])b.Raw;
                Assert.Equal(gs.Length, hs.Length);
                for (int i = 0; i < gs.Length; i++) AssertEquivalent(gs[i], hs[i], $"{where}[{i}]");
                break;
            case IrValueType t: Assert.True(TypeEqual(t, (IrValueType)b.Raw), where); break;
            case IrValueType[] ts2:
                var ts3 = (IrValueType[])b.Raw;
                Assert.True(ts2.Length == ts3.Length && ts2.Zip(ts3).All(p => TypeEqual(p.First, p.Second)), where);
                break;
            case float f: Assert.Equal(BitConverter.SingleToInt32Bits(f), BitConverter.SingleToInt32Bits((float)b.Raw)); break;
            case float[] fs: Assert.Equal(fs.Select(BitConverter.SingleToInt32Bits), ((float[])b.Raw).Select(BitConverter.SingleToInt32Bits)); break;
            case long[] ls: Assert.Equal(ls, (long[])b.Raw); break;
            case string[] ss: Assert.Equal(ss, (string[])b.Raw); break;
            default: Assert.Equal(a.Raw, b.Raw); break;
        }
    }
}
