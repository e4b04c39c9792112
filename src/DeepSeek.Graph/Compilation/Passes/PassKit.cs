// Rewrite helpers the basic passes share: which values are true constants (an initializer that is also a graph
// input can be overridden at run time, so it is not), which nodes are random, and node replacement that keeps the
// graph's output names (a graph output is an API: callers look results up by name).
using DeepSeek.Graph.Ops;

namespace DeepSeek.Graph.Compilation.Passes;

internal static class PassKit
{
    /// <summary>ONNX ops whose results are random: never merged, folded or duplicated, removed only when unused.</summary>
    private static readonly HashSet<string> RandomOps = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
    };

    /// <summary>True when <paramref name="v"/> is a constant whose data cannot change at run time (not also a graph input of <paramref name="g"/> or an enclosing graph).</summary>
    public static bool IsFixedConstant(Graph g, Value? v)
    {
        if (v is null || !v.IsConstant) return false;
        for (var s = g; s is not null; s = s.Parent)
            if (s.Inputs.Contains(v)) return false;
        return true;
    }

    /// <summary>The data of <paramref name="v"/> when <see cref="IsFixedConstant"/>, else null.</summary>
    public static Tensor? FixedData(Graph g, Value? v) => IsFixedConstant(g, v) ? v!.Constant : null;

    /// <summary>True for ops with random results (and Dropout that may run in training mode).</summary>
    public static bool IsRandom(Node node) =>
        node.IsOnnx() && (RandomOps.Contains(node.OpType) || node.OpType == "Dropout" && !IsInferenceDropout(node));

    /// <summary>
    /// True when a Dropout node is the identity: opset ≥ 12 with training_mode absent or a constant false; opsets 7–11
    /// (always inference); opsets below 7 with is_test = 1.
    /// </summary>
    public static bool IsInferenceDropout(Node node)
    {
        long opset = node.Owner.OpsetFor(node.Domain);
        if (opset >= 12)
        {
            if (node.Inputs.Count < 3 || node.Inputs[2] is null) return true;
            var t = FixedData(node.Owner, node.Inputs[2]);
            return t is not null && t.Numel == 1 && t.ToDoubleArray()[0] == 0;
        }
        return opset >= 7 || node.GetInt("is_test", 0) != 0;
    }

    /// <summary>True when <paramref name="v"/> is read by a node of <paramref name="g"/> (sub-graph reads included) or is one of its outputs.</summary>
    public static bool IsUsed(Graph g, Value v)
    {
        if (g.Outputs.Contains(v)) return true;
        foreach (var n in g.Nodes)
        {
            if (n.Inputs.Contains(v)) return true;
            foreach (var s in n.SubGraphs())
                if (s.OuterReads().Contains(v)) return true;
        }
        return false;
    }

    /// <summary>
    /// Inserts a node at <paramref name="index"/> that defines the existing values <paramref name="outputs"/> (their old
    /// producers must already be removed), so names — graph outputs included — survive the rewrite.
    /// </summary>
    public static Node Place(Graph g, int index, string opType, string domain, string name, IEnumerable<Value?> inputs,
        IEnumerable<Value> outputs, IEnumerable<KeyValuePair<string, AttributeValue>> attributes)
    {
        var node = new Node(g, name, opType, domain);
        foreach (var i in inputs) node.AddInput(i);
        foreach (var o in outputs)
        {
            if (o.Producer is not null)
                throw new InvalidOperationException($"Graph '{g.Name}': value '%{o.Name}' is still produced by {o.Producer}; remove that node first.");
            node.AddOutput(o);
            o.Producer = node;
        }
        foreach (var (k, a) in attributes) node.Attributes[k] = a;
        g.Nodes.Insert(index, node);
        return node;
    }

    /// <summary>
    /// Removes <paramref name="node"/>, whose output <paramref name="output"/> equals <paramref name="source"/> (its other
    /// outputs must be unused). When that output is a graph output, <paramref name="source"/>'s producer is rebuilt to
    /// define it directly; when that is impossible (source is a graph input, constant, outer value or itself a graph
    /// output) nothing changes and false is returned.
    /// </summary>
    public static bool Bypass(Graph g, Node node, int output, Value source)
    {
        var dst = node.Outputs[output];
        if (!g.Outputs.Contains(dst))
        {
            g.RemoveNode(node);
            DisposeAttributes(node);
            g.ReplaceAllUses(dst, source);
            return true;
        }
        if (source.Producer is not { } p || p.Owner != g || g.Outputs.Contains(source) || g.Inputs.Contains(source)) return false;
        g.RemoveNode(node);
        DisposeAttributes(node);
        int at = g.Nodes.IndexOf(p);
        g.RemoveNode(p);
        dst.Type ??= source.Type;
        Place(g, at, p.OpType, p.Domain, p.Name, p.Inputs, p.Outputs.Select(o => o == source ? dst : o).ToList(), p.Attributes);
        g.ReplaceAllUses(source, dst);
        return true;
    }

    /// <summary>Frees the tensors and sub-graphs held in the attributes of a node that left the graph.</summary>
    public static void DisposeAttributes(Node node)
    {
        foreach (var a in node.Attributes.Values)
            switch (a.Raw)
            {
                case Tensor t: t.Dispose(); break;
                case Tensor[] ts: foreach (var t in ts) t.Dispose(); break;
                case Graph sg: sg.Dispose(); break;
                case Graph[] gs: foreach (var sg in gs) sg.Dispose(); break;
            }
    }

    /// <summary>"Conv 'conv1'" for log lines, or "Conv → %y" when the node has no name (traced graphs).</summary>
    public static string Describe(Node node) =>
        node.Name.Length > 0 ? $"{node.OpType} '{node.Name}'" : $"{node.OpType} → %{string.Join(", %", node.Outputs.Select(o => o.Name))}";

    /// <summary>Row-major bytes of a tensor (any dtype, any layout).</summary>
    public static byte[] Bytes(Tensor t) => ShapeKit.Bytes(t);

    /// <summary>True when the tensors have equal dtype, shape and bytes.</summary>
    public static bool SameContent(Tensor a, Tensor b) =>
        ReferenceEquals(a, b) || a.DType == b.DType && a.Shape == b.Shape && Bytes(a).AsSpan().SequenceEqual(Bytes(b));

    /// <summary>A hash of dtype, shape and bytes.</summary>
    public static int ContentHash(Tensor t, byte[]? bytes = null)
    {
        var h = new HashCode();
        h.Add(t.DType);
        foreach (var d in t.Shape.Dims) h.Add(d);
        h.AddBytes(bytes ?? Bytes(t));
        return h.ToHashCode();
    }
}
