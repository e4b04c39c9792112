using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.Nn;

using Shape = DeepSeek.Shape;

public sealed class ConvTests
{
    [Fact]
    public void BasicConvWithPaddingMatchesHandValues()
    {
        using var x = Tensor.Arange(0, 25, 1, DType.F32).Reshape(1, 1, 5, 5);
        using var w = Tensor.Ones(1, 1, 3, 3);
        var y = Run("Conv", 11, [x, w], [("kernel_shape", new[] { 3, 3 }), ("pads", new[] { 1, 1, 1, 1 })])[0];
        // Row 0: 0+1+5+6 = 12, 0+1+2+5+6+7 = 21, 27, 33, 3+4+8+9 = 24.
        Assert.Equal(new float[] { 12, 21, 27, 33, 24 }, y.ToArray<float>()[..5]);
        Assert.Equal(new Shape(1, 1, 5, 5), y.Shape);
    }

    [Theory]
    [InlineData(1, 1, 1, new[] { 1, 0, 2, 1 }, 1)]
    [InlineData(2, 1, 2, new[] { 0, 1, 1, 0 }, 2)]
    [InlineData(1, 2, 1, new[] { 2, 2, 0, 1 }, 4)]
    public void Conv2dMatchesNaiveReference(int stride, int dilation, int strideW, int[] pads, int group)
    {
        const int n = 2, c = 4, h = 7, wd = 6, m = 8;
        using var x = RandN(1, n, c, h, wd);
        using var w = RandN(2, m, c / group, 3, 2);
        using var b = RandN(3, m);
        var s = new[] { stride, strideW };
        var dil = new[] { dilation, 1 };
        var y = Run("Conv", 22, [x, w, b], [("strides", s), ("dilations", dil), ("pads", pads), ("group", group)])[0];
        var pb = pads[..2];
        var pe = pads[2..];
        var outS = new int[2];
        int[] k = [3, 2];
        int[] ins = [h, wd];
        for (int i = 0; i < 2; i++) outS[i] = (ins[i] + pb[i] + pe[i] - (k[i] - 1) * dil[i] - 1) / s[i] + 1;
        var expected = Conv(x.ToDoubleArray(), [n, c, h, wd], w.ToDoubleArray(), [m, c / group, 3, 2], b.ToDoubleArray(), pb, s, dil, group, outS);
        AssertClose(y, [n, m, .. outS], expected);
    }

    [Theory]
    [InlineData("SAME_UPPER", 0, 1)]
    [InlineData("SAME_LOWER", 1, 0)]
    public void AutoPadSamePutsTheOddCellAtTheRightEnd(string mode, int begin, int end)
    {
        // Width 6, kernel 2, stride 2 → out 3, total pad 0; height 5, kernel 2, stride 1 → out 5, total pad 1.
        using var x = RandN(4, 1, 2, 5, 6);
        using var w = RandN(5, 3, 2, 2, 2);
        var y = Run("Conv", 11, [x, w], [("auto_pad", mode), ("strides", new[] { 1, 2 })])[0];
        var expected = Conv(x.ToDoubleArray(), [1, 2, 5, 6], w.ToDoubleArray(), [3, 2, 2, 2], null, [begin, 0], [1, 2], [1, 1], 1, [5, 3]);
        AssertClose(y, [1, 3, 5, 3], expected);
        _ = end;
    }

    [Fact]
    public void ValidPaddingAndNonContiguousInput()
    {
        using var xt = RandN(6, 1, 3, 6, 5);
        using var x = xt.Transpose(2, 3); // [1, 3, 5, 6] strided view
        using var w = RandN(7, 2, 3, 3, 3);
        var y = Run("Conv", 11, [x, w], [("auto_pad", "VALID")])[0];
        using var xc = x.Contiguous();
        var expected = Conv(xc.ToDoubleArray(), [1, 3, 5, 6], w.ToDoubleArray(), [2, 3, 3, 3], null, [0, 0], [1, 1], [1, 1], 1, [3, 4]);
        AssertClose(y, [1, 2, 3, 4], expected);
    }

    [Fact]
    public void Conv1dAndConv3dMatchNaiveReference()
    {
        using var x1 = RandN(8, 2, 3, 9);
        using var w1 = RandN(9, 4, 3, 3);
        var y1 = Run("Conv", 11, [x1, w1], [("pads", new[] { 2, 1 }), ("strides", new[] { 2 }), ("dilations", new[] { 2 })])[0];
        var e1 = Conv(x1.ToDoubleArray(), [2, 3, 9], w1.ToDoubleArray(), [4, 3, 3], null, [2], [2], [2], 1, [4]);
        AssertClose(y1, [2, 4, 4], e1);

        using var x3 = RandN(10, 1, 2, 5, 4, 4);
        using var w3 = RandN(11, 4, 1, 3, 2, 2);
        using var b3 = RandN(12, 4);
        var y3 = Run("Conv", 11, [x3, w3, b3], [("pads", new[] { 1, 0, 1, 0, 1, 0 }), ("strides", new[] { 2, 1, 2 }), ("group", 2)])[0];
        var e3 = Conv(x3.ToDoubleArray(), [1, 2, 5, 4, 4], w3.ToDoubleArray(), [4, 1, 3, 2, 2], b3.ToDoubleArray(), [1, 0, 1], [2, 1, 2], [1, 1, 1], 2, [2, 4, 2]);
        AssertClose(y3, [1, 4, 2, 4, 2], e3);
    }

