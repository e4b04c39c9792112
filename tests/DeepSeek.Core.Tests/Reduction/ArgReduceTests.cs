namespace DeepSeek.Tests.Reduction;

public class ArgReduceTests
{
    private static (double[] Values, long[] Indices) RefArg(Tensor x, int axis, bool max)
    {
        var shape = x.Shape.ToArray();
        var data = x.ToDoubleArray();
        var lines = Ref.Lines(shape, axis < 0 ? axis + shape.Length : axis);
        var vals = new double[lines.Count];
        var idx = new long[lines.Count];
        for (int l = 0; l < lines.Count; l++)
        {
            long best = 0;
            for (int k = 0; k < lines[l].Length; k++)
            {
                double v = data[lines[l][k]], b = data[lines[l][best]];
                if (double.IsNaN(v)) { best = k; break; }
                if (max ? v > b : v < b) best = k;
            }
            idx[l] = best;
            vals[l] = data[lines[l][best]];
        }
        return (vals, idx);
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void FloatArgMaxMinMatchReference(DType dtype)
    {
        foreach (var (name, x) in Ref.Layouts([6, 5, 40], dtype, 31))
            using (x)
                foreach (var axis in new[] { 0, 1, 2, -1 })
                    foreach (var max in new[] { true, false })
                    {
                        var (rv, ri) = RefArg(x, axis, max);
                        var (v, i) = max ? x.MaxWithIndices(axis) : x.MinWithIndices(axis);
                        using (v)
                        using (i)
                        using (var a = max ? x.ArgMax(axis, keepDim: true) : x.ArgMin(axis, keepDim: true))
                        {
                            Assert.Equal(DType.I64, i.DType);
                            Assert.Equal(dtype, v.DType);
                            Assert.Equal(ri, i.ToArray<long>());
                            Assert.Equal(ri, a.ToArray<long>());
                            TestUtil.AssertClose(rv, v.ToDoubleArray(), 0, 0);
                            Assert.Equal(3, a.Rank);
                        }
                    }
    }

    [Theory]
    [InlineData(DType.I8)]
    [InlineData(DType.U8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    [InlineData(DType.Bool)]
    public void IntegerArgMaxPicksFirstOccurrence(DType dtype)
    {
        using var raw = Tensor.RandInt(0, 3, new Shape(7, 9), new Generator(3), dtype);
        using var x = raw.T;
        foreach (var axis in new[] { 0, 1 })
        {
            var (_, rmax) = RefArg(x, axis, true);
            var (_, rmin) = RefArg(x, axis, false);
            using var am = x.ArgMax(axis);
            using var an = x.ArgMin(axis);
            Assert.Equal(rmax, am.ToArray<long>());
            Assert.Equal(rmin, an.ToArray<long>());
        }
    }

    [Fact]
    public void FlatArgMaxAndTiesAndNaN()
    {
        using var x = Tensor.FromArray(new float[] { 1, 5, 5, 0, -2, 5 }, 2, 3);
        using var a = x.ArgMax();
        using var b = x.ArgMin();
        Assert.Equal(0, a.Rank);
        Assert.Equal(1L, a.Item<long>());
        Assert.Equal(4L, b.Item<long>());
        using var xt = x.T; // non-contiguous flat order: 1, 0, 5, -2, 5, 5
        using var at = xt.ArgMax();
        Assert.Equal(2L, at.Item<long>());
        var data = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        data[37] = float.NaN;
        data[60] = float.NaN;
        using var n = Tensor.FromArray(data);
        using var an = n.ArgMax();
        using var ai = n.ArgMin();
        Assert.Equal(37L, an.Item<long>());
        Assert.Equal(37L, ai.Item<long>());
        var zeros = new float[40];
        zeros[3] = -0f;
        using var z = Tensor.FromArray(zeros);
        using var az = z.ArgMax();
        Assert.Equal(0L, az.Item<long>());
    }

    [Fact]
    public void EmptyAxisIsAnError()
    {
        using var x = Tensor.Zeros(new Shape(2, 0));
        var ex = Assert.Throws<ShapeMismatchException>(() => x.ArgMax(1));
        Assert.Contains("ArgMax", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => x.ArgMin());
        using var ok = x.ArgMax(0);
        TestUtil.AssertShape(ok, 0);
    }
}
