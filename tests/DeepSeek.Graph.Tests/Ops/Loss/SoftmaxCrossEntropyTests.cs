using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.LossFamily;

using Shape = DeepSeek.Shape;

/// <summary>SoftmaxCrossEntropyLoss against a naive double-precision log-softmax reference.</summary>
public class SoftmaxCrossEntropyTests
{
    private const string Op = "SoftmaxCrossEntropyLoss";

    private static readonly double[] Scores = [1, 2, 3, 0.5, -1, 0, 2, 2, -3];

    // log_softmax over the class axis of a row-major [N, C] array.
    private static double[] LogSoftmaxRows(double[] x, int n, int c)
    {
        var r = new double[x.Length];
        for (int i = 0; i < n; i++)
        {
            double m = double.NegativeInfinity, s = 0;
            for (int j = 0; j < c; j++) m = Math.Max(m, x[i * c + j]);
            for (int j = 0; j < c; j++) s += Math.Exp(x[i * c + j] - m);
            for (int j = 0; j < c; j++) r[i * c + j] = x[i * c + j] - m - Math.Log(s);
        }
        return r;
    }

    [Theory]
    [InlineData(12)]
    [InlineData(13)]
    public void ReductionsAndLogProbOutput(long opset)
    {
        using var x = Tensor.FromArray(Scores.Select(v => (float)v).ToArray(), 3, 3);
        using var t = Tensor.FromArray(new long[] { 2, 0, 1 }, 3);
        var lp = LogSoftmaxRows(Scores, 3, 3);
        double[] losses = [-lp[2], -lp[3], -lp[7]];
        AssertClose(Run(Op, opset, [x, t], [("reduction", "none")])[0], [3], losses);
        AssertClose(Run(Op, opset, [x, t], [("reduction", "sum")])[0], [], [losses.Sum()]);
        var both = Run(Op, opset, [x, t], outputs: 2);
        AssertClose(both[0], [], [losses.Average()]);
        AssertClose(both[1], [3, 3], lp);
        Assert.Equal(DType.F32, both[1].DType);
    }

    [Fact]
    public void WeightsAndIgnoreIndex()
    {
        using var x = Tensor.FromArray(Scores.Select(v => (float)v).ToArray(), 3, 3);
        using var t = Tensor.FromArray(new int[] { 2, 1, 0 }, 3);
        using var w = Tensor.FromArray(new float[] { 0.2f, 0.3f, 0.5f });
        var lp = LogSoftmaxRows(Scores, 3, 3);
        double l0 = -0.5 * lp[2], l2 = -(double)0.2f * lp[6];
        AssertClose(Run(Op, 13, [x, t, w], [("ignore_index", 1), ("reduction", "none")])[0], [3], [l0, 0, l2]);
        AssertClose(Run(Op, 13, [x, t, w], [("ignore_index", 1)])[0], [], [(l0 + l2) / (0.5 + (double)0.2f)]);
        // without weights: mean over the two counted targets
        AssertClose(Run(Op, 13, [x, t], [("ignore_index", 1)])[0], [], [(-lp[2] - lp[6]) / 2]);
    }

    [Fact]
    public void SpatialNonContiguousScores()
    {
        // scores [N=2, C=3, d=2] given as a transposed view of [2, 2, 3]; class axis is 1.
        using var raw = RandN(11, 2, 2, 3);
        using var x = raw.Transpose(1, 2);
        var rd = raw.ToDoubleArray();
        using var t = Tensor.FromArray(new long[] { 0, 2, 1, -5 }, 2, 2);
        long[] td = [0, 2, 1, -5];
        var expected = new double[4];
        var lpExpected = new double[12];
        for (int n = 0; n < 2; n++)
            for (int d = 0; d < 2; d++)
            {
                var row = LogSoftmaxRows(rd.Skip((n * 2 + d) * 3).Take(3).ToArray(), 1, 3);
                for (int c = 0; c < 3; c++) lpExpected[(n * 3 + c) * 2 + d] = row[c];
                long cls = td[n * 2 + d];
                if (cls != -5) expected[n * 2 + d] = -row[cls];
            }
        var outs = Run(Op, 13, [x, t], [("ignore_index", -5), ("reduction", "none")], outputs: 2);
        AssertClose(outs[0], [2, 2], expected);
        AssertClose(outs[1], [2, 3, 2], lpExpected);
        Assert.Equal(new Shape(2, 3, 2), x.Shape);
    }

    [Theory]
    [InlineData(DType.F64)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void OtherFloatTypesKeepTheirDType(DType dtype)
    {
        using var x32 = Tensor.FromArray(Scores.Select(v => (float)v).ToArray(), 3, 3);
        using var x = x32.To(dtype);
        using var t = Tensor.FromArray(new long[] { 2, 0, 1 }, 3);
        var lp = LogSoftmaxRows(Scores, 3, 3);
        var outs = Run(Op, 13, [x, t], [("reduction", "sum")], outputs: 2);
        Assert.Equal(dtype, outs[0].DType);
        Assert.Equal(dtype, outs[1].DType);
        double tol = dtype == DType.F64 ? 1e-12 : 1e-2;
        AssertClose(outs[0], [], [-lp[2] - lp[3] - lp[7]], tol, tol);
        AssertClose(outs[1], [3, 3], lp, tol, tol);
    }

    [Fact]
    public void ErrorsNameTheNode()
    {
        using var x = Tensor.FromArray(Scores.Select(v => (float)v).ToArray(), 3, 3);
        using var bad = Tensor.FromArray(new long[] { 2, 0, 3 }, 3);
        var e1 = Assert.Throws<IndexOutOfRangeException>(() => Run(Op, 13, [x, bad]));
        Assert.Contains("SoftmaxCrossEntropyLoss node", e1.Message);
        using var t2d = Tensor.FromArray(new long[] { 2, 0, 1 }, 3, 1);
        var e2 = Assert.Throws<ShapeMismatchException>(() => Run(Op, 13, [x, t2d]));
        Assert.Contains("labels must have shape [3]", e2.Message);
        using var t = Tensor.FromArray(new long[] { 2, 0, 1 }, 3);
        Assert.Throws<ArgumentException>(() => Run(Op, 13, [x, t], [("reduction", "avg")]));
    }
}
