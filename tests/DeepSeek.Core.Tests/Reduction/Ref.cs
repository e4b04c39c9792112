namespace DeepSeek.Tests.Reduction;

/// <summary>Naive double-precision references for the reduction tests.</summary>
internal static class Ref
{
    /// <summary>Groups the row-major values of <paramref name="shape"/> by output index (reduced axes zeroed), in output order.</summary>
    public static List<double>[] Groups(double[] x, int[] shape, int[] axes)
    {
        int rank = shape.Length;
        var norm = axes.Length == 0 ? Enumerable.Range(0, rank).ToArray() : axes.Select(a => a < 0 ? a + rank : a).ToArray();
        var keep = (int[])shape.Clone();
        foreach (var a in norm) keep[a] = 1;
        long outN = 1;
        foreach (var d in keep) outN *= d;
        var groups = new List<double>[outN];
        for (long i = 0; i < outN; i++) groups[i] = new List<double>();
        var idx = new int[rank];
        for (long i = 0; i < x.Length; i++)
        {
            long o = 0;
            for (int d = 0; d < rank; d++) o = o * keep[d] + (keep[d] == 1 ? 0 : idx[d]);
            groups[o].Add(x[i]);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return groups;
    }

    public static double[] Reduce(Tensor t, int[] axes, Func<List<double>, double> f) =>
        Groups(t.ToDoubleArray(), t.Shape.ToArray(), axes).Select(f).ToArray();

    public static double Sum(List<double> g) => g.Sum();
    public static double Mean(List<double> g) => g.Sum() / g.Count;
    public static double Prod(List<double> g) => g.Aggregate(1.0, (a, b) => a * b);
    public static double Max(List<double> g) => g.Any(double.IsNaN) ? double.NaN : g.Max();
    public static double Min(List<double> g) => g.Any(double.IsNaN) ? double.NaN : g.Min();
    public static double Lse(List<double> g)
    {
        double m = g.Max();
        return m + Math.Log(g.Sum(v => Math.Exp(v - m)));
    }
    public static double Var(List<double> g, int correction)
    {
        double mean = g.Average();
        return g.Sum(v => (v - mean) * (v - mean)) / Math.Max(0, g.Count - correction);
    }

    /// <summary>The lines of <paramref name="shape"/> along <paramref name="axis"/>: each a list of flat row-major indices.</summary>
    public static List<long[]> Lines(int[] shape, int axis)
    {
        var strides = new long[shape.Length];
        long acc = 1;
        for (int d = shape.Length - 1; d >= 0; d--) { strides[d] = acc; acc *= shape[d]; }
        var result = new List<long[]>();
        for (long i = 0; i < acc; i++)
        {
            if ((i / strides[axis]) % shape[axis] != 0) continue;
            result.Add(Enumerable.Range(0, shape[axis]).Select(k => i + k * strides[axis]).ToArray());
        }
        return result;
    }

    /// <summary>Shape without the reduced axes (or with them set to 1 when keepDim).</summary>
    public static int[] OutShape(int[] shape, int[] axes, bool keepDim)
    {
        int rank = shape.Length;
        var norm = axes.Length == 0 ? Enumerable.Range(0, rank).ToArray() : axes.Select(a => a < 0 ? a + rank : a).ToArray();
        return keepDim
            ? shape.Select((d, i) => norm.Contains(i) ? 1 : d).ToArray()
            : shape.Where((_, i) => !norm.Contains(i)).ToArray();
    }

    /// <summary>Inputs of several layouts for the same logical shape: contiguous, transposed, stepped slice, expanded.</summary>
    public static IEnumerable<(string Name, Tensor T)> Layouts(int[] shape, DType dtype, ulong seed)
    {
        var g = new Generator(seed);
        yield return ("contiguous", Tensor.RandN(new Shape(shape), g, dtype: dtype));
        // transposed: build the reversed shape and permute back
        var rev = shape.Reverse().ToArray();
        using (var b = Tensor.RandN(new Shape(rev), g, dtype: dtype))
            yield return ("transposed", b.Permute(Enumerable.Range(0, shape.Length).Reverse().ToArray()));
        // sliced with step 2 along the last axis
        var wide = (int[])shape.Clone();
        wide[^1] = shape[^1] * 2 + 1;
        using (var w = Tensor.RandN(new Shape(wide), g, dtype: dtype))
            yield return ("sliced", w.Slice(-1, 1, wide[^1], 2));
        // expanded along the first axis
        var one = (int[])shape.Clone();
        one[0] = 1;
        using (var e = Tensor.RandN(new Shape(one), g, dtype: dtype))
            yield return ("expanded", e.Expand(shape));
    }
}
