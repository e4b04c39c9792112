// Common-subexpression elimination by value numbering (Cocke 1970; as in ONNX Runtime's CSE): first constants with
// equal dtype, shape and bytes are shared, then one forward sweep keys each node by (domain, op, input values,
// attributes — tensors by content) and points the readers of a repeat at the first node's outputs.
namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>
/// Merges identical constants (≤ <see cref="MaxSharedConstantBytes"/>) and identical deterministic nodes ("cse",
/// level 1). Random ops and nodes with sub-graphs are never merged; a repeat whose output is a graph output stays so
/// that output keeps its name.
/// </summary>
public sealed class CommonSubexpressionElimination : IGraphPass
{
    /// <summary>Constants larger than this are not compared byte by byte (weights are practically never duplicated).</summary>
    public const long MaxSharedConstantBytes = 1 << 20;

    /// <inheritdoc/>
    public string Name => "cse";

    /// <inheritdoc/>
    public int Level => 1;

    /// <inheritdoc/>
    public bool Run(Graph graph, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        var (constants, nodes) = Process(graph);
        if (constants + nodes > 0) context.Note(Name, $"shared {constants} constant(s), merged {nodes} node(s)");
        return constants + nodes > 0;
    }

    private static (int Constants, int Nodes) Process(Graph g)
    {
        int constants = ShareConstants(g), nodes = MergeNodes(g);
        foreach (var node in g.Nodes)
            foreach (var sub in node.SubGraphs())
            {
                var (c, n) = Process(sub);
                constants += c;
                nodes += n;
            }
        return (constants, nodes);
    }

    private static int ShareConstants(Graph g)
    {
        var groups = new Dictionary<int, List<(Value Value, byte[] Bytes)>>();
        int shared = 0;
        foreach (var c in g.Constants.ToList())
        {
            var t = c.Constant!;
            if (!PassKit.IsFixedConstant(g, c) || t.Numel * t.DType.SizeOf() > MaxSharedConstantBytes) continue;
            var bytes = PassKit.Bytes(t);
            int hash = PassKit.ContentHash(t, bytes);
            if (!groups.TryGetValue(hash, out var list)) groups[hash] = list = new();
            var same = list.FirstOrDefault(e => e.Value.Constant!.DType == t.DType && e.Value.Constant.Shape == t.Shape && e.Bytes.AsSpan().SequenceEqual(bytes));
            if (same.Value is null || g.Outputs.Contains(c))
            {
                list.Add((c, bytes));
                continue;
            }
            g.ReplaceAllUses(c, same.Value);
            shared++;
        }
        if (shared > 0) g.RemoveUnusedValues();
        return shared;
    }

    private static int MergeNodes(Graph g)
    {
        var seen = new Dictionary<NodeKey, Node>();
        var tensorBytes = new Dictionary<Tensor, byte[]>(ReferenceEqualityComparer.Instance);
        int merged = 0;
        foreach (var node in g.Nodes.ToList())
        {
            if (!Mergeable(node)) continue;
            var key = new NodeKey(node, tensorBytes);
            if (!seen.TryGetValue(key, out var first))
            {
                seen[key] = node;
                continue;
            }
            if (node.Outputs.Any(g.Outputs.Contains)) continue;
            g.RemoveNode(node);
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                first.Outputs[i].Type ??= node.Outputs[i].Type;
                g.ReplaceAllUses(node.Outputs[i], first.Outputs[i]);
            }
            PassKit.DisposeAttributes(node);
            merged++;
        }
        return merged;
    }

    private static bool Mergeable(Node n) =>
        (n.IsOnnx() || n.Domain == "deepseek") && n.Outputs.Count > 0 && !PassKit.IsRandom(n) &&
        !n.Attributes.Values.Any(a => a.Kind is AttributeKind.Graph or AttributeKind.Graphs);

    /// <summary>A node's identity for value numbering: domain, op, inputs (by reference), output count and attributes.</summary>
    private sealed class NodeKey : IEquatable<NodeKey>
    {
        private readonly Node _node;
        private readonly Dictionary<Tensor, byte[]> _bytes;
        private readonly int _hash;

        public NodeKey(Node node, Dictionary<Tensor, byte[]> bytes)
        {
            _node = node;
            _bytes = bytes;
            var h = new HashCode();
            h.Add(node.IsOnnx() ? "" : node.Domain);
            h.Add(node.OpType);
            h.Add(node.Outputs.Count);
            foreach (var i in node.Inputs) h.Add(i is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(i));
            foreach (var (name, a) in node.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                h.Add(name);
                h.Add(AttributeHash(a));
            }
            _hash = h.ToHashCode();
        }

        private byte[] BytesOf(Tensor t)
        {
            if (!_bytes.TryGetValue(t, out var b)) _bytes[t] = b = PassKit.Bytes(t);
            return b;
        }

        private int AttributeHash(AttributeValue a) => a.Raw switch
        {
            Tensor t => PassKit.ContentHash(t, BytesOf(t)),
            Tensor[] ts => ts.Aggregate(ts.Length, (acc, t) => HashCode.Combine(acc, PassKit.ContentHash(t, BytesOf(t)))),
            float f => BitConverter.SingleToInt32Bits(f),
            long[] ls => ls.Aggregate(ls.Length, HashCode.Combine),
            float[] fs => fs.Aggregate(fs.Length, (acc, f) => HashCode.Combine(acc, BitConverter.SingleToInt32Bits(f))),
            string[] ss => ss.Aggregate(ss.Length, (acc, s) => HashCode.Combine(acc, s)),
            _ => a.ToString().GetHashCode(StringComparison.Ordinal),
        };

        private bool SameAttribute(AttributeValue a, AttributeValue b)
        {
            if (a.Kind != b.Kind) return false;
            return (a.Raw, b.Raw) switch
            {
                (Tensor x, Tensor y) => SameTensor(x, y),
                (Tensor[] x, Tensor[] y) => x.Length == y.Length && x.Zip(y).All(p => SameTensor(p.First, p.Second)),
                (float x, float y) => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y),
                (long x, long y) => x == y,
                (string x, string y) => x == y,
                (long[] x, long[] y) => x.AsSpan().SequenceEqual(y),
                (float[] x, float[] y) => x.Select(BitConverter.SingleToInt32Bits).SequenceEqual(y.Select(BitConverter.SingleToInt32Bits)),
                (string[] x, string[] y) => x.SequenceEqual(y),
                _ => a.ToString() == b.ToString(), // types: their printed form is their identity
            };
        }

        private bool SameTensor(Tensor x, Tensor y) =>
            ReferenceEquals(x, y) || x.DType == y.DType && x.Shape == y.Shape && BytesOf(x).AsSpan().SequenceEqual(BytesOf(y));

        public bool Equals(NodeKey? other)
        {
            if (other is null || other._hash != _hash) return false;
            Node a = _node, b = other._node;
            if (a.OpType != b.OpType || (a.IsOnnx() ? "" : a.Domain) != (b.IsOnnx() ? "" : b.Domain) || a.Outputs.Count != b.Outputs.Count
                || a.Inputs.Count != b.Inputs.Count || a.Attributes.Count != b.Attributes.Count)
                return false;
            for (int i = 0; i < a.Inputs.Count; i++)
                if (!ReferenceEquals(a.Inputs[i], b.Inputs[i])) return false;
            foreach (var (name, attr) in a.Attributes)
                if (!b.Attributes.TryGetValue(name, out var other2) || !SameAttribute(attr, other2)) return false;
            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as NodeKey);

        public override int GetHashCode() => _hash;
    }
}
