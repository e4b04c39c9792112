namespace DeepSeek.Graph;

/// <summary>Kinds of node attributes (the ONNX set).</summary>
public enum AttributeKind
{
    /// <summary>64-bit integer.</summary>
    Int,
    /// <summary>32-bit float.</summary>
    Float,
    /// <summary>UTF-8 string.</summary>
    String,
    /// <summary>A tensor.</summary>
    Tensor,
    /// <summary>A sub-graph (If/Loop/Scan bodies).</summary>
    Graph,
    /// <summary>A type.</summary>
    Type,
    /// <summary>List of integers.</summary>
    Ints,
    /// <summary>List of floats.</summary>
    Floats,
    /// <summary>List of strings.</summary>
    Strings,
    /// <summary>List of tensors.</summary>
    Tensors,
    /// <summary>List of sub-graphs.</summary>
    Graphs,
    /// <summary>List of types.</summary>
    Types,
}

/// <summary>A node attribute value; exactly one typed payload is set, as <see cref="Kind"/> says.</summary>
public sealed class AttributeValue
{
    private readonly object _value;

    private AttributeValue(AttributeKind kind, object value)
    {
        Kind = kind;
        _value = value;
    }

    /// <summary>The payload kind.</summary>
    public AttributeKind Kind { get; }

    /// <summary>The raw payload (long, float, string, Tensor, Graph, ValueType or an array of them).</summary>
    public object Raw => _value;

    /// <summary>An integer attribute.</summary>
    public static AttributeValue Of(long v) => new(AttributeKind.Int, v);
    /// <summary>A float attribute.</summary>
    public static AttributeValue Of(float v) => new(AttributeKind.Float, v);
    /// <summary>A string attribute.</summary>
    public static AttributeValue Of(string v) => new(AttributeKind.String, v);
    /// <summary>A tensor attribute (the graph owns the tensor).</summary>
    public static AttributeValue Of(Tensor v) => new(AttributeKind.Tensor, v);
    /// <summary>A sub-graph attribute.</summary>
    public static AttributeValue Of(Graph v) => new(AttributeKind.Graph, v);
    /// <summary>A type attribute.</summary>
    public static AttributeValue Of(ValueType v) => new(AttributeKind.Type, v);
    /// <summary>An integer-list attribute.</summary>
    public static AttributeValue Of(long[] v) => new(AttributeKind.Ints, v);
    /// <summary>A float-list attribute.</summary>
    public static AttributeValue Of(float[] v) => new(AttributeKind.Floats, v);
    /// <summary>A string-list attribute.</summary>
    public static AttributeValue Of(string[] v) => new(AttributeKind.Strings, v);
    /// <summary>A tensor-list attribute.</summary>
    public static AttributeValue Of(Tensor[] v) => new(AttributeKind.Tensors, v);
    /// <summary>A sub-graph-list attribute.</summary>
    public static AttributeValue Of(Graph[] v) => new(AttributeKind.Graphs, v);
    /// <summary>A type-list attribute.</summary>
    public static AttributeValue Of(ValueType[] v) => new(AttributeKind.Types, v);

    /// <summary>The payload as <typeparamref name="T"/>; throws naming the expected kind otherwise.</summary>
    public T As<T>(string name)
    {
        if (_value is T t) return t;
        throw new ModelFormatException($"attribute '{name}' is {Kind}, expected {typeof(T).Name}.");
    }

    /// <inheritdoc/>
    public override string ToString() => _value switch
    {
        long[] a => "[" + string.Join(", ", a) + "]",
        float[] a => "[" + string.Join(", ", a.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]",
        string[] a => "[" + string.Join(", ", a.Select(x => $"\"{x}\"")) + "]",
        string s => $"\"{s}\"",
        float f => f.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Tensor t => $"tensor{t.Shape}",
        Graph g => $"graph({g.Name})",
        Tensor[] ts => $"tensors({ts.Length})",
        Graph[] gs => $"graphs({gs.Length})",
        _ => _value.ToString() ?? "",
    };
}
