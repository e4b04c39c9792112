using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.Nn;

using Shape = DeepSeek.Shape;

public sealed class PoolTests
{
    private static int Out(int input, int k, int pb, int pe, int s, int d, bool ceil)
    {
        int eff = (k - 1) * d + 1, padded = input + pb + pe;
        int o = ceil ? (padded - eff + s - 1) / s + 1 : (padded - eff) / s + 1;
        if (ceil && (o - 1) * s >= input + pb) o--;
        return o;
    }

    [Theory]
    [InlineData("MaxPool", "max", new[] { 1, 1, 1, 1 }, new[] { 2, 2 }, new[] { 1, 1 }, false, false)] // fast path
    [InlineData("MaxPool", "max", new[] { 0, 1, 2, 0 }, new[] { 2, 1 }, new[] { 2, 1 }, true, false)]
    [InlineData("AveragePool", "avg", new[] { 1, 1, 1, 1 }, new[] { 2, 2 }, new[] { 1, 1 }, false, true)] // fast path
    [InlineData("AveragePool", "avg", new[] { 1, 0, 2, 1 }, new[] { 2, 3 }, new[] { 1, 1 }, true, false)]
    [InlineData("AveragePool", "avg", new[] { 1, 0, 2, 1 }, new[] { 2, 3 }, new[] { 1, 2 }, true, true)]
    [InlineData("LpPool", "lp", new[] { 1, 1, 0, 0 }, new[] { 1, 2 }, new[] { 1, 1 }, false, false)]
    public void Pool2dMatchesNaiveReference(string op, string kind, int[] pads, int[] s, int[] dil, bool ceil, bool includePad)
    {
        using var x = RandN(30, 2, 3, 7, 8);
        int[] k = [3, 2];
        var attrs = new List<(string, object)> { ("kernel_shape", k), ("pads", pads), ("strides", s), ("ceil_mode", ceil ? 1 : 0), ("count_include_pad", includePad ? 1 : 0) };
        if (op != "AveragePool" || dil.Any(v => v != 1)) attrs.Add(("dilations", dil));
        var y = Run(op, 22, [x], attrs)[0];
        int[] pb = pads[..2], pe = pads[2..];
        var outS = new[] { Out(7, 3, pb[0], pe[0], s[0], dil[0], ceil), Out(8, 2, pb[1], pe[1], s[1], dil[1], ceil) };
        AssertClose(y, [2, 3, .. outS], Pool(x.ToDoubleArray(), [2, 3, 7, 8], k, pb, pe, s, dil, outS, kind, includePad));
    }

    [Fact]
    public void CeilModeDropsAWindowThatWouldStartInThePadding()
    {
        // 4 inputs, kernel 2, stride 2, pad end 1, ceil: ceil((5 − 2)/2) + 1 = 3 but window 3 starts at 4 ≥ 4 → 2.
        using var x = Tensor.FromArray(new float[] { 1, 5, 2, 7 }, 1, 1, 4);
        var y = Run("MaxPool", 12, [x], [("kernel_shape", new[] { 2 }), ("strides", new[] { 2 }), ("pads", new[] { 0, 1 }), ("ceil_mode", 1)])[0];
        Assert.Equal(new float[] { 5, 7 }, y.ToArray<float>());
    }

    [Fact]
    public void Pool1dAnd3dSameUpper()
    {
        using var x1 = RandN(31, 1, 2, 7);
        var y1 = Run("AveragePool", 19, [x1], [("kernel_shape", new[] { 3 }), ("strides", new[] { 2 }), ("auto_pad", "SAME_UPPER")])[0];
        // out = ceil(7/2) = 4, total pad = 3·2 + 3 − 7 = 2 → 1 and 1.
        AssertClose(y1, [1, 2, 4], Pool(x1.ToDoubleArray(), [1, 2, 7], [3], [1], [1], [2], [1], [4], "avg", false));

        using var x3 = RandN(32, 1, 1, 4, 3, 5);
        var y3 = Run("MaxPool", 12, [x3], [("kernel_shape", new[] { 2, 2, 3 }), ("auto_pad", "SAME_LOWER")])[0];
        // stride 1: total pad k − 1 = 1, 1, 2; SAME_LOWER puts the odd cell first: begin 1, 1, 1; end 0, 0, 1.
        AssertClose(y3, [1, 1, 4, 3, 5], Pool(x3.ToDoubleArray(), [1, 1, 4, 3, 5], [2, 2, 3], [1, 1, 1], [0, 0, 1], [1, 1, 1], [1, 1, 1], [4, 3, 5], "max", false));
    }

