namespace DeepSeek.Tests.Indexing;

/// <summary>Naive double-precision references and tensor builders for the indexing tests.</summary>
internal static class Ref
{
    public static readonly DType[] AllDTypes =
        [DType.F32, DType.F64, DType.F16, DType.BF16, DType.I8, DType.U8, DType.I16, DType.I32, DType.I64, DType.Bool];

    public static TheoryData<DType> AllDTypesData()
    {
        var d = new TheoryData<DType>();
        foreach (var t in AllDTypes) d.Add(t);
        return d;
    }

    /// <summary>Small integers exactly representable in every dtype (0/1 for Bool).</summary>
    public static double[] Values(int n, DType dtype, int seed = 1)
    {
        var g = new Generator((ulong)seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = dtype == DType.Bool ? (double)(g.NextUInt64() % 2) : (double)(g.NextUInt64() % 100);
        return v;
    }

    public static Tensor Make(double[] v, DType dtype, params int[] shape) => Tensor.FromDoubles(v, new Shape(shape), dtype);

    public static long[] Strides(int[] shape) => new Shape(shape).ContiguousStrides();

    public static long Numel(int[] shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    public static int[] Coord(long p, int[] shape)
    {
        var c = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { c[d] = (int)(p % shape[d]); p /= shape[d]; }
        return c;
    }

    public static long Offset(int[] coord, int[] shape)
    {
        long off = 0, s = 1;
        for (int d = shape.Length - 1; d >= 0; d--) { off += coord[d] * s; s *= shape[d]; }
        return off;
    }

    /// <summary>torch.gather on row-major doubles.</summary>
    public static double[] Gather(double[] src, int[] srcShape, int axis, double[] index, int[] indexShape)
    {
        var r = new double[index.Length];
        for (long p = 0; p < index.Length; p++)
        {
            var c = Coord(p, indexShape);
            c[axis] = (int)index[p];
            r[p] = src[Offset(c, srcShape)];
        }
        return r;
    }

    /// <summary>torch.index_select on row-major doubles.</summary>
    public static double[] IndexSelect(double[] src, int[] srcShape, int axis, double[] index)
    {
        var outShape = (int[])srcShape.Clone();
        outShape[axis] = index.Length;
        var r = new double[Numel(outShape)];
        for (long p = 0; p < r.Length; p++)
        {
            var c = Coord(p, outShape);
            c[axis] = (int)index[c[axis]];
            r[p] = src[Offset(c, srcShape)];
        }
        return r;
    }

    /// <summary>torch.scatter_add on row-major doubles (returns a new array).</summary>
    public static double[] ScatterAdd(double[] self, int[] selfShape, int axis, double[] index, int[] indexShape, double[] src, int[] srcShape)
    {
        var r = (double[])self.Clone();
        for (long p = 0; p < index.Length; p++)
        {
            var c = Coord(p, indexShape);
            double v = src[Offset(c, srcShape)];
            c[axis] = (int)index[p];
            r[Offset(c, selfShape)] += v;
        }
        return r;
    }

    /// <summary>Asserts that the tensor holds exactly <paramref name="expected"/> (as doubles).</summary>
    public static void Equal(double[] expected, Tensor actual) => TestUtil.AssertClose(expected, actual.ToDoubleArray(), 0, 0);
}
