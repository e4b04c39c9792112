// Applies a matched fusion: removes the matched nodes and inserts the replacement at the earliest position after every
// producer of its inputs, checking first that this is still before every other reader of the values it takes over.
// The fused node re-binds the old Value objects, so names, static types and graph-output roles survive the rewrite.
namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>One pending rewrite: matched nodes to remove, helper nodes to add, and the fused node producing existing values.</summary>
internal sealed class FusionRewrite(Graph graph)
{
    private readonly List<Node> _remove = new();
    private readonly List<Node> _helpers = new();

    /// <summary>Marks matched nodes for removal.</summary>
    public FusionRewrite Remove(params IEnumerable<Node?> nodes)
    {
        foreach (var n in nodes)
            if (n is not null && !_remove.Contains(n)) _remove.Add(n);
        return this;
    }

    /// <summary>
    /// Creates a helper node (a transpose of K, a mask) with one fresh output of type <paramref name="type"/>; it is placed
    /// just before the fused node by <see cref="Apply"/>, or dropped again when the rewrite cannot be applied.
    /// </summary>
    public Value Helper(string op, Value?[] inputs, ValueType? type, params (string Name, AttributeValue Value)[] attrs)
    {
        var n = graph.AddNode(op, inputs, [""]);
        foreach (var (k, a) in attrs) n.Attributes[k] = a;
        n.Outputs[0].Type = type;
        _helpers.Add(n);
        return n.Outputs[0];
    }

    /// <summary>
    /// Inserts the fused node reading <paramref name="inputs"/> and producing the existing values <paramref name="outputs"/>
    /// (outputs of removed nodes); returns it, or null with the graph unchanged when no position satisfies every reader.
    /// </summary>
    public Node? Apply(UseMap uses, string op, string domain, Value?[] inputs, Value[] outputs, params (string Name, AttributeValue Value)[] attrs)
    {
        var index = new Dictionary<Node, int>();
        for (int i = 0; i < graph.Nodes.Count; i++) index[graph.Nodes[i]] = i;
        var removed = new HashSet<Node>(_remove);
        var helpers = new HashSet<Node>(_helpers);
        int lo = 0, hi = graph.Nodes.Count;
        foreach (var v in inputs.Concat(_helpers.SelectMany(h => h.Inputs)))
        {
            if (v?.Producer is not { } p || helpers.Contains(p) || !index.TryGetValue(p, out int pi)) continue;
            if (removed.Contains(p)) throw new InvalidOperationException($"fusion {op}: {p} is removed but the replacement still reads %{v.Name}.");
            lo = Math.Max(lo, pi + 1);
        }
        foreach (var v in outputs)
            foreach (var r in uses.Readers(v))
                if (!removed.Contains(r) && index.TryGetValue(r, out int ri)) hi = Math.Min(hi, ri);
        if (lo > hi)
        {
            Abandon();
            return null;
        }
        int pos = graph.Nodes.Take(lo).Count(n => !removed.Contains(n));
        var fedByRemoved = _remove.SelectMany(n => n.Inputs).Where(v => v is not null).Select(v => v!).Distinct().ToList();
        // the fused node keeps the name (module path) of the node whose output it takes over, so profiles group it by layer
        string name = outputs.Select(o => o.Producer).FirstOrDefault(p => p is not null && removed.Contains(p) && p.Name.Length > 0)?.Name
            ?? _remove.FirstOrDefault(n => n.Name.Length > 0)?.Name ?? "";
        foreach (var n in _remove) graph.RemoveNode(n);
        foreach (var h in _helpers)
        {
            graph.Nodes.Remove(h);
            graph.Nodes.Insert(pos++, h);
        }
        var fused = graph.InsertNode(pos, op, inputs, [], domain, name);
        foreach (var o in outputs)
        {
            fused.AddOutput(o);
            o.Producer = fused;
        }
        foreach (var (k, a) in attrs) fused.Attributes[k] = a;
        RemoveDeadConstantNodes(fedByRemoved);
        return fused;
    }

    /// <summary>Drops the helper nodes created so far (the match was given up).</summary>
    public void Abandon()
    {
        foreach (var h in _helpers) graph.RemoveNode(h);
        _helpers.Clear();
    }

    // Constant nodes that only fed the removed nodes (scale factors, 1, 0.5 …) go with them.
    private void RemoveDeadConstantNodes(List<Value> candidates)
    {
        var live = new HashSet<Value>(graph.Outputs);
        foreach (var n in graph.Nodes)
        {
            foreach (var i in n.Inputs) if (i is not null) live.Add(i);
            foreach (var g in n.SubGraphs()) foreach (var v in g.OuterReads()) live.Add(v);
        }
        foreach (var v in candidates)
            if (v.Producer is { } p && p.Is("Constant") && !live.Contains(v) && graph.Nodes.Contains(p)) graph.RemoveNode(p);
    }
}