    [Fact]
    public void MaxPoolIndicesAreFlatIndicesIntoX()
    {
        using var x = Tensor.FromArray(new float[] { 1, 9, 3, 4, 5, 6, 7, 8, 2, 0, 10, 11, 12, 13, 14, 15, 16, 17 }, 2, 1, 3, 3);
        var outs = Run("MaxPool", 12, [x], [("kernel_shape", new[] { 2, 2 })], outputs: 2);
        Assert.Equal(new float[] { 9, 9, 8, 8, 13, 14, 16, 17 }, outs[0].ToArray<float>());
        // Second image starts at flat 9: its max 13 sits at (1, 1) → 9 + 4 = 13.
        Assert.Equal(new long[] { 1, 1, 7, 7, 13, 14, 16, 17 }, outs[1].ToArray<long>());
        var col = Run("MaxPool", 12, [x], [("kernel_shape", new[] { 2, 2 }), ("storage_order", 1)], outputs: 2);
        // Column-major: (h, w) → w·3 + h; 9 at (0, 1) → 3; 8 at (2, 1) → 5; 14 at (1, 2) → 9 + 7.
        Assert.Equal(new long[] { 3, 3, 5, 5, 13, 16, 14, 17 }, col[1].ToArray<long>());
    }

    [Fact]
    public void MaxPoolOnUInt8AndF16()
    {
        using var x = Tensor.FromArray(new byte[] { 1, 200, 3, 4, 5, 6, 7, 8, 9 }, 1, 1, 3, 3);
        var y = Run("MaxPool", 12, [x], [("kernel_shape", new[] { 2, 2 }), ("pads", new[] { 1, 1, 0, 0 })])[0];
        Assert.Equal(DType.U8, y.DType);
        Assert.Equal(new byte[] { 1, 200, 200, 4, 200, 200, 7, 8, 9 }, y.ToArray<byte>());
        using var h = RandN(33, 1, 2, 4, 4).To(DType.F16);
        var yh = Run("AveragePool", 19, [h], [("kernel_shape", new[] { 2, 2 }), ("strides", new[] { 2, 2 })])[0];
        Assert.Equal(DType.F16, yh.DType);
        using var h32 = h.To(DType.F32);
        AssertClose(yh, [1, 2, 2, 2], Pool(h32.ToDoubleArray(), [1, 2, 4, 4], [2, 2], [0, 0], [0, 0], [2, 2], [1, 1], [2, 2], "avg", false), 2e-3, 1e-3);
    }

    [Fact]
    public void GlobalPools()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, -1, -2, -3, 6 }, 1, 2, 2, 2);
        Assert.Equal(new float[] { 2.5f, 0 }, Run("GlobalAveragePool", 1, [x])[0].ToArray<float>());
        Assert.Equal(new float[] { 4, 6 }, Run("GlobalMaxPool", 1, [x])[0].ToArray<float>());
        var lp = Run("GlobalLpPool", 2, [x])[0];
        AssertClose(lp, [1, 2, 1, 1], [Math.Sqrt(30), Math.Sqrt(50)]);
    }

    [Fact]
    public void MissingKernelShapeIsAModelError()
    {
        using var x = Tensor.Zeros(1, 1, 3, 3);
        var ex = Assert.Throws<ModelFormatException>(() => Run("MaxPool", 12, [x]));
        Assert.Contains("kernel_shape", ex.Message);
        Assert.Throws<UnsupportedOperatorException>(() => Run("AveragePool", 19, [Tensor.Zeros(new Shape(1, 1, 3, 3), DType.I32)], [("kernel_shape", new[] { 2, 2 })]));
    }
}
