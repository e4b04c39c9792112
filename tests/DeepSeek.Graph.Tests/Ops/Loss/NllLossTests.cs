using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.LossFamily;

using Shape = DeepSeek.Shape;

/// <summary>NegativeLogLikelihoodLoss against hand-computed values and a naive double-precision reference.</summary>
public class NllLossTests
{
    private const string Op = "NegativeLogLikelihoodLoss";

    // Rows are log-probabilities (any values work: the op only gathers and negates).
    private static Tensor Input3x3() => Tensor.FromArray(new float[] { -1, -2, -3, -0.5f, -1.5f, -2.5f, -0.25f, -1, -2 }, 3, 3);
    private static Tensor Weight() => Tensor.FromArray(new float[] { 0.2f, 0.3f, 0.5f });

    [Theory]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(22)]
    public void ReductionsWithoutWeight(long opset)
    {
        using var x = Input3x3();
        using var t = Tensor.FromArray(new long[] { 2, 0, 1 }, 3);
        // losses: 3, 0.5, 1
        AssertClose(Run(Op, opset, [x, t], [("reduction", "none")])[0], [3], [3, 0.5, 1]);
        AssertClose(Run(Op, opset, [x, t], [("reduction", "sum")])[0], [], [4.5]);
        AssertClose(Run(Op, opset, [x, t])[0], [], [1.5]); // default reduction is mean
    }

    [Fact]
    public void WeightedReductions()
    {
        using var x = Input3x3();
        using var t = Tensor.FromArray(new int[] { 2, 0, 1 }, 3); // int32 targets
        using var w = Weight();
        // weighted losses: 0.5·3 = 1.5, 0.2·0.5 = 0.1, 0.3·1 = 0.3; weights sum 1.0
        AssertClose(Run(Op, 13, [x, t, w], [("reduction", "none")])[0], [3], [1.5, 0.1, 0.3]);
        AssertClose(Run(Op, 13, [x, t, w], [("reduction", "sum")])[0], [], [1.9]);
        using var t2 = Tensor.FromArray(new long[] { 2, 0, 2 }, 3);
        // 0.5·3 + 0.2·0.5 + 0.5·2 = 2.6 over weights 0.5 + 0.2 + 0.5 = 1.2
        AssertClose(Run(Op, 13, [x, t2, w], [("reduction", "mean")])[0], [], [2.6 / 1.2]);
    }

    [Fact]
    public void IgnoreIndexZeroesLossAndWeight()
    {
        using var x = Input3x3();
        using var t = Tensor.FromArray(new long[] { 2, 1, 0 }, 3);
        using var w = Weight();
        var ii = ("ignore_index", 1);
        AssertClose(Run(Op, 13, [x, t], [ii, ("reduction", "none")])[0], [3], [3, 0, 0.25]);
        // mean without weights: sum over the non-ignored count (2)
        AssertClose(Run(Op, 13, [x, t], [ii])[0], [], [3.25 / 2]);
        // weighted mean: (0.5·3 + 0.2·0.25) / (0.5 + 0.2)
        AssertClose(Run(Op, 13, [x, t, w], [ii])[0], [], [(1.5 + 0.05) / 0.7]);
        AssertClose(Run(Op, 13, [x, t, w], [ii, ("reduction", "sum")])[0], [], [1.55]);
    }

    [Fact]
    public void NegativeAndOutOfRangeIgnoreIndex()
    {
        using var x = Input3x3();
        using var neg = Tensor.FromArray(new long[] { -1, 0, 2 }, 3);
        AssertClose(Run(Op, 13, [x, neg], [("ignore_index", -1), ("reduction", "none")])[0], [3], [0, 0.5, 2]);
        using var high = Tensor.FromArray(new long[] { 2, 10, 1 }, 3);
        AssertClose(Run(Op, 13, [x, high], [("ignore_index", 10), ("reduction", "sum")])[0], [], [4]);
    }

    [Fact]
    public void AllIgnoredMeanIsNaN()
    {
        using var x = Input3x3();
        using var t = Tensor.FromArray(new long[] { 1, 1, 1 }, 3);
        AssertClose(Run(Op, 13, [x, t], [("ignore_index", 1)])[0], [], [double.NaN]);
    }

    [Fact]
    public void SpatialDims()
    {
        // [N=1, C=2, 2, 2]: channel 0 = -1 -2 -3 -4, channel 1 = -5 -6 -7 -8
        using var x = Tensor.FromArray(new float[] { -1, -2, -3, -4, -5, -6, -7, -8 }, 1, 2, 2, 2);
        using var t = Tensor.FromArray(new long[] { 0, 1, 1, 0 }, 1, 2, 2);
        AssertClose(Run(Op, 13, [x, t], [("reduction", "none")])[0], [1, 2, 2], [1, 6, 7, 4]);
        AssertClose(Run(Op, 13, [x, t], [("reduction", "mean")])[0], [], [4.5]);
        using var w = Tensor.FromArray(new float[] { 2, 0.5f });
        // 2·1 + 0.5·6 + 0.5·7 + 2·4 = 16.5 over 5
        AssertClose(Run(Op, 13, [x, t, w])[0], [], [16.5 / 5]);
    }

    [Fact]
    public void RandomFourDimNonContiguousMatchesReference()
    {
        // Input given as a permuted view [N, C, d1, d2] of a [N, d1, d2, C] tensor; weights and ignore_index on.
        using var raw = RandN(5, 3, 4, 2, 5);
        using var x = raw.Permute(0, 3, 1, 2);
        var shape = new[] { 3, 5, 4, 2 };
        var targetData = new long[3 * 4 * 2];
        var rng = new Random(7);
        for (int i = 0; i < targetData.Length; i++) targetData[i] = rng.Next(-1, 5); // -1 is ignored
        using var t = Tensor.FromArray(targetData, 3, 4, 2);
        using var w = Tensor.FromArray(new float[] { 0.1f, 1, 2, 0.5f, 3 });
        var xd = x.Contiguous().ToDoubleArray();
        double[] wd = [0.1f, 1, 2, 0.5f, 3];
        var expected = new double[targetData.Length];
        double num = 0, den = 0;
        int f = 0;
        for (int n = 0; n < 3; n++)
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 2; b++, f++)
                {
                    long c = targetData[f];
                    if (c == -1) continue;
                    expected[f] = -wd[c] * xd[((n * 5 + c) * 4 + a) * 2 + b];
                    num += expected[f];
                    den += wd[c];
                }
        Assert.Equal(new Shape(shape), x.Shape);
        AssertClose(Run(Op, 22, [x, t, w], [("ignore_index", -1), ("reduction", "none")])[0], [3, 4, 2], expected);
        AssertClose(Run(Op, 22, [x, t, w], [("ignore_index", -1)])[0], [], [num / den]);
    }

    [Theory]
    [InlineData(DType.F64)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void OtherFloatTypesKeepTheirDType(DType dtype)
    {
        // Built from doubles so the F64 case is checked at F64 precision.
        using var x64 = Tensor.FromArray(new double[] { -1, -2, -3, -0.5, -1.5, -2.5, -0.25, -1, -2 }, 3, 3);
        using var w64 = Tensor.FromArray(new double[] { 0.2, 0.3, 0.5 });
        using var x = x64.To(dtype);
        using var w = w64.To(dtype);
        using var t = Tensor.FromArray(new long[] { 2, 0, 1 }, 3);
        var none = Run(Op, 22, [x, t, w], [("reduction", "none")])[0];
        Assert.Equal(dtype, none.DType);
        double tol = dtype == DType.F64 ? 1e-12 : 1e-2;
        AssertClose(none, [3], [1.5, 0.1, 0.3], tol, tol);
        var mean = Run(Op, 22, [x, t, w])[0];
        Assert.Equal(dtype, mean.DType);
        AssertClose(mean, [], [1.9], tol, tol);
    }

    [Fact]
    public void BadTargetValueNamesTheNode()
    {
        using var x = Input3x3();
        using var t = Tensor.FromArray(new long[] { 2, 3, 0 }, 3);
        var ex = Assert.Throws<IndexOutOfRangeException>(() => Run(Op, 13, [x, t]));
        Assert.Contains("NegativeLogLikelihoodLoss node", ex.Message);
        Assert.Contains("target value 3", ex.Message);
        using var neg = Tensor.FromArray(new long[] { 2, -2, 0 }, 3);
        var ex2 = Assert.Throws<IndexOutOfRangeException>(() => Run(Op, 13, [x, neg], [("ignore_index", -1)]));
        Assert.Contains("target value -2", ex2.Message);
        Assert.Contains("ignore_index -1", ex2.Message);
    }

    [Fact]
    public void BadShapesTypesAndAttributesThrow()
    {
        using var x = Input3x3();
        using var t = Tensor.FromArray(new long[] { 2, 0, 1 }, 3);
        using var shortT = Tensor.FromArray(new long[] { 2, 0 }, 2);
        var e1 = Assert.Throws<ShapeMismatchException>(() => Run(Op, 13, [x, shortT]));
        Assert.Contains("target must have shape [3]", e1.Message);
        using var fT = Tensor.FromArray(new float[] { 2, 0, 1 }, 3);
        Assert.Throws<DTypeMismatchException>(() => Run(Op, 13, [x, fT]));
        using var w2 = Tensor.FromArray(new float[] { 1, 2 });
        var e3 = Assert.Throws<ShapeMismatchException>(() => Run(Op, 13, [x, t, w2]));
        Assert.Contains("weight must have shape [3]", e3.Message);
        using var w64 = Tensor.FromArray(new double[] { 1, 2, 3 });
        Assert.Throws<DTypeMismatchException>(() => Run(Op, 13, [x, t, w64]));
        var e5 = Assert.Throws<ArgumentException>(() => Run(Op, 13, [x, t], [("reduction", "max")]));
        Assert.Contains("reduction 'max'", e5.Message);
        using var xi = Tensor.FromArray(new int[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 3, 3);
        Assert.Throws<UnsupportedOperatorException>(() => Run(Op, 13, [xi, t]));
        using var x1 = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        Assert.Throws<ShapeMismatchException>(() => Run(Op, 13, [x1, t]));
    }
}
