using System.Globalization;

namespace DeepSeek.Graph;

/// <summary>
/// One operation: an op type in a domain ("" is the ONNX default domain, "deepseek" holds fused ops), ordered
/// inputs (null marks an omitted optional input), outputs and attributes.
/// </summary>
public sealed class Node
{
    private readonly List<Value?> _inputs = new();
    private readonly List<Value> _outputs = new();

    internal Node(Graph owner, string name, string opType, string domain)
    {
        Owner = owner;
        Name = name;
        OpType = opType;
        Domain = domain;
    }

    /// <summary>The graph holding this node.</summary>
    public Graph Owner { get; }

    /// <summary>Node name (unique within its graph when the model gave one; may be empty).</summary>
    public string Name { get; set; }

    /// <summary>Operator type, e.g. "Conv".</summary>
    public string OpType { get; set; }

    /// <summary>Operator domain; "" (or "ai.onnx") is the ONNX default set.</summary>
    public string Domain { get; set; }

    /// <summary>Inputs in order; null entries are omitted optional inputs.</summary>
    public IReadOnlyList<Value?> Inputs => _inputs;

    /// <summary>Outputs in order.</summary>
    public IReadOnlyList<Value> Outputs => _outputs;

    /// <summary>Attributes by name.</summary>
    public Dictionary<string, AttributeValue> Attributes { get; } = new(StringComparer.Ordinal);

    internal void AddInput(Value? v) => _inputs.Add(v);

    internal void AddOutput(Value v) => _outputs.Add(v);

    /// <summary>Replaces input <paramref name="index"/>.</summary>
    public void SetInput(int index, Value? v) => _inputs[index] = v;

    /// <summary>Integer attribute or <paramref name="fallback"/> when absent.</summary>
    public long GetInt(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.As<long>(Describe(name)) : fallback;

    /// <summary>Integer attribute or null when absent.</summary>
    public long? GetIntOrNull(string name) => Attributes.TryGetValue(name, out var a) ? a.As<long>(Describe(name)) : null;

    /// <summary>Float attribute or <paramref name="fallback"/> when absent.</summary>
    public float GetFloat(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.As<float>(Describe(name)) : fallback;

    /// <summary>String attribute or <paramref name="fallback"/> when absent.</summary>
    public string GetString(string name, string fallback) => Attributes.TryGetValue(name, out var a) ? a.As<string>(Describe(name)) : fallback;

    /// <summary>Integer-list attribute or null when absent.</summary>
    public long[]? GetInts(string name) => Attributes.TryGetValue(name, out var a) ? a.As<long[]>(Describe(name)) : null;

    /// <summary>Float-list attribute or null when absent.</summary>
    public float[]? GetFloats(string name) => Attributes.TryGetValue(name, out var a) ? a.As<float[]>(Describe(name)) : null;

    /// <summary>String-list attribute or null when absent.</summary>
    public string[]? GetStrings(string name) => Attributes.TryGetValue(name, out var a) ? a.As<string[]>(Describe(name)) : null;

    /// <summary>Tensor attribute or null when absent.</summary>
    public Tensor? GetTensor(string name) => Attributes.TryGetValue(name, out var a) ? a.As<Tensor>(Describe(name)) : null;

    /// <summary>Sub-graph attribute; throws naming the node when absent.</summary>
    public Graph GetGraph(string name) => Attributes.TryGetValue(name, out var a)
        ? a.As<Graph>(Describe(name))
        : throw new ModelFormatException($"{this}: required attribute '{name}' (a graph) is missing.");

    private string Describe(string attr) => $"{OpType} node '{Name}' attribute '{attr}'";

    /// <summary>"%y = Conv(%x, %w) {strides=[1, 1]}".</summary>
    public override string ToString()
    {
        var outs = string.Join(", ", _outputs.Select(o => "%" + o.Name));
        var ins = string.Join(", ", _inputs.Select(i => i is null ? "<none>" : "%" + i.Name));
        var attrs = Attributes.Count == 0 ? "" : " {" + string.Join(", ", Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}")) + "}";
        var dom = Domain.Length == 0 ? "" : Domain + ".";
        return string.Create(CultureInfo.InvariantCulture, $"{outs} = {dom}{OpType}({ins}){attrs}");
    }
}
