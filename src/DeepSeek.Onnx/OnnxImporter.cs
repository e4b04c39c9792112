using DeepSeek.Graph;
using DeepSeek.Onnx.Protobuf;
using IrGraph = DeepSeek.Graph.Graph;
using IrValue = DeepSeek.Graph.Value;
using IrValueType = DeepSeek.Graph.ValueType;
using AttrType = DeepSeek.Onnx.Protobuf.AttributeProto.Types.AttributeType;

namespace DeepSeek.Onnx;

/// <summary>
/// ONNX ModelProto → the IR (<see cref="IrGraph"/>): opset imports, graph inputs/outputs with their types and
/// symbolic shapes, initializers as constants (an initializer also listed as an input stays an input with a default),
/// value_info types, nodes with attributes of every kind the IR has, and sub-graphs (If/Loop/Scan bodies) whose
/// nodes may read outer-scope values. Omitted optional node inputs become null; omitted optional outputs get fresh
/// names that no name in the model uses.
/// </summary>
public static class OnnxImporter
{
    /// <summary>
    /// Imports <paramref name="model"/>. External tensors are read from <paramref name="externalDataDirectory"/>.
    /// The caller owns the graph (dispose it to free its constants).
    /// </summary>
    /// <exception cref="UnsupportedDataTypeException">An element type, value kind or attribute kind the IR cannot hold.</exception>
    /// <exception cref="NotSupportedException">Model-local functions, attribute references.</exception>
    /// <exception cref="ModelFormatException">Undefined or doubly defined values, malformed attributes.</exception>
    public static IrGraph Import(ModelProto model, string? externalDataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null) throw new ModelFormatException("OnnxImporter: the model has no graph.");
        if (model.Functions.Count > 0)
            throw new NotSupportedException($"OnnxImporter: model-local functions ({string.Join(", ", model.Functions.Select(f => f.Domain + "." + f.Name))}) are not supported yet.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        CollectNames(model.Graph, names);
        var importer = new Importer(externalDataDirectory, names);
        var graph = new IrGraph(string.IsNullOrEmpty(model.Graph.Name) ? "main" : model.Graph.Name);
        try
        {
            foreach (var o in model.OpsetImport)
                graph.OpsetImports[o.Domain == "ai.onnx" ? "" : o.Domain] = o.Version;
            importer.Fill(graph, model.Graph);
        }
        catch
        {
            graph.Dispose();
            throw;
        }
        return graph;
    }

    private static void CollectNames(GraphProto g, HashSet<string> names)
    {
        foreach (var v in g.Input) names.Add(v.Name);
        foreach (var t in g.Initializer) names.Add(t.Name);
        foreach (var n in g.Node)
        {
            foreach (var o in n.Output) names.Add(o);
            foreach (var a in n.Attribute)
            {
                if (a.G is not null) CollectNames(a.G, names);
                foreach (var s in a.Graphs) CollectNames(s, names);
            }
        }
    }

    private sealed class Importer(string? externalDataDirectory, HashSet<string> usedNames)
    {
        private int _fresh;

        public void Fill(IrGraph graph, GraphProto proto)
        {
            string where = $"OnnxImporter: graph '{graph.Name}'";
            var inputNames = new HashSet<string>(proto.Input.Select(i => i.Name), StringComparer.Ordinal);
            var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
            foreach (var t in proto.Initializer)
                if (!initializers.TryAdd(t.Name, t))
                    throw new ModelFormatException($"{where}: initializer '{t.Name}' is defined twice.");
            if (proto.SparseInitializer.Count > 0)
                throw new UnsupportedDataTypeException($"{where}: sparse initializers ({string.Join(", ", proto.SparseInitializer.Select(s => s.Values?.Name))}) are not supported.");

            foreach (var input in proto.Input)
            {
                var v = graph.AddInput(input.Name, OnnxTypes.ToIr(input.Type, $"{where} input '{input.Name}'"));
                if (initializers.TryGetValue(input.Name, out var init))
                    v.Constant = TensorProtoConverter.ToTensor(init, externalDataDirectory).DetachFromScope();
            }
            foreach (var t in proto.Initializer)
                if (!inputNames.Contains(t.Name))
                    graph.AddConstant(t.Name, TensorProtoConverter.ToTensor(t, externalDataDirectory));

            foreach (var n in proto.Node)
            {
                string nodeWhere = $"{where} node '{n.Name}' ({n.OpType})";
                var inputs = new List<IrValue?>(n.Input.Count);
                foreach (var name in n.Input)
                {
                    if (name.Length == 0) { inputs.Add(null); continue; }
                    inputs.Add(graph.Find(name) ?? throw new ModelFormatException($"{nodeWhere}: input '{name}' is not defined before the node (nor in an enclosing graph)."));
                }
                var outputs = n.Output.Select(o => o.Length == 0 ? FreshName(n.OpType) : o).ToArray();
                var node = graph.AddNode(n.OpType, inputs, outputs, n.Domain == "ai.onnx" ? "" : n.Domain, n.Name);
                foreach (var a in n.Attribute)
                {
                    if (!node.Attributes.TryAdd(a.Name, Attribute(graph, a, nodeWhere)))
                        throw new ModelFormatException($"{nodeWhere}: attribute '{a.Name}' is given twice.");
                }
            }

            foreach (var vi in proto.ValueInfo)
            {
                var v = graph.Values.FirstOrDefault(x => x.Name == vi.Name);
                var type = OnnxTypes.ToIr(vi.Type, $"{where} value_info '{vi.Name}'");
                if (v is not null && type is not null && !v.IsConstant) v.Type = type;
            }
            foreach (var o in proto.Output)
            {
                var v = graph.Find(o.Name) ?? throw new ModelFormatException($"{where}: output '{o.Name}' is not computed by any node, input or initializer.");
                var type = OnnxTypes.ToIr(o.Type, $"{where} output '{o.Name}'");
                if (type is not null && v.Producer?.Owner == graph) v.Type = type;
                graph.AddOutput(v);
            }
        }