    [Fact]
    public void F64ConvIsSupported()
    {
        using var x = RandN(13, 1, 2, 4, 4).To(DType.F64);
        using var w = RandN(14, 1, 2, 3, 3).To(DType.F64);
        var y = Run("Conv", 11, [x, w], [("pads", new[] { 1, 1, 1, 1 })])[0];
        Assert.Equal(DType.F64, y.DType);
        var e = Conv(x.ToDoubleArray(), [1, 2, 4, 4], w.ToDoubleArray(), [1, 2, 3, 3], null, [1, 1], [1, 1], [1, 1], 1, [4, 4]);
        AssertClose(y, [1, 1, 4, 4], e, 1e-10, 1e-10);
    }

    [Fact]
    public void ChannelMismatchNamesTheNode()
    {
        using var x = Tensor.Zeros(1, 3, 4, 4);
        using var w = Tensor.Zeros(2, 2, 3, 3);
        var ex = Assert.Throws<ShapeMismatchException>(() => Run("Conv", 11, [x, w]));
        Assert.Contains("Conv node 'node'", ex.Message);
        Assert.Contains("[1, 3, 4, 4]", ex.Message);
    }

    private static double[] ConvTransposeRef(double[] x, int[] xs, double[] w, int[] ws, double[]? b, int[] s, int[] dil, int[] pb, int group, int[] outS)
    {
        int n = xs[0], c = xs[1], mg = ws[1], d = xs.Length - 2;
        int m = mg * group;
        var outShape = new[] { n, m }.Concat(outS).ToArray();
        var yst = Strides(outShape);
        var y = new double[outShape.Aggregate(1, (p, v) => p * v)];
        var xst = Strides(xs);
        var wst = Strides(ws);
        foreach (var o in Indices(outShape)) if (b is not null) y[o.Select((v, i) => v * yst[i]).Sum()] = b[o[1]];
        foreach (var i in Indices(xs))
        {
            int g = i[1] / (c / group);
            for (int mo = 0; mo < mg; mo++)
                foreach (var k in Indices(ws[2..]))
                {
                    long yi = (long)i[0] * yst[0] + (long)(g * mg + mo) * yst[1];
                    bool inside = true;
                    for (int j = 0; j < d; j++)
                    {
                        int p = i[2 + j] * s[j] + k[j] * dil[j] - pb[j];
                        if (p < 0 || p >= outS[j]) { inside = false; break; }
                        yi += (long)p * yst[2 + j];
                    }
                    if (!inside) continue;
                    long wi = (long)i[1] * wst[0] + (long)mo * wst[1];
                    for (int j = 0; j < d; j++) wi += (long)k[j] * wst[2 + j];
                    y[yi] += x[i.Select((v, q) => v * xst[q]).Sum()] * w[wi];
                }
        }
        return y;
    }

    [Fact]
    public void ConvTranspose2dWithPadsOutputPaddingAndGroups()
    {
        using var x = RandN(20, 2, 4, 3, 4);
        using var w = RandN(21, 4, 3, 3, 2);
        using var b = RandN(22, 6);
        var y = Run("ConvTranspose", 11, [x, w, b], [("strides", new[] { 2, 3 }), ("pads", new[] { 1, 0, 0, 2 }), ("output_padding", new[] { 1, 1 }), ("group", 2), ("dilations", new[] { 1, 2 })])[0];
        // out = s·(in − 1) + (k − 1)·d + 1 + op − pads: H 2·2 + 2 + 1 + 1 − 1 = 7, W 3·3 + 2 + 1 + 1 − 2 = 11.
        var e = ConvTransposeRef(x.ToDoubleArray(), [2, 4, 3, 4], w.ToDoubleArray(), [4, 3, 3, 2], b.ToDoubleArray(), [2, 3], [1, 2], [1, 0], 2, [7, 11]);
        AssertClose(y, [2, 6, 7, 11], e);
    }

