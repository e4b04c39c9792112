using System.Text;

namespace DeepSeek.Graph;

/// <summary>
/// The one IR shared by the ONNX importer/exporter, the tracer, the compiler passes and the executor: typed values,
/// nodes in topological order, graph inputs/outputs, constants, and nested sub-graphs (If/Loop/Scan bodies) that
/// may read values of their enclosing graphs by name. A graph owns its constants' tensors.
/// </summary>
public sealed partial class Graph : IDisposable
{
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private int _nextId;

    /// <summary>Creates an empty graph; <paramref name="parent"/> is the enclosing graph of a sub-graph.</summary>
    public Graph(string name = "main", Graph? parent = null)
    {
        Name = name;
        Parent = parent;
    }

    /// <summary>Graph name.</summary>
    public string Name { get; set; }

    /// <summary>The enclosing graph of a sub-graph, null for the main graph.</summary>
    public Graph? Parent { get; }

    /// <summary>Nodes in execution (topological) order.</summary>
    public List<Node> Nodes { get; } = new();

    /// <summary>Graph inputs in order.</summary>
    public List<Value> Inputs { get; } = new();

    /// <summary>Graph outputs in order.</summary>
    public List<Value> Outputs { get; } = new();

    /// <summary>Operator-set versions by domain ("" = ONNX default). Sub-graphs use their root's.</summary>
    public Dictionary<string, long> OpsetImports { get; } = new(StringComparer.Ordinal);

    /// <summary>The top-level graph.</summary>
    public Graph Root => Parent?.Root ?? this;

    /// <summary>Opset version in effect for <paramref name="domain"/> (the root's import; "ai.onnx" = "").</summary>
    public long OpsetFor(string domain)
    {
        var d = domain == "ai.onnx" ? "" : domain;
        return Root.OpsetImports.TryGetValue(d, out var v) ? v : 0;
    }

    /// <summary>Every value defined in this graph (not its parents).</summary>
    public IEnumerable<Value> Values => _values.Values;

    /// <summary>Constants defined in this graph.</summary>
    public IEnumerable<Value> Constants => _values.Values.Where(v => v.IsConstant);

    /// <summary>Looks up a value by name here, then in the enclosing graphs.</summary>
    public Value? Find(string name) => _values.TryGetValue(name, out var v) ? v : Parent?.Find(name);

    /// <summary>Adds a graph input.</summary>
    public Value AddInput(string name, ValueType? type = null)
    {
        var v = Define(name, type, null, null);
        Inputs.Add(v);
        return v;
    }

    /// <summary>Adds a constant; the graph takes ownership of <paramref name="data"/> (it leaves any scope).</summary>
    public Value AddConstant(string name, Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        data.DetachFromScope();
        var v = Define(name, new TensorType(data.DType, data.Shape.Dims.ToArray().Select(d => Dim.Of(d)).ToArray()), null, data);
        return v;
    }

    /// <summary>Marks <paramref name="v"/> as a graph output.</summary>
    public void AddOutput(Value v) => Outputs.Add(v);

    /// <summary>
    /// Appends a node reading <paramref name="inputs"/> (null = omitted optional input) and defining new values named
    /// <paramref name="outputs"/> (empty names get fresh ones).
    /// </summary>
    public Node AddNode(string opType, IEnumerable<Value?> inputs, IEnumerable<string> outputs, string domain = "", string? name = null)
    {
        var node = new Node(this, name ?? "", opType, domain);
        foreach (var i in inputs) node.AddInput(i);
        foreach (var o in outputs) node.AddOutput(Define(o.Length == 0 ? FreshName(opType) : o, null, node, null));
        Nodes.Add(node);
        return node;
    }

    /// <summary>A name not used in this graph yet.</summary>
    public string FreshName(string hint)
    {
        string n;
        do n = $"{hint}_{_nextId++}"; while (Find(n) is not null);
        return n;
    }

    private Value Define(string name, ValueType? type, Node? producer, Tensor? constant)
    {
        if (_values.ContainsKey(name))
            throw new ModelFormatException($"Graph '{Name}': value '{name}' is defined twice.");
        var v = new Value(name, type, producer, constant);
        _values[name] = v;
        return v;
    }

    /// <summary>Nodes that read <paramref name="v"/> in this graph (not in sub-graphs).</summary>
    public IEnumerable<Node> Consumers(Value v) => Nodes.Where(n => n.Inputs.Contains(v));

    /// <summary>
    /// Checks that every node input is defined before use (here or in an enclosing graph) and that outputs exist;
    /// throws <see cref="ModelFormatException"/> naming the node and value otherwise.
    /// </summary>
    public void Validate()
    {
        var ready = new HashSet<Value>(Inputs);
        foreach (var c in Constants) ready.Add(c);
        foreach (var n in Nodes)
        {
            foreach (var i in n.Inputs)
            {
                if (i is null || ready.Contains(i)) continue;
                if (i.Producer?.Owner != this && !_values.ContainsKey(i.Name)) continue; // outer-scope value
                throw new ModelFormatException($"Graph '{Name}': node {n} reads '%{i.Name}' before it is computed (nodes are not in topological order or the value is undefined).");
            }
            foreach (var o in n.Outputs) ready.Add(o);
            foreach (var a in n.Attributes.Values)
            {
                if (a.Raw is Graph g) g.Validate();
                else if (a.Raw is Graph[] gs) foreach (var s in gs) s.Validate();
            }
        }
        foreach (var o in Outputs)
            if (!ready.Contains(o) && Parent?.Find(o.Name) is null)
                throw new ModelFormatException($"Graph '{Name}': output '%{o.Name}' is never computed.");
    }

    /// <summary>A readable listing: inputs, constants, one line per node, outputs (sub-graphs indented).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Dump(sb, "");
        return sb.ToString();
    }

    private void Dump(StringBuilder sb, string indent)
    {
        sb.Append(indent).Append("graph ").Append(Name).Append('(').Append(string.Join(", ", Inputs)).AppendLine(") {");
        foreach (var c in Constants) sb.Append(indent).Append("  const %").Append(c.Name).Append(": ").Append(c.Type).AppendLine();
        foreach (var n in Nodes)
        {
            sb.Append(indent).Append("  ").Append(n).AppendLine();
            foreach (var (k, a) in n.Attributes)
            {
                if (a.Raw is Graph g) { sb.Append(indent).Append("    ").Append(k).AppendLine(":"); g.Dump(sb, indent + "      "); }
                else if (a.Raw is Graph[] gs) foreach (var s in gs) s.Dump(sb, indent + "      ");
            }
        }
        sb.Append(indent).Append("  return ").AppendLine(string.Join(", ", Outputs.Select(o => "%" + o.Name)));
        sb.Append(indent).AppendLine("}");
    }

    /// <summary>Frees constants and attribute tensors of this graph and its sub-graphs.</summary>
    public void Dispose()
    {
        foreach (var v in _values.Values) v.Constant?.Dispose();
        foreach (var n in Nodes)
            foreach (var a in n.Attributes.Values)
                switch (a.Raw)
                {
                    case Tensor t: t.Dispose(); break;
                    case Tensor[] ts: foreach (var t in ts) t.Dispose(); break;
                    case Graph g: g.Dispose(); break;
                    case Graph[] gs: foreach (var g in gs) g.Dispose(); break;
                }
    }
}