        private AttributeValue Attribute(IrGraph owner, AttributeProto a, string where)
        {
            string what = $"{where} attribute '{a.Name}'";
            if (a.HasRefAttrName)
                throw new NotSupportedException($"{what} refers to function attribute '{a.RefAttrName}'; attribute references are only meaningful in function bodies.");
            var type = a.HasType && a.Type != AttrType.Undefined ? a.Type : InferType(a, what);
            switch (type)
            {
                case AttrType.Float: return AttributeValue.Of(a.F);
                case AttrType.Int: return AttributeValue.Of(a.I);
                case AttrType.String: return AttributeValue.Of(a.S.ToStringUtf8());
                case AttrType.Tensor: return AttributeValue.Of(Tensor(a.T, what));
                case AttrType.Graph: return AttributeValue.Of(SubGraph(owner, a.G, what));
                case AttrType.TypeProto: return AttributeValue.Of(OnnxTypes.ToIr(a.Tp, what) ?? throw new ModelFormatException($"{what}: TYPE_PROTO attribute with no type."));
                case AttrType.Floats: return AttributeValue.Of(a.Floats.ToArray());
                case AttrType.Ints: return AttributeValue.Of(a.Ints.ToArray());
                case AttrType.Strings: return AttributeValue.Of(a.Strings.Select(s => s.ToStringUtf8()).ToArray());
                case AttrType.Tensors:
                {
                    var list = new List<Tensor>();
                    try { foreach (var t in a.Tensors) list.Add(Tensor(t, what)); }
                    catch { foreach (var t in list) t.Dispose(); throw; }
                    return AttributeValue.Of(list.ToArray());
                }
                case AttrType.Graphs:
                {
                    var list = new List<IrGraph>();
                    try { foreach (var g in a.Graphs) list.Add(SubGraph(owner, g, what)); }
                    catch { foreach (var g in list) g.Dispose(); throw; }
                    return AttributeValue.Of(list.ToArray());
                }
                case AttrType.TypeProtos:
                    return AttributeValue.Of(a.TypeProtos.Select(t => OnnxTypes.ToIr(t, what) ?? throw new ModelFormatException($"{what}: empty TYPE_PROTO in list.")).ToArray());
                case AttrType.SparseTensor or AttrType.SparseTensors:
                    throw new UnsupportedDataTypeException($"{what}: sparse tensor attributes are not supported.");
                default:
                    throw new ModelFormatException($"{what}: unknown attribute type {(int)type}.");
            }
        }

        private Tensor Tensor(TensorProto? t, string what)
        {
            if (t is null) throw new ModelFormatException($"{what}: TENSOR attribute without a tensor (field t).");
            return TensorProtoConverter.ToTensor(t, externalDataDirectory).DetachFromScope();
        }

        private IrGraph SubGraph(IrGraph owner, GraphProto? g, string what)
        {
            if (g is null) throw new ModelFormatException($"{what}: GRAPH attribute without a graph (field g).");
            var sub = new IrGraph(string.IsNullOrEmpty(g.Name) ? owner.FreshName("subgraph") : g.Name, owner);
            try { Fill(sub, g); }
            catch { sub.Dispose(); throw; }
            return sub;
        }

        /// <summary>Attributes written before IR version 2 may leave the type unset; the populated field tells it.</summary>
        private static AttrType InferType(AttributeProto a, string what)
        {
            if (a.Floats.Count > 0) return AttrType.Floats;
            if (a.Ints.Count > 0) return AttrType.Ints;
            if (a.Strings.Count > 0) return AttrType.Strings;
            if (a.Tensors.Count > 0) return AttrType.Tensors;
            if (a.Graphs.Count > 0) return AttrType.Graphs;
            if (a.TypeProtos.Count > 0) return AttrType.TypeProtos;
            if (a.T is not null) return AttrType.Tensor;
            if (a.G is not null) return AttrType.Graph;
            if (a.Tp is not null) return AttrType.TypeProto;
            if (a.HasS) return AttrType.String;
            if (a.HasI) return AttrType.Int;
            if (a.HasF) return AttrType.Float;
            throw new ModelFormatException($"{what} has no type and no value.");
        }

        private string FreshName(string opType)
        {
            string n;
            do n = $"{opType}__unused_{_fresh++}"; while (!usedNames.Add(n));
            return n;
        }
    }
}
