// What a compiled function accepts, per input (torch.compile's dynamic-shape marks, ONNX's symbolic dims): a dtype and
// dims where −1 means "any size". A spec only validates calls and, when complete, lets Warmup trace ahead of time:
// variants are still specialised to each concrete shape seen.
using System.Globalization;

namespace DeepSeek.Graph.Compilation;

/// <summary>
/// The accepted dtype and shape of one input of a <see cref="CompiledFunction"/>; a dimension of −1 accepts any size
/// (e.g. the batch). Calls are checked against the specs before anything runs. A −1 dimension does not make the
/// compiled code shape-generic: each concrete size still gets its own traced variant.
/// </summary>
public sealed class InputSpec
{
    private readonly long[] _dims;

    /// <summary>A spec for a tensor of <paramref name="dtype"/> with <paramref name="dims"/> (−1 = any size).</summary>
    /// <exception cref="ArgumentException">A dimension is below −1.</exception>
    public InputSpec(DType dtype, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        for (int i = 0; i < dims.Length; i++)
            if (dims[i] < -1)
                throw new ArgumentException($"InputSpec: dimension {i} is {dims[i]}; use a size ≥ 0, or −1 for any size.", nameof(dims));
        DType = dtype;
        _dims = (long[])dims.Clone();
    }

    /// <summary>A spec for a tensor of <paramref name="dtype"/> with <paramref name="dims"/> (−1 = any size).</summary>
    public static InputSpec Of(DType dtype, params long[] dims) => new(dtype, dims);

    /// <summary>Optional name used in messages (default "input i").</summary>
    public string? Name { get; init; }

    /// <summary>Element type the input must have.</summary>
    public DType DType { get; }

    /// <summary>Dimensions; −1 accepts any size.</summary>
    public IReadOnlyList<long> Dims => _dims;

    /// <summary>Rank the input must have.</summary>
    public int Rank => _dims.Length;

    /// <summary>True when no dimension is −1 (the spec names one concrete shape, so examples can be made from it).</summary>
    public bool IsFullySpecified => !_dims.Contains(-1);

    /// <summary>True when <paramref name="t"/> has this dtype, rank and every fixed dimension.</summary>
    public bool Matches(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.DType != DType || t.Rank != Rank) return false;
        for (int d = 0; d < _dims.Length; d++)
            if (_dims[d] != -1 && _dims[d] != t.Size(d)) return false;
        return true;
    }

    /// <summary>Throws naming the input, this spec and the tensor's dtype and shape when <paramref name="t"/> does not match.</summary>
    /// <exception cref="DTypeMismatchException">Wrong dtype.</exception>
    /// <exception cref="ShapeMismatchException">Wrong rank or a fixed dimension differs.</exception>
    public void Check(Tensor t, int index)
    {
        ArgumentNullException.ThrowIfNull(t);
        string who = Name is null ? $"input {index}" : $"input {index} ('{Name}')";
        if (t.DType != DType)
            throw new DTypeMismatchException($"CompiledFunction: {who} is {t.DType.Name()}{t.Shape}, but its InputSpec is {this}.");
        if (!Matches(t))
            throw new ShapeMismatchException($"CompiledFunction: {who} has shape {t.Shape}, but its InputSpec is {this} (−1 / ? = any size).");
    }

    /// <inheritdoc/>
    public override string ToString() =>
        DType.Name() + "[" + string.Join(", ", _dims.Select(d => d == -1 ? "?" : d.ToString(CultureInfo.InvariantCulture))) + "]";
}
