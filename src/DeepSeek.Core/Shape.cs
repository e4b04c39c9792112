using System.Collections;

namespace DeepSeek;

/// <summary>Immutable list of dimension sizes. Rank 0 is a scalar with one element.</summary>
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[]? _dims;

    /// <summary>Creates a shape; every dimension must be ≥ 0.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        for (int i = 0; i < dims.Length; i++)
            if (dims[i] < 0) throw new ShapeMismatchException($"Shape {Format(dims)} has negative dimension {dims[i]} at axis {i}.");
        _dims = (int[])dims.Clone();
    }

    private Shape(int[] dims, bool noCopy) { _ = noCopy; _dims = dims; }

    internal static Shape Wrap(int[] dims) => new(dims, true);

    /// <summary>The scalar shape [].</summary>
    public static Shape Scalar => new(Array.Empty<int>(), true);

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims?.Length ?? 0;

    /// <summary>Same as <see cref="Rank"/>.</summary>
    public int Count => Rank;

    /// <summary>Size of dimension <paramref name="axis"/>; negative counts from the end.</summary>
    public int this[int axis] => Dims[NormalizeAxis(axis, Rank, "Shape[]")];

    /// <summary>The sizes.</summary>
    public ReadOnlySpan<int> Dims => _dims ?? Array.Empty<int>();

    /// <summary>Total number of elements (1 for a scalar).</summary>
    public long Numel
    {
        get
        {
            long n = 1;
            foreach (var d in Dims) n *= d;
            return n;
        }
    }

    /// <summary>A copy of the sizes.</summary>
    public int[] ToArray() => Dims.ToArray();

    /// <summary>Row-major (C order) element strides for this shape.</summary>
    public long[] ContiguousStrides()
    {
        var s = new long[Rank];
        long acc = 1;
        for (int i = Rank - 1; i >= 0; i--) { s[i] = acc; acc *= Math.Max(1, Dims[i]); }
        return s;
    }

    /// <summary>
    /// Maps an axis in [-rank, rank) to [0, rank); throws <see cref="AxisOutOfRangeException"/> naming <paramref name="op"/>.
    /// </summary>
    public static int NormalizeAxis(int axis, int rank, string op)
    {
        if (rank == 0 && (axis == 0 || axis == -1)) return 0; // a 0-d tensor accepts 0 and -1, as in PyTorch
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1))
            throw new AxisOutOfRangeException($"{op}: axis {axis} is out of range for a tensor of rank {rank} (expected {-Math.Max(rank, 1)} ≤ axis < {Math.Max(rank, 1)}).");
        return a;
    }

    /// <summary>NumPy/PyTorch broadcast of two shapes; throws naming <paramref name="op"/> when they do not broadcast.</summary>
    public static Shape Broadcast(Shape a, Shape b, string op)
    {
        int r = Math.Max(a.Rank, b.Rank);
        var d = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Rank ? 1 : a.Dims[i - (r - a.Rank)];
            int db = i < r - b.Rank ? 1 : b.Dims[i - (r - b.Rank)];
            if (da == db || db == 1) d[i] = da;
            else if (da == 1) d[i] = db;
            else throw new ShapeMismatchException($"{op}: shapes {a} and {b} do not broadcast (axis {i} of the result: {da} vs {db}; sizes must match or one must be 1).");
        }
        return Wrap(d);
    }

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    /// <summary>Equality of dimension lists.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    /// <summary>Inequality of dimension lists.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);
    /// <summary>Wraps an int array as a shape.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>"[2, 3, 4]".</summary>
    public override string ToString() => Format(Dims);

    internal static string Format(ReadOnlySpan<int> dims) => "[" + string.Join(", ", dims.ToArray()) + "]";

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)(_dims ?? Array.Empty<int>())).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
