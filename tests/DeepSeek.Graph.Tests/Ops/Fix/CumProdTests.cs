using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.FixFamily;

using Shape = DeepSeek.Shape;

/// <summary>CumProd (opset 26) against a naive double reference and exact integer values.</summary>
public sealed class CumProdTests
{
    private static double[] Naive(double[] x, int rows, int cols, int axis, bool exclusive, bool reverse)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int n = axis == 0 ? rows : cols, i = axis == 0 ? r : c;
                double p = 1;
                for (int j = 0; j < n; j++)
                {
                    bool take = reverse ? (exclusive ? j > i : j >= i) : (exclusive ? j < i : j <= i);
                    if (take) p *= axis == 0 ? x[j * cols + c] : x[r * cols + j];
                }
                y[r * cols + c] = p;
            }
        return y;
    }

    [Theory]
    [InlineData(0, false, false)]
    [InlineData(1, false, false)]
    [InlineData(1, true, false)]
    [InlineData(-1, false, true)]
    [InlineData(0, true, true)]
    public void FloatMatchesNaive(long axis, bool exclusive, bool reverse)
    {
        using var x = RandN(5, 3, 4);
        using var a = Tensor.FromArray(new long[] { axis }, 1).Reshape();
        var y = Run("CumProd", 26, [x, a], [("exclusive", exclusive ? 1L : 0L), ("reverse", reverse ? 1L : 0L)]);
        AssertClose(y[0], [3, 4], Naive(x.ToDoubleArray(), 3, 4, axis < 0 ? 1 : (int)axis, exclusive, reverse), 1e-5, 1e-6);
    }

    [Fact]
    public void TransposedF64Input()
    {
        using var b = RandN(6, 4, 3);
        using var b64 = b.To(DType.F64);
        using var t = b64.Transpose(0, 1);
        using var a = Tensor.FromArray(new int[] { 1 }, 1);
        var y = Run("CumProd", 26, [t, a]);
        Assert.Equal(DType.F64, y[0].DType);
        AssertClose(y[0], [3, 4], Naive(t.ToDoubleArray(), 3, 4, 1, false, false), 1e-12, 1e-12);
    }

    [Fact]
    public void IntegersAreExact()
    {
        using var x = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 3037000499L, 1, 3037000499L }, 2, 4);
        using var a = Tensor.FromArray(new long[] { 1 }, 1);
        var y = Run("CumProd", 26, [x, a], [("exclusive", 1L)]);
        Assert.Equal(new long[] { 1, 1, 2, 6, 1, 5, 5 * 3037000499L, 5 * 3037000499L }, y[0].ToArray<long>());
        using var xi = Tensor.FromArray(new int[] { 2, 3, 4 }, 3);
        var yi = Run("CumProd", 26, [xi, a.Reshape().Sub(1)], [("reverse", 1L)]);
        Assert.Equal(new int[] { 24, 12, 4 }, yi[0].ToArray<int>());
    }

    [Fact]
    public void BadAxisAndDTypeThrowNamingTheOp()
    {
        using var x = RandN(7, 2, 3);
        using var bad = Tensor.FromArray(new long[] { 2 }, 1);
        var ex = Assert.Throws<AxisOutOfRangeException>(() => Run("CumProd", 26, [x, bad]));
        Assert.Contains("CumProd", ex.Message);
        using var b = Tensor.FromArray(new bool[] { true, false }, 2);
        using var zero = Tensor.FromArray(new long[] { 0 }, 1);
        Assert.Throws<DTypeMismatchException>(() => Run("CumProd", 26, [b, zero]));
    }
}
