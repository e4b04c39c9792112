namespace DeepSeek.Tests.Reduction;

public class TopKTests
{
    private static (double[] V, long[] I) RefTopK(Tensor x, int k, int axis, bool largest)
    {
        var shape = x.Shape.ToArray();
        int ax = axis < 0 ? axis + shape.Length : axis;
        var data = x.ToDoubleArray();
        var outShape = (int[])shape.Clone();
        outShape[ax] = k;
        var outLines = Ref.Lines(outShape, ax);
        var v = new double[outLines.Count * k];
        var ix = new long[outLines.Count * k];
        var lines = Ref.Lines(shape, ax);
        for (int l = 0; l < lines.Count; l++)
        {
            var order = Enumerable.Range(0, lines[l].Length)
                .OrderBy(j => Key(data[lines[l][j]], largest))
                .ThenBy(j => j).Take(k).ToArray(); // LINQ OrderBy is stable
            for (int j = 0; j < k; j++)
            {
                v[outLines[l][j]] = data[lines[l][order[j]]];
                ix[outLines[l][j]] = order[j];
            }
        }
        return (v, ix);

        static double Key(double d, bool largest) => double.IsNaN(d) ? (largest ? double.NegativeInfinity : double.PositiveInfinity) : largest ? -d : d;
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.I8)]
    [InlineData(DType.U8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    public void MatchesStableSortReference(DType dtype)
    {
        var inputs = dtype.IsFloatingPoint()
            ? Ref.Layouts([4, 3, 50], dtype, 61).ToList()
            : [("ints", Tensor.RandInt(0, 6, new Shape(50, 3, 4), new Generator(8), dtype).Permute(2, 1, 0))];
        foreach (var (_, x) in inputs)
            using (x)
                foreach (var axis in new[] { -1, 0 })
                    foreach (var k in new[] { 1, 3, x.Size(axis) })
                        foreach (var largest in new[] { true, false })
                        {
                            var (rv, ri) = RefTopK(x, k, axis, largest);
                            var (v, i) = x.TopK(k, axis, largest);
                            using (v)
                            using (i)
                            {
                                Assert.Equal(dtype, v.DType);
                                Assert.Equal(ri, i.ToArray<long>());
                                TestUtil.AssertClose(rv, v.ToDoubleArray(), 0, 0);
                            }
                        }
    }

    [Fact]
    public void TiesAndNaN()
    {
        using var x = Tensor.FromArray(new float[] { 2, 7, float.NaN, 7, 2, -1, 7 });
        var (v, i) = x.TopK(4);
        using (v)
        using (i)
        {
            Assert.Equal(new long[] { 2, 1, 3, 6 }, i.ToArray<long>());
            Assert.True(float.IsNaN(v.ToArray<float>()[0]));
        }
        var (sv, si) = x.Sort();
        using (sv)
        using (si)
            Assert.Equal(new long[] { 5, 0, 4, 1, 3, 6, 2 }, si.ToArray<long>());
        using var desc = x.ArgSort(descending: true);
        Assert.Equal(new long[] { 2, 1, 3, 6, 0, 4, 5 }, desc.ToArray<long>());
    }

    [Fact]
    public void LargeRowUsesHeapPathCorrectly()
    {
        using var x = Tensor.RandInt(0, 50, new Shape(2, 4000), new Generator(12), DType.I32);
        var (rv, ri) = RefTopK(x, 10, 1, true);
        var (v, i) = x.TopK(10);
        using (v)
        using (i)
        {
            Assert.Equal(ri, i.ToArray<long>());
            TestUtil.AssertClose(rv, v.ToDoubleArray(), 0, 0);
        }
    }

    [Fact]
    public void BadKIsRejected()
    {
        using var x = Tensor.Zeros(3, 4);
        var ex = Assert.Throws<ArgumentException>(() => x.TopK(5));
        Assert.Contains("TopK", ex.Message);
        Assert.Contains("size 4", ex.Message);
        Assert.Throws<ArgumentException>(() => x.TopK(-1));
        Assert.Throws<AxisOutOfRangeException>(() => x.TopK(1, 2));
        var (v, i) = x.TopK(0);
        using (v)
        using (i)
            TestUtil.AssertShape(v, 3, 0);
    }
}
