namespace DeepSeek.Graph;

/// <summary>
/// An edge of the graph: produced by one node (or a graph input, or a constant) and read by any number of nodes.
/// Names are unique within a graph and its sub-graphs' view of it.
/// </summary>
public sealed class Value
{
    internal Value(string name, ValueType? type, Node? producer, Tensor? constant)
    {
        Name = name;
        Type = type;
        Producer = producer;
        Constant = constant;
    }

    /// <summary>The unique name.</summary>
    public string Name { get; }

    /// <summary>Static type when known (from the model or shape inference).</summary>
    public ValueType? Type { get; set; }

    /// <summary>The node that computes it, or null for graph inputs and constants.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>The data of a constant (an initializer); owned by the graph.</summary>
    public Tensor? Constant { get; internal set; }

    /// <summary>True for constants.</summary>
    public bool IsConstant => Constant is not null;

    /// <inheritdoc/>
    public override string ToString() => Type is null ? $"%{Name}" : $"%{Name}: {Type}";
}
