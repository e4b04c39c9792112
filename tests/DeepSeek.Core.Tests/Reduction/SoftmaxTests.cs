namespace DeepSeek.Tests.Reduction;

public class SoftmaxTests
{
    private static double[] RefSoftmax(Tensor x, int axis, bool log)
    {
        var shape = x.Shape.ToArray();
        var data = x.ToDoubleArray();
        var result = new double[data.Length];
        foreach (var line in Ref.Lines(shape, axis < 0 ? axis + shape.Length : axis))
        {
            double m = line.Max(i => data[i]);
            double s = line.Sum(i => Math.Exp(data[i] - m));
            foreach (var i in line) result[i] = log ? data[i] - m - Math.Log(s) : Math.Exp(data[i] - m) / s;
        }
        return result;
    }

    [Theory]
    [InlineData(DType.F32, 2e-6)]
    [InlineData(DType.F64, 1e-13)]
    [InlineData(DType.F16, 2e-3)]
    [InlineData(DType.BF16, 1.6e-2)]
    public void MatchesReferenceOnEveryAxisAndLayout(DType dtype, double tol)
    {
        foreach (var (name, x) in Ref.Layouts([3, 4, 37], dtype, 41))
            using (x)
                foreach (var axis in new[] { -1, 0, 1 })
                    foreach (var log in new[] { false, true })
                    {
                        using var y = log ? x.LogSoftmax(axis) : x.Softmax(axis);
                        Assert.Equal(dtype, y.DType);
                        TestUtil.AssertShape(y, 3, 4, 37);
                        TestUtil.AssertClose(RefSoftmax(x, axis, log), y.ToDoubleArray(), tol * 10, tol);
                    }
    }

    [Fact]
    public void WideColumnChunksAndNaNColumns()
    {
        using var raw = Tensor.RandN(new Shape(2, 5, 600), new Generator(8), std: 10);
        var data = raw.ToArray<float>();
        data[2 * 600 + 300] = float.NaN; // outer 0, row 2, column 300
        using var x = Tensor.FromArray(data, 2, 5, 600);
        foreach (var log in new[] { false, true })
        {
            using var y = log ? x.LogSoftmax(1) : x.Softmax(1);
            var got = y.ToDoubleArray();
            var expected = RefSoftmax(x, 1, log);
            for (int r = 0; r < 5; r++) Assert.True(double.IsNaN(got[r * 600 + 300]), $"row {r}: NaN must fill its column");
            TestUtil.AssertClose(expected, got, 1e-5, 1e-6);
        }
    }

    [Fact]
    public void RowsSumToOneAndLargeLogitsDoNotOverflow()
    {
        var g = new Generator(5);
        var data = new float[4 * 1000];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(g.NextDouble() * 2000 - 1000);
        data[17] = 1000;
        data[1017] = -1000;
        using var x = Tensor.FromArray(data, 4, 1000);
        using var y = x.Softmax(-1);
        using var rows = y.Sum(1);
        TestUtil.AssertClose(rows, [1, 1, 1, 1], 1e-5);
        Assert.All(y.ToDoubleArray(), v => Assert.True(v >= 0 && v <= 1 && !double.IsNaN(v)));
        using var ls = x.LogSoftmax(-1);
        Assert.All(ls.ToDoubleArray(), v => Assert.True(double.IsFinite(v) && v <= 0));
        TestUtil.AssertClose(RefSoftmax(x, 1, true), ls.ToDoubleArray(), 1e-6, 1e-3);
        using var big = Tensor.FromArray(new float[] { 1000, 1000, -1000 });
        using var bs = big.Softmax(0);
        TestUtil.AssertClose(bs, [0.5, 0.5, 0]);
        using var bl = big.LogSoftmax(0);
        TestUtil.AssertClose(bl, [-Math.Log(2), -Math.Log(2), -2000 - Math.Log(2)], 1e-6);
    }

    [Fact]
    public void IntegerInputIsRejected()
    {
        using var x = Tensor.Arange(4);
        var ex = Assert.Throws<DTypeMismatchException>(() => x.Softmax(0));
        Assert.Contains("Softmax", ex.Message);
        Assert.Throws<DTypeMismatchException>(() => x.LogSoftmax(0));
        Assert.Throws<AxisOutOfRangeException>(() => x.To(DType.F32).Softmax(1));
    }
}
