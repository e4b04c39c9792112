namespace DeepSeek.Graph.Execution;

/// <summary>
/// A value flowing through the executor: a tensor, a sequence of tensors, or an optional (empty or holding a value).
/// Disposing releases the tensors it owns.
/// </summary>
public abstract class RuntimeValue : IDisposable
{
    /// <summary>The tensor; throws naming <paramref name="what"/> when this is not a tensor.</summary>
    public Tensor AsTensor(string what) => this is TensorValue t
        ? t.Tensor
        : throw new DTypeMismatchException($"{what}: expected a tensor, got {Describe()}.");

    /// <summary>The sequence elements; throws naming <paramref name="what"/> when this is not a sequence.</summary>
    public IReadOnlyList<Tensor> AsSequence(string what) => this is SequenceValue s
        ? s.Items
        : throw new DTypeMismatchException($"{what}: expected a sequence, got {Describe()}.");

    /// <summary>"tensor f32[2, 3]", "sequence(4)", "optional(empty)".</summary>
    public abstract string Describe();

    /// <summary>A copy that shares tensor storage (views), for values used in two places.</summary>
    public abstract RuntimeValue Share();

    /// <summary>Releases the tensors.</summary>
    public abstract void Dispose();

    /// <summary>Wraps a tensor.</summary>
    public static implicit operator RuntimeValue(Tensor t) => new TensorValue(t);
}

/// <summary>A tensor value.</summary>
public sealed class TensorValue(Tensor tensor) : RuntimeValue
{
    /// <summary>The tensor.</summary>
    public Tensor Tensor { get; } = tensor;

    /// <inheritdoc/>
    public override string Describe() => $"tensor {Tensor.DType.Name()}{Tensor.Shape}";

    /// <inheritdoc/>
    public override RuntimeValue Share() => new TensorValue(Tensor.Detach());

    /// <inheritdoc/>
    public override void Dispose() => Tensor.Dispose();
}

/// <summary>A sequence of tensors (ONNX sequence type).</summary>
public sealed class SequenceValue(IReadOnlyList<Tensor> items, DType? elementType = null) : RuntimeValue
{
    /// <summary>The elements in order.</summary>
    public IReadOnlyList<Tensor> Items { get; } = items;

    /// <summary>Element dtype (needed for empty sequences).</summary>
    public DType? ElementType { get; } = elementType ?? (items.Count > 0 ? items[0].DType : null);

    /// <inheritdoc/>
    public override string Describe() => $"sequence({Items.Count})";

    /// <inheritdoc/>
    public override RuntimeValue Share() => new SequenceValue(Items.Select(t => t.Detach()).ToList(), ElementType);

    /// <inheritdoc/>
    public override void Dispose()
    {
        foreach (var t in Items) t.Dispose();
    }
}

/// <summary>An optional value: empty, or holding a tensor or sequence.</summary>
public sealed class OptionalValue(RuntimeValue? inner) : RuntimeValue
{
    /// <summary>The value, or null when empty.</summary>
    public RuntimeValue? Inner { get; } = inner;

    /// <inheritdoc/>
    public override string Describe() => Inner is null ? "optional(empty)" : $"optional({Inner.Describe()})";

    /// <inheritdoc/>
    public override RuntimeValue Share() => new OptionalValue(Inner?.Share());

    /// <inheritdoc/>
    public override void Dispose() => Inner?.Dispose();
}
