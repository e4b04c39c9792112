namespace DeepSeek.Tests.Reduction;

public class CumSumTests
{
    private static double[] RefCumSum(Tensor x, int axis, bool exclusive, bool reverse)
    {
        var shape = x.Shape.ToArray();
        var data = x.ToDoubleArray();
        var result = new double[data.Length];
        foreach (var line in Ref.Lines(shape, axis < 0 ? axis + shape.Length : axis))
        {
            var order = reverse ? line.Reverse().ToArray() : line;
            double acc = 0;
            foreach (var i in order)
            {
                if (!exclusive) acc += data[i];
                result[i] = acc;
                if (exclusive) acc += data[i];
            }
        }
        return result;
    }

    [Theory]
    [InlineData(DType.F32, 1e-5)]
    [InlineData(DType.F64, 1e-12)]
    [InlineData(DType.F16, 4e-3)]
    [InlineData(DType.BF16, 3e-2)]
    public void FloatMatchesReference(DType dtype, double tol)
    {
        foreach (var (_, x) in Ref.Layouts([3, 5, 17], dtype, 51))
            using (x)
                foreach (var axis in new[] { 0, 1, -1 })
                    foreach (var exclusive in new[] { false, true })
                        foreach (var reverse in new[] { false, true })
                        {
                            using var y = x.CumSum(axis, exclusive, reverse);
                            Assert.Equal(dtype, y.DType);
                            TestUtil.AssertClose(RefCumSum(x, axis, exclusive, reverse), y.ToDoubleArray(), tol, tol * 10);
                        }
    }

    [Theory]
    [InlineData(DType.I8)]
    [InlineData(DType.U8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    [InlineData(DType.Bool)]
    public void IntegersAccumulateInI64(DType dtype)
    {
        using var raw = Tensor.RandInt(0, 100, new Shape(6, 8), new Generator(2), dtype == DType.Bool ? DType.I64 : dtype);
        using var src = dtype == DType.Bool ? raw.To(DType.Bool) : raw.Clone();
        using var x = src.T;
        foreach (var axis in new[] { 0, 1 })
        {
            using var y = x.CumSum(axis, reverse: axis == 1);
            Assert.Equal(DType.I64, y.DType);
            TestUtil.AssertClose(RefCumSum(x, axis, false, axis == 1), y.ToDoubleArray(), 0, 0);
        }
        using var big = Tensor.Full(new Shape(300), 100, DType.I8);
        using var bs = big.CumSum(0);
        Assert.Equal(30000L, bs.ToArray<long>()[^1]); // no I8 overflow
    }

    [Fact]
    public void HandComputedOptions()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 });
        using var a = x.CumSum(0);
        using var b = x.CumSum(0, exclusive: true);
        using var c = x.CumSum(0, reverse: true);
        using var d = x.CumSum(0, exclusive: true, reverse: true);
        TestUtil.AssertClose(a, [1, 3, 6, 10]);
        TestUtil.AssertClose(b, [0, 1, 3, 6]);
        TestUtil.AssertClose(c, [10, 9, 7, 4]);
        TestUtil.AssertClose(d, [9, 7, 4, 0]);
        Assert.Throws<AxisOutOfRangeException>(() => x.CumSum(1));
    }
}
