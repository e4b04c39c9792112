// Editing primitives the compiler passes share: insert/remove nodes, redirect uses of a value, find readers
// (reads inside sub-graphs count as reads by the node that owns the sub-graph), drop values nothing refers to,
// and deep-copy a graph so compiling never mutates the caller's graph.
namespace DeepSeek.Graph;

public sealed partial class Graph
{
    /// <summary>Inserts a node at <paramref name="index"/> of <see cref="Nodes"/> (see <see cref="AddNode"/>).</summary>
    public Node InsertNode(int index, string opType, IEnumerable<Value?> inputs, IEnumerable<string> outputs, string domain = "", string? name = null)
    {
        var node = AddNode(opType, inputs, outputs, domain, name);
        Nodes.RemoveAt(Nodes.Count - 1);
        Nodes.Insert(index, node);
        return node;
    }

    /// <summary>Appends an input to <paramref name="node"/> (e.g. a bias a fusion adds).</summary>
    public static void AppendInput(Node node, Value? v)
    {
        ArgumentNullException.ThrowIfNull(node);
        node.AddInput(v);
    }

    /// <summary>
    /// Makes every reader of <paramref name="old"/> — nodes of this graph and of its sub-graphs, and this graph's
    /// outputs — read <paramref name="replacement"/> instead.
    /// </summary>
    public void ReplaceAllUses(Value old, Value replacement)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(replacement);
        foreach (var n in Nodes)
        {
            for (int i = 0; i < n.Inputs.Count; i++)
                if (n.Inputs[i] == old) n.SetInput(i, replacement);
            foreach (var g in n.SubGraphs()) g.ReplaceAllUses(old, replacement);
        }
        for (int i = 0; i < Outputs.Count; i++)
            if (Outputs[i] == old) Outputs[i] = replacement;
    }

    /// <summary>Removes <paramref name="node"/>; its outputs lose their producer (drop them with <see cref="RemoveUnusedValues"/>).</summary>
    public void RemoveNode(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!Nodes.Remove(node)) throw new ArgumentException($"Graph '{Name}': node {node} is not in this graph.", nameof(node));
        foreach (var o in node.Outputs) o.Producer = null;
    }

    /// <summary>
    /// Readers of each value as (node, input index) in this graph; a value read inside a sub-graph is listed with
    /// the owning node and index −1. Graph outputs are not listed (check <see cref="Outputs"/>).
    /// </summary>
    public Dictionary<Value, List<(Node Node, int Index)>> BuildUseMap()
    {
        var map = new Dictionary<Value, List<(Node, int)>>();
        void Add(Value v, Node n, int i)
        {
            if (!map.TryGetValue(v, out var l)) map[v] = l = new();
            l.Add((n, i));
        }
        foreach (var n in Nodes)
        {
            for (int i = 0; i < n.Inputs.Count; i++)
                if (n.Inputs[i] is { } v) Add(v, n, i);
            foreach (var g in n.SubGraphs())
                foreach (var v in g.OuterReads()) Add(v, n, -1);
        }
        return map;
    }

    /// <summary>Values a sub-graph (and its own sub-graphs) reads from enclosing graphs.</summary>
    public IEnumerable<Value> OuterReads()
    {
        var seen = new HashSet<Value>();
        foreach (var n in Nodes)
        {
            foreach (var v in n.Inputs)
                if (v is not null && !Defines(v) && seen.Add(v)) yield return v;
            foreach (var g in n.SubGraphs())
                foreach (var v in g.OuterReads())
                    if (!Defines(v) && seen.Add(v)) yield return v;
        }
        foreach (var o in Outputs)
            if (!Defines(o) && seen.Add(o)) yield return o;
    }

    /// <summary>True when <paramref name="v"/> is defined in this graph (not an enclosing one).</summary>
    public bool Defines(Value v) => _values.TryGetValue(v.Name, out var mine) && ReferenceEquals(mine, v);

    /// <summary>
    /// Forgets values nothing refers to any more (not an input or output, not produced by a node of this graph, not read
    /// by any node here or in sub-graphs) and frees orphaned constants. Returns how many were dropped.
    /// </summary>
    public int RemoveUnusedValues()
    {
        var live = new HashSet<Value>(Inputs);
        foreach (var o in Outputs) live.Add(o);
        foreach (var n in Nodes)
        {
            foreach (var i in n.Inputs) if (i is not null) live.Add(i);
            foreach (var o in n.Outputs) live.Add(o);
            foreach (var g in n.SubGraphs()) foreach (var v in g.OuterReads()) live.Add(v);
        }
        int dropped = 0;
        foreach (var (name, v) in _values.ToList())
        {
            if (live.Contains(v)) continue;
            _values.Remove(name);
            v.Constant?.Dispose();
            v.Constant = null;
            dropped++;
        }
        return dropped;
    }

    /// <summary>
    /// A deep copy: new nodes and values with the same names, types and attributes; constants and tensor attributes
    /// are views sharing the original's memory (read-only by convention — passes that change a constant add a new one).
    /// </summary>
    public Graph Clone() => CloneInto(null, new Dictionary<Value, Value>());

    private Graph CloneInto(Graph? parent, Dictionary<Value, Value> map)
    {
        var g = new Graph(Name, parent) { _nextId = _nextId };
        foreach (var (k, v) in OpsetImports) g.OpsetImports[k] = v;
        foreach (var v in _values.Values)
        {
            if (v.Producer is not null) continue;
            var copy = v.Constant is { } c
                ? g.Define(v.Name, v.Type, null, c.Detach().DetachFromScope())
                : g.Define(v.Name, v.Type, null, null);
            map[v] = copy;
        }
        foreach (var i in Inputs) g.Inputs.Add(map[i]);
        foreach (var n in Nodes)
        {
            var m = g.AddNode(n.OpType, n.Inputs.Select(i => i is null ? null : map.TryGetValue(i, out var mi) ? mi : i),
                n.Outputs.Select(o => o.Name), n.Domain, n.Name);
            for (int o = 0; o < n.Outputs.Count; o++)
            {
                m.Outputs[o].Type = n.Outputs[o].Type;
                map[n.Outputs[o]] = m.Outputs[o];
            }
            foreach (var (k, a) in n.Attributes)
                m.Attributes[k] = a.Raw switch
                {
                    Graph sg => AttributeValue.Of(sg.CloneInto(g, map)),
                    Graph[] sgs => AttributeValue.Of(sgs.Select(s => s.CloneInto(g, map)).ToArray()),
                    Tensor t => AttributeValue.Of(t.Detach().DetachFromScope()),
                    Tensor[] ts => AttributeValue.Of(ts.Select(t => t.Detach().DetachFromScope()).ToArray()),
                    _ => a,
                };
        }
        // values of this graph that no node produces and that are neither inputs nor constants (dangling) keep their names
        foreach (var o in Outputs) g.Outputs.Add(map.TryGetValue(o, out var mo) ? mo : o);
        return g;
    }
}

/// <summary>Node helpers for passes.</summary>
public static class NodeExtensions
{
    /// <summary>The sub-graphs held in <paramref name="node"/>'s attributes (If branches, Loop/Scan bodies).</summary>
    public static IEnumerable<Graph> SubGraphs(this Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (var a in node.Attributes.Values)
        {
            if (a.Raw is Graph g) yield return g;
            else if (a.Raw is Graph[] gs) foreach (var s in gs) yield return s;
        }
    }

    /// <summary>True for the ONNX default domain ("" or "ai.onnx").</summary>
    public static bool IsOnnx(this Node node) => node.Domain is "" or "ai.onnx";

    /// <summary>True when <paramref name="node"/> is the ONNX op <paramref name="opType"/>.</summary>
    public static bool Is(this Node node, string opType) => node.OpType == opType && node.IsOnnx();
}
