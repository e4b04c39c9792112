using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx;

/// <summary>
/// Finds every <see cref="TensorProto"/> a model holds: graph initializers (dense and sparse), tensor-valued
/// attributes, and the same inside every sub-graph (If/Loop/Scan bodies), function bodies and training graphs.
/// </summary>
internal static class ProtoWalk
{
    public static IEnumerable<TensorProto> Tensors(ModelProto model)
    {
        if (model.Graph is not null)
            foreach (var t in Tensors(model.Graph)) yield return t;
        foreach (var f in model.Functions)
            foreach (var t in NodeTensors(f.Node)) yield return t;
        foreach (var ti in model.TrainingInfo)
        {
            if (ti.Initialization is not null)
                foreach (var t in Tensors(ti.Initialization)) yield return t;
            if (ti.Algorithm is not null)
                foreach (var t in Tensors(ti.Algorithm)) yield return t;
        }
    }

    public static IEnumerable<TensorProto> Tensors(GraphProto graph)
    {
        foreach (var t in graph.Initializer) yield return t;
        foreach (var s in graph.SparseInitializer)
            foreach (var t in Sparse(s)) yield return t;
        foreach (var t in NodeTensors(graph.Node)) yield return t;
    }

    private static IEnumerable<TensorProto> NodeTensors(IEnumerable<NodeProto> nodes)
    {
        foreach (var node in nodes)
            foreach (var a in node.Attribute)
            {
                if (a.T is not null) yield return a.T;
                foreach (var t in a.Tensors) yield return t;
                if (a.SparseTensor is not null)
                    foreach (var t in Sparse(a.SparseTensor)) yield return t;
                foreach (var s in a.SparseTensors)
                    foreach (var t in Sparse(s)) yield return t;
                if (a.G is not null)
                    foreach (var t in Tensors(a.G)) yield return t;
                foreach (var g in a.Graphs)
                    foreach (var t in Tensors(g)) yield return t;
            }
    }

    private static IEnumerable<TensorProto> Sparse(SparseTensorProto s)
    {
        if (s.Values is not null) yield return s.Values;
        if (s.Indices is not null) yield return s.Indices;
    }

    /// <summary>Product of the dims, checked: negative dims or overflow are a format error.</summary>
    public static long Numel(TensorProto t, string source)
    {
        long n = 1;
        foreach (var d in t.Dims)
        {
            if (d < 0)
                throw new ModelFormatException($"{source}: tensor '{t.Name}' has negative dimension {d} in dims [{string.Join(", ", t.Dims)}].");
            try { n = checked(n * d); }
            catch (OverflowException)
            {
                throw new ModelFormatException($"{source}: tensor '{t.Name}' dims [{string.Join(", ", t.Dims)}] overflow a 64-bit element count.");
            }
        }
        return n;
    }
}
