// The first guard of every variant (torch.compile's tensor-match guards): each input's dtype and concrete shape.
// It is the cache key, so checking it costs one dictionary lookup per call.
using System.Globalization;

namespace DeepSeek.Graph.Compilation;

/// <summary>The dtypes and concrete shapes of one call's inputs; equal signatures share variants.</summary>
internal sealed class InputSignature : IEquatable<InputSignature>
{
    private readonly DType[] _dtypes;
    private readonly int[][] _dims;
    private readonly int _hash;

    private InputSignature(DType[] dtypes, int[][] dims)
    {
        _dtypes = dtypes;
        _dims = dims;
        var h = new HashCode();
        for (int i = 0; i < dtypes.Length; i++)
        {
            h.Add(dtypes[i]);
            h.Add(dims[i].Length);
            foreach (var d in dims[i]) h.Add(d);
        }
        _hash = h.ToHashCode();
    }

    /// <summary>The signature of <paramref name="inputs"/>.</summary>
    public static InputSignature Of(IReadOnlyList<Tensor> inputs) =>
        new(inputs.Select(t => t.DType).ToArray(), inputs.Select(t => t.Shape.Dims.ToArray()).ToArray());

    /// <inheritdoc/>
    public bool Equals(InputSignature? other)
    {
        if (other is null || other._hash != _hash || other._dtypes.Length != _dtypes.Length) return false;
        for (int i = 0; i < _dtypes.Length; i++)
            if (_dtypes[i] != other._dtypes[i] || !_dims[i].AsSpan().SequenceEqual(other._dims[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as InputSignature);

    /// <inheritdoc/>
    public override int GetHashCode() => _hash;

    /// <summary>"(f32[4, 3], i64[4])".</summary>
    public override string ToString() =>
        "(" + string.Join(", ", _dtypes.Select((t, i) => t.Name() + "[" + string.Join(", ", _dims[i].Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]")) + ")";
}
