namespace DeepSeek.Graph;

/// <summary>One dimension of a static shape: a known size, a named symbol ("batch"), or unknown.</summary>
public readonly record struct Dim
{
    private Dim(long? value, string? symbol) { Value = value; Symbol = symbol; }

    /// <summary>The size when known.</summary>
    public long? Value { get; }

    /// <summary>The symbol when the size is named but not fixed.</summary>
    public string? Symbol { get; }

    /// <summary>True when the size is a number.</summary>
    public bool IsKnown => Value.HasValue;

    /// <summary>A known size.</summary>
    public static Dim Of(long value) => new(value, null);

    /// <summary>A named, unknown size.</summary>
    public static Dim Named(string symbol) => new(null, symbol);

    /// <summary>An unknown, unnamed size.</summary>
    public static Dim Unknown => new(null, null);

    /// <summary>A known size.</summary>
    public static implicit operator Dim(long value) => Of(value);

    /// <inheritdoc/>
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}

/// <summary>The static type of a graph value.</summary>
public abstract record ValueType;

/// <summary>A tensor of <paramref name="ElementType"/> (null = unknown) and <paramref name="Shape"/> (null = unknown rank).</summary>
public sealed record TensorType(DType? ElementType, IReadOnlyList<Dim>? Shape) : ValueType
{
    /// <summary>Rank when known.</summary>
    public int? Rank => Shape?.Count;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{ElementType?.Name() ?? "?"}{(Shape is null ? "[*]" : "[" + string.Join(", ", Shape) + "]")}";
}

/// <summary>A sequence of values of one type (ONNX sequence).</summary>
public sealed record SequenceType(ValueType Element) : ValueType
{
    /// <inheritdoc/>
    public override string ToString() => $"seq<{Element}>";
}

/// <summary>A value that may be absent (ONNX optional).</summary>
public sealed record OptionalType(ValueType Element) : ValueType
{
    /// <inheritdoc/>
    public override string ToString() => $"optional<{Element}>";
}
