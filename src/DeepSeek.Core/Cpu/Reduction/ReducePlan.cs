// Layout planning for reductions: the source view is split into kept axes (the output's row-major order) and
// reduced axes; each group drops size-1 dims and merges dims that are contiguous with each other, so most
// reductions become "one contiguous row per output" (inner) or "accumulate contiguous rows" (outer).
namespace DeepSeek.Backends.Cpu.Reduction;

/// <summary>Kept and reduced dimensions of a reduction, coalesced, with source element strides.</summary>
internal sealed class ReducePlan
{
    /// <summary>Kept dims in source order (output is row-major over them); never empty ([1] with stride 0 if none).</summary>
    public int[] KeptShape = [];
    /// <summary>Source element strides of <see cref="KeptShape"/>.</summary>
    public long[] KeptStrides = [];
    /// <summary>Reduced dims ordered by decreasing stride (innermost = smallest stride); never empty.</summary>
    public int[] RedShape = [];
    /// <summary>Source element strides of <see cref="RedShape"/>.</summary>
    public long[] RedStrides = [];
    /// <summary>Number of outputs.</summary>
    public long OutCount;
    /// <summary>Number of elements reduced into each output.</summary>
    public long RedCount;

    public static ReducePlan Build(Tensor src, int[] axes)
    {
        var shape = src.ShapeArray;
        var strides = src.StridesArray;
        var reduced = new bool[shape.Length];
        foreach (var a in axes) reduced[a] = true;
        var kept = new List<(int Size, long Stride)>();
        var red = new List<(int Size, long Stride)>();
        for (int i = 0; i < shape.Length; i++)
            (reduced[i] ? red : kept).Add((shape[i], strides[i]));
        // Reduction order does not change the math (up to rounding), so walk reduced dims outer-to-inner by stride.
        var redSorted = red.OrderByDescending(d => Math.Abs(d.Stride)).ToList();
        var (ks, kst) = Coalesce(kept);
        var (rs, rst) = Coalesce(redSorted);
        return new ReducePlan
        {
            KeptShape = ks, KeptStrides = kst, RedShape = rs, RedStrides = rst,
            OutCount = Product(ks), RedCount = Product(rs),
        };
    }

    private static (int[], long[]) Coalesce(List<(int Size, long Stride)> dims)
    {
        var s = new List<int>();
        var st = new List<long>();
        bool hasZero = dims.Any(d => d.Size == 0);
        foreach (var (size, stride) in dims)
        {
            if (size == 1 && !hasZero) continue;
            if (s.Count > 0 && st[^1] == stride * size)
            {
                s[^1] *= size;
                st[^1] = stride;
                continue;
            }
            s.Add(size);
            st.Add(stride);
        }
        if (hasZero) return ([0], [0]);
        if (s.Count == 0) return ([1], [0]);
        return (s.ToArray(), st.ToArray());
    }

    private static long Product(int[] dims)
    {
        long n = 1;
        foreach (var d in dims) n *= d;
        return n;
    }
}

/// <summary>Walks a row-major index space, keeping up to two element offsets in step (e.g. source and destination).</summary>
internal sealed class Odometer
{
    private readonly int[] _shape;
    private readonly long[] _s0, _s1;
    private readonly int[] _idx;

    /// <summary>Offset of the current index under the first stride set.</summary>
    public long Off0;
    /// <summary>Offset of the current index under the second stride set.</summary>
    public long Off1;

    public Odometer(int[] shape, long[] s0, long[]? s1, long start)
    {
        _shape = shape;
        _s0 = s0;
        _s1 = s1 ?? new long[shape.Length];
        _idx = new int[shape.Length];
        long r = start;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 0) break;
            _idx[d] = (int)(r % shape[d]);
            r /= shape[d];
            Off0 += _idx[d] * _s0[d];
            Off1 += _idx[d] * _s1[d];
        }
    }

    public void Next()
    {
        for (int d = _shape.Length - 1; d >= 0; d--)
        {
            _idx[d]++;
            Off0 += _s0[d];
            Off1 += _s1[d];
            if (_idx[d] < _shape[d]) return;
            Off0 -= _s0[d] * _shape[d];
            Off1 -= _s1[d] * _shape[d];
            _idx[d] = 0;
        }
    }
}

/// <summary>
/// The 1-d lines of a tensor along one axis (softmax, cumsum, top-k, arg-reductions): every index of the other
/// axes names one line. Offsets are in elements for the source and the destination.
/// </summary>
internal sealed class LinePlan
{
    public int[] OuterShape = [];
    public long[] SrcOuter = [];
    public long[] DstOuter = [];
    public long Count;
    public int SrcLength;
    public long SrcStride;
    public long DstStride;

    public static LinePlan Build(Tensor src, Tensor dst, int axis)
    {
        int rank = src.Rank;
        var os = new List<int>();
        var ss = new List<long>();
        var ds = new List<long>();
        for (int i = 0; i < rank; i++)
        {
            if (i == axis) continue;
            os.Add(src.ShapeArray[i]);
            ss.Add(src.StridesArray[i]);
            ds.Add(dst.StridesArray[i]);
        }
        if (os.Count == 0) { os.Add(1); ss.Add(0); ds.Add(0); }
        long count = 1;
        foreach (var d in os) count *= d;
        return new LinePlan
        {
            OuterShape = os.ToArray(), SrcOuter = ss.ToArray(), DstOuter = ds.ToArray(), Count = count,
            SrcLength = rank == 0 ? 1 : src.ShapeArray[axis],
            SrcStride = rank == 0 ? 0 : src.StridesArray[axis],
            DstStride = rank == 0 ? 0 : dst.StridesArray[axis],
        };
    }
}
