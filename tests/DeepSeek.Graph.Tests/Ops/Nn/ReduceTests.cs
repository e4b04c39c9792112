using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.Nn;

using Shape = DeepSeek.Shape;

public sealed class ReduceTests
{
    // x = [[1, −2, 3], [4, 5, −6]].
    private static Tensor X() => Tensor.FromArray(new float[] { 1, -2, 3, 4, 5, -6 }, 2, 3);

    [Theory]
    [InlineData("ReduceSum", new double[] { 5, 3, -3 }, new double[] { 2, 3 })]
    [InlineData("ReduceMean", new double[] { 2.5, 1.5, -1.5 }, new double[] { 2.0 / 3, 1 })]
    [InlineData("ReduceMax", new double[] { 4, 5, 3 }, new double[] { 3, 5 })]
    [InlineData("ReduceMin", new double[] { 1, -2, -6 }, new double[] { -2, -6 })]
    [InlineData("ReduceProd", new double[] { 4, -10, -18 }, new double[] { -6, -120 })]
    [InlineData("ReduceL1", new double[] { 5, 7, 9 }, new double[] { 6, 15 })]
    [InlineData("ReduceSumSquare", new double[] { 17, 29, 45 }, new double[] { 14, 77 })]
    public void ReduceAlongEachAxis(string op, double[] axis0, double[] axis1)
    {
        using var x = X();
        // Opset 11: axes attribute; opset 18 (13 for ReduceSum): axes input.
        AssertClose(Run(op, 11, [x], [("axes", new[] { 0 }), ("keepdims", 0)])[0], [3], axis0);
        using var ax = Tensor.FromArray(new long[] { -1 });
        AssertClose(Run(op, 18, [x, ax])[0], [2, 1], axis1);
    }

    [Fact]
    public void L2LogSumAndLogSumExp()
    {
        using var x = Tensor.FromArray(new float[] { 3, 4, 1, 2 }, 2, 2);
        AssertClose(Run("ReduceL2", 13, [x], [("axes", new[] { 1 })])[0], [2, 1], [5, Math.Sqrt(5)]);
        AssertClose(Run("ReduceLogSum", 13, [x])[0], [1, 1], [Math.Log(10)]);
        AssertClose(Run("ReduceLogSumExp", 18, [x], [("keepdims", 0)])[0], [], [Math.Log(Math.Exp(3) + Math.Exp(4) + Math.E + Math.Exp(2))]);
    }

    [Fact]
    public void EmptyAxesReduceAllOrNothing()
    {
        using var x = X();
        using var none = Tensor.Zeros(new Shape(0), DType.I64);
        AssertClose(Run("ReduceSum", 13, [x, none])[0], [1, 1], [5]);
        var noop = Run("ReduceSum", 13, [x, none], [("noop_with_empty_axes", 1)])[0];
        AssertClose(noop, [2, 3], [1, -2, 3, 4, 5, -6]);
        AssertClose(Run("ReduceSumSquare", 18, [x, none], [("noop_with_empty_axes", 1)])[0], [2, 3], [1, 4, 9, 16, 25, 36]);
    }

    [Fact]
    public void EmptySetGivesTheIdentity()
    {
        using var e = Tensor.Zeros(new Shape(2, 0, 4));
        using var ax = Tensor.FromArray(new long[] { 1 });
        AssertClose(Run("ReduceSum", 13, [e, ax])[0], [2, 1, 4], new double[8]);
        AssertClose(Run("ReduceProd", 18, [e, ax])[0], [2, 1, 4], Enumerable.Repeat(1.0, 8).ToArray());
        AssertClose(Run("ReduceMax", 18, [e, ax], [("keepdims", 0)])[0], [2, 4], Enumerable.Repeat(double.NegativeInfinity, 8).ToArray());
        AssertClose(Run("ReduceMin", 18, [e, ax])[0], [2, 1, 4], Enumerable.Repeat(double.PositiveInfinity, 8).ToArray());
        AssertClose(Run("ReduceLogSumExp", 18, [e, ax])[0], [2, 1, 4], Enumerable.Repeat(double.NegativeInfinity, 8).ToArray());
    }

    [Fact]
    public void IntegerBoolAndStridedInputs()
    {
        using var i = Tensor.FromArray(new int[] { 1, 2, 3, 4 }, 2, 2);
        var s = Run("ReduceSum", 13, [i])[0];
        Assert.Equal(DType.I32, s.DType);
        Assert.Equal(new[] { 10 }, s.ToArray<int>());
        var mean = Run("ReduceMean", 18, [i], [("keepdims", 0)])[0];
        Assert.Equal(DType.I32, mean.DType);
        using var bo = Tensor.FromArray(new bool[] { true, false, false, false }, 2, 2);
        using var ax = Tensor.FromArray(new long[] { 1 });
        var bmax = Run("ReduceMax", 20, [bo, ax], [("keepdims", 0)])[0];
        Assert.Equal(new[] { true, false }, bmax.ToArray<bool>());
        using var x = X();
        using var t = x.Transpose(0, 1); // [3, 2] view
        AssertClose(Run("ReduceSum", 11, [t], [("axes", new[] { 1 })])[0], [3, 1], [5, 3, -3]);
        Assert.Throws<AxisOutOfRangeException>(() => Run("ReduceSum", 11, [t], [("axes", new[] { 2 })]));
    }