    [Fact]
    public void ConvTransposeOutputShapeAndAutoPad()
    {
        using var x = RandN(23, 1, 2, 3, 3);
        using var w = RandN(24, 2, 1, 3, 3);
        // Full size 2·2 + 3 = 7; output_shape 6 → total pad 1: SAME_UPPER puts it at the end, NOTSET at the beginning.
        var y = Run("ConvTranspose", 11, [x, w], [("strides", new[] { 2, 2 }), ("output_shape", new[] { 6, 6 }), ("auto_pad", "SAME_UPPER")])[0];
        var e = ConvTransposeRef(x.ToDoubleArray(), [1, 2, 3, 3], w.ToDoubleArray(), [2, 1, 3, 3], null, [2, 2], [1, 1], [0, 0], 1, [6, 6]);
        AssertClose(y, [1, 1, 6, 6], e);
        var y2 = Run("ConvTranspose", 11, [x, w], [("strides", new[] { 2, 2 }), ("output_shape", new[] { 6, 6 })])[0];
        var e2 = ConvTransposeRef(x.ToDoubleArray(), [1, 2, 3, 3], w.ToDoubleArray(), [2, 1, 3, 3], null, [2, 2], [1, 1], [1, 1], 1, [6, 6]);
        AssertClose(y2, [1, 1, 6, 6], e2);
    }

    [Fact]
    public void ConvTranspose1dAnd3d()
    {
        using var x1 = RandN(25, 1, 2, 4);
        using var w1 = RandN(26, 2, 3, 3);
        var y1 = Run("ConvTranspose", 11, [x1, w1], [("strides", new[] { 2 })])[0];
        AssertClose(y1, [1, 3, 9], ConvTransposeRef(x1.ToDoubleArray(), [1, 2, 4], w1.ToDoubleArray(), [2, 3, 3], null, [2], [1], [0], 1, [9]));

        using var x3 = RandN(27, 1, 2, 3, 2, 3);
        using var w3 = RandN(28, 2, 2, 2, 3, 2);
        using var b3 = RandN(29, 2);
        var y3 = Run("ConvTranspose", 11, [x3, w3, b3], [("strides", new[] { 2, 1, 2 }), ("pads", new[] { 1, 0, 0, 0, 1, 1 })])[0];
        // D: 2·2 + 1 + 1 − 1 = 5; H: 1 + 2 + 1 − 1 = 3; W: 2·2 + 1 + 1 − 1 = 5.
        AssertClose(y3, [1, 2, 5, 3, 5], ConvTransposeRef(x3.ToDoubleArray(), [1, 2, 3, 2, 3], w3.ToDoubleArray(), [2, 2, 2, 3, 2], b3.ToDoubleArray(), [2, 1, 2], [1, 1, 1], [1, 0, 0], 1, [5, 3, 5]));
    }

    [Fact]
    public void ConvIntegerSubtractsZeroPoints()
    {
        using var x = Tensor.FromArray(new byte[] { 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 1, 1, 3, 3);
        using var w = Tensor.FromArray(new byte[] { 1, 1, 1, 1 }, 1, 1, 2, 2);
        using var xz = Tensor.FromArray(new byte[] { 1 });
        var y = Run("ConvInteger", 10, [x, w, xz])[0];
        // (x − 1) = 1..9; 2×2 window sums: 1+2+4+5 = 12, 16, 24, 28.
        Assert.Equal(DType.I32, y.DType);
        Assert.Equal(new[] { 12, 16, 24, 28 }, y.ToArray<int>());
    }

    [Fact]
    public void ConvTransposeOutputShapeLargerThanFullPadsAtTheEnd()
    {
        using var x = RandN(30, 1, 1, 2, 2);
        using var w = RandN(31, 1, 1, 2, 2);
        // Full size 3; output_shape 4 → total −1, floor-halved: begin 0, end −1 (an extra zero row/column at the end).
        var y = Run("ConvTranspose", 11, [x, w], [("output_shape", new[] { 4, 4 })])[0];
        var full = ConvTransposeRef(x.ToDoubleArray(), [1, 1, 2, 2], w.ToDoubleArray(), [1, 1, 2, 2], null, [1, 1], [1, 1], [0, 0], 1, [4, 4]);
        AssertClose(y, [1, 1, 4, 4], full);
        Assert.Equal(0, y.ToArray<float>()[15]);
    }

    [Fact]
    public void QLinearConvRequantizes()
    {
        using var x = Tensor.FromArray(new byte[] { 10, 12, 14, 16 }, 1, 1, 2, 2);
        using var w = Tensor.FromArray(new sbyte[] { 1, -1, 2, 0 }, 1, 1, 2, 2);
        var y = Run("QLinearConv", 10, [x, Tensor.Scalar(0.5f), Tensor.Scalar(10, DType.U8), w, Tensor.Scalar(0.25f), Tensor.Scalar(0, DType.I8),
            Tensor.Scalar(0.125f), Tensor.Scalar(5, DType.U8)])[0];
        // (x − 10) = [0, 2, 4, 6]; acc = 0·1 + 2·(−1) + 4·2 + 6·0 = 6; 6 · 0.5 · 0.25 / 0.125 = 6; + 5 = 11.
        Assert.Equal(new byte[] { 11 }, y.ToArray<byte>());
    }
}