    [Fact]
    public void ArgMaxArgMinWithLastIndex()
    {
        using var x = Tensor.FromArray(new float[] { 2, 7, 7, 1, 1, 0 }, 2, 3);
        Assert.Equal(new long[] { 1, 0 }, Run("ArgMax", 13, [x], [("axis", 1), ("keepdims", 0)])[0].ToArray<long>());
        var last = Run("ArgMax", 13, [x], [("axis", -1), ("select_last_index", 1)])[0];
        Assert.Equal(new Shape(2, 1), last.Shape);
        Assert.Equal(new long[] { 2, 1 }, last.ToArray<long>());
        Assert.Equal(new long[] { 0, 2 }, Run("ArgMin", 13, [x], [("axis", 1), ("keepdims", 0)])[0].ToArray<long>());
        Assert.Equal(new long[] { 1, 1, 1 }, Run("ArgMin", 13, [x], [("keepdims", 0)])[0].ToArray<long>());
        using var i = Tensor.FromArray(new int[] { 3, 3, 1 });
        Assert.Equal(new long[] { 1 }, Run("ArgMax", 12, [i], [("select_last_index", 1)])[0].ToArray<long>());
    }

    [Fact]
    public void SoftmaxFamilyAxisSemanticsBeforeAndAfter13()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 0, 0, 0, 1 }, 2, 2, 2);
        // Opset 13, axis −1: pairs (1, 2), (3, 4), (0, 0), (0, 1).
        double s1 = 1 / (1 + Math.E);
        AssertClose(Run("Softmax", 13, [x])[0], [2, 2, 2], [s1, 1 - s1, s1, 1 - s1, 0.5, 0.5, s1, 1 - s1]);
        // Opset 11, axis 1: coerced to [2, 4], softmax over 4 values.
        var y11 = Run("Softmax", 11, [x])[0];
        double z0 = Math.E + Math.Exp(2) + Math.Exp(3) + Math.Exp(4), z1 = 3 + Math.E;
        AssertClose(y11, [2, 2, 2], [Math.E / z0, Math.Exp(2) / z0, Math.Exp(3) / z0, Math.Exp(4) / z0, 1 / z1, 1 / z1, 1 / z1, Math.E / z1]);
        var ls = Run("LogSoftmax", 1, [x], [("axis", 2)])[0];
        AssertClose(ls, [2, 2, 2], [Math.Log(s1), Math.Log(1 - s1), Math.Log(s1), Math.Log(1 - s1), Math.Log(0.5), Math.Log(0.5), Math.Log(s1), Math.Log(1 - s1)]);
        // Hardmax 13 on axis 1 (ties → first); opset 11 over the flattened [2, 4] rows.
        AssertClose(Run("Hardmax", 13, [x], [("axis", 1)])[0], [2, 2, 2], [0, 0, 1, 1, 1, 0, 0, 1]);
        AssertClose(Run("Hardmax", 11, [x])[0], [2, 2, 2], [0, 0, 0, 1, 0, 0, 0, 1]);
    }

    [Fact]
    public void TopKAndCumSum()
    {
        using var x = Tensor.FromArray(new float[] { 1, 3, 3, 2, 0, 5, 4, 4 }, 2, 4);
        using var k = Tensor.FromArray(new long[] { 2 });
        var o = Run("TopK", 11, [x, k], outputs: 2);
        Assert.Equal(new float[] { 3, 3, 5, 4 }, o[0].ToArray<float>());
        Assert.Equal(new long[] { 1, 2, 1, 2 }, o[1].ToArray<long>());
        var small = Run("TopK", 11, [x, k], [("largest", 0), ("axis", 0)], outputs: 2);
        Assert.Equal(new float[] { 0, 3, 3, 2, 1, 5, 4, 4 }, small[0].ToArray<float>());
        var v1 = Run("TopK", 1, [x], [("k", 1)], outputs: 2);
        Assert.Equal(new float[] { 3, 5 }, v1[0].ToArray<float>());
        using var big = Tensor.FromArray(new long[] { 5 });
        Assert.Throws<ArgumentException>(() => Run("TopK", 11, [x, big], outputs: 2));

        using var c = Tensor.FromArray(new int[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var ax = Tensor.Scalar(1, DType.I32);
        var cs = Run("CumSum", 14, [c, ax])[0];
        Assert.Equal(DType.I32, cs.DType);
        Assert.Equal(new[] { 1, 3, 6, 4, 9, 15 }, cs.ToArray<int>());
        using var ax0 = Tensor.Scalar(-2, DType.I64);
        using var cf = c.To(DType.F32);
        AssertClose(Run("CumSum", 11, [cf, ax0], [("exclusive", 1), ("reverse", 1)])[0], [2, 3], [4, 5, 6, 0, 0, 0]);
    }
}
