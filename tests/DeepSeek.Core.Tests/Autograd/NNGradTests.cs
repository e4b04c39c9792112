namespace DeepSeek.Tests.Autograd;

/// <summary>Finite-difference checks (F64) of the convolution, pooling and normalization backward passes.</summary>
public sealed class NNGradTests
{
    // n, cin, h, w, cout, kh, kw, stride (h,w), pads [t,l,b,r], dilation (h,w), groups
    [Theory]
    [InlineData(2, 2, 5, 5, 3, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1)]
    [InlineData(1, 2, 6, 7, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1)]     // (H + pads − k) not divisible by stride
    [InlineData(2, 4, 7, 6, 4, 2, 3, 2, 1, 1, 0, 2, 1, 2, 2, 2)]     // asymmetric pads, dilation, groups
    [InlineData(1, 3, 6, 5, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3)]     // depthwise
    [InlineData(1, 2, 8, 5, 4, 3, 2, 3, 1, 0, 1, 0, 2, 1, 2, 1)]     // non-square kernel, stride 3, odd sizes
    [InlineData(2, 4, 4, 4, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2)]     // 1×1 (direct GEMM path)
    public void Conv2d_InputWeightBias(int n, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw,
        int pt, int pl, int pb, int pr, int dh, int dw, int g)
    {
        var x = GradCheck.Input(1, n, cin, h, w);
        var wt = GradCheck.Input(2, cout, cin / g, kh, kw);
        var b = GradCheck.Input(3, cout);
        GradCheck.Check(xs => xs[0].Conv2d(xs[1], xs[2], (sh, sw), [pt, pl, pb, pr], (dh, dw), g), [x, wt, b]);
    }

    [Fact]
    public void Conv2d_NonContiguousInputsAndNoBias()
    {
        var x = GradCheck.Input(4, 2, 3, 6, 5);
        var wt = GradCheck.Input(5, 4, 3, 2, 3);
        // transposed input, sliced-with-step weight, expanded bias
        GradCheck.Check(xs => xs[0].Transpose(2, 3).Conv2d(xs[1].Slice(0, 0, 4, 2), null, stride: 2, padding: 1), [x, wt]);
        var b = GradCheck.Input(6, 1);
        GradCheck.Check(xs => xs[0].Conv2d(xs[1], xs[2].Expand(4), 1, 0, 1, 1), [x, wt, b]);
    }

    [Fact]
    public void Conv1d_AndUnbatchedConv2d()
    {
        var x = GradCheck.Input(7, 2, 4, 9);
        var w = GradCheck.Input(8, 6, 2, 3);
        var b = GradCheck.Input(9, 6);
        GradCheck.Check(xs => xs[0].Conv1d(xs[1], xs[2], stride: 2, padding: 1, dilation: 2, groups: 2), [x, w, b]);
        var x3 = GradCheck.Input(10, 2, 5, 4);
        var w3 = GradCheck.Input(11, 3, 2, 3, 3);
        GradCheck.Check(xs => xs[0].Conv2d(xs[1], null, padding: 1), [x3, w3]);
    }

    // n, cin, h, w, coutPerGroup, k, stride, padding, outputPadding, dilation, groups
    [Theory]
    [InlineData(2, 2, 3, 4, 3, 3, 1, 0, 0, 1, 1)]
    [InlineData(1, 2, 3, 3, 2, 3, 2, 1, 1, 1, 1)]
    [InlineData(1, 4, 3, 2, 1, 2, 2, 0, 1, 2, 2)]
    [InlineData(2, 3, 2, 3, 2, 3, 3, 1, 2, 1, 1)]
    [InlineData(1, 4, 3, 3, 1, 3, 2, 1, 0, 1, 4)]
    public void ConvTranspose2d_InputWeightBias(int n, int cin, int h, int w, int cog, int k, int s, int pad, int outPad, int dil, int g)
    {
        var x = GradCheck.Input(12, n, cin, h, w);
        var wt = GradCheck.Input(13, cin, cog, k, k);
        var b = GradCheck.Input(14, cog * g);
        GradCheck.Check(xs => xs[0].ConvTranspose2d(xs[1], xs[2], s, pad, outPad, g, dil), [x, wt, b]);
    }

    // k, stride, padding, dilation, ceil, h, w
    [Theory]
    [InlineData(2, 2, 0, 1, false, 6, 6)]
    [InlineData(3, 2, 1, 1, false, 7, 6)]   // overlapping windows
    [InlineData(3, 2, 1, 1, true, 6, 8)]    // ceil mode
    [InlineData(2, 1, 1, 2, false, 5, 5)]   // dilation
    [InlineData(3, 3, 0, 1, true, 7, 5)]
    public void MaxPool2d(int k, int s, int pad, int dil, bool ceil, int h, int w)
    {
        var x = GradCheck.Input(15, 2, 2, h, w);
        GradCheck.Check(xs => xs[0].MaxPool2d(k, s, pad, dil, ceil), [x]);
    }

    [Fact]
    public void MaxPool_WithIndicesAnd1dAndStridedInput()
    {
        var x = GradCheck.Input(16, 1, 2, 6, 7);
        GradCheck.Check(xs =>
        {
            var (o, i) = xs[0].MaxPool2dWithIndices(3, 2, 1);
            Assert.False(i.RequiresGrad);
            return o;
        }, [x]);
        GradCheck.Check(xs => xs[0].Slice(3, 0, 7, 2).MaxPool2d(2, 1), [x]);
        var x1 = GradCheck.Input(17, 2, 3, 9);
        GradCheck.Check(xs => xs[0].MaxPool1d(3, 2, 1, 1, true), [x1]);
        var x3 = GradCheck.Input(18, 2, 5, 5);
        GradCheck.Check(xs => xs[0].MaxPool2d(2), [x3]);
    }

    [Fact]
    public void MaxPool_OverlappingWindowsAccumulateAtTheSharedMax()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 9, 2, 3, 4, 5, 0, 1, 2 }, 1, 1, 3, 3).RequireGrad();
        using var y = x.MaxPool2d(2, 1);
        y.Sum().Backward();
        Assert.Equal(new[] { 0.0, 2, 0, 0, 1, 1, 0, 0, 0 }, x.Grad!.ToArray<double>());
    }

    // k, stride, padding, ceil, countIncludePad, h, w
    [Theory]
    [InlineData(2, 2, 0, false, true, 6, 6)]
    [InlineData(3, 2, 1, false, true, 7, 6)]
    [InlineData(3, 2, 1, false, false, 7, 6)]
    [InlineData(3, 2, 1, true, true, 6, 8)]
    [InlineData(3, 2, 1, true, false, 6, 8)]
    [InlineData(2, 3, 1, true, false, 5, 7)]
    public void AvgPool2d(int k, int s, int pad, bool ceil, bool include, int h, int w)
    {
        var x = GradCheck.Input(19, 2, 2, h, w);
        GradCheck.Check(xs => xs[0].AvgPool2d(k, s, pad, ceil, include), [x]);
    }

    [Fact]
    public void AvgPool1dAndStridedInput()
    {
        var x1 = GradCheck.Input(20, 2, 3, 10);
        GradCheck.Check(xs => xs[0].AvgPool1d(3, 2, 1, true, false), [x1]);
        var x = GradCheck.Input(21, 2, 2, 5, 6);
        GradCheck.Check(xs => xs[0].Transpose(2, 3).AvgPool2d(2, 1), [x]);
    }

    [Theory]
    [InlineData(5, 7, 3, 4)]
    [InlineData(4, 4, 2, 2)]
    [InlineData(3, 4, 5, 6)]   // upsampling: cells overlap
    [InlineData(6, 5, 1, 1)]
    public void AdaptiveAvgPool2d(int h, int w, int oh, int ow)
    {
        var x = GradCheck.Input(22, 2, 2, h, w);
        GradCheck.Check(xs => xs[0].AdaptiveAvgPool2d(oh, ow), [x]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm_InputWeightBias(bool training)
    {
        var x = GradCheck.Input(23, 4, 3, 2, 3);
        var w = GradCheck.Input(24, 3);
        var b = GradCheck.Input(25, 3);
        using var rm = Tensor.FromArray(new[] { 0.1, -0.2, 0.3 });
        using var rv = Tensor.FromArray(new[] { 0.5, 1.5, 2.0 });
        GradCheck.Check(xs => xs[0].BatchNorm(rm, rv, xs[1], xs[2], training), [x, w, b], rtol: 1e-4);
    }

    [Fact]
    public void BatchNorm_2dInputNoAffineAndRunningStatsGetNoGrad()
    {
        var x = GradCheck.Input(26, 6, 4);
        GradCheck.Check(xs => xs[0].BatchNorm(null, null, training: true), [x], rtol: 1e-4);
        var x3 = GradCheck.Input(27, 3, 2, 5);
        GradCheck.Check(xs => xs[0].BatchNorm(null, null, null, null, training: true) * xs[0], [x3], rtol: 1e-4);

        using var xe = Tensor.RandN(new Shape(3, 2, 4), new Generator(5), dtype: DType.F64).RequireGrad();
        using var rm = Tensor.Zeros(new Shape(2), DType.F64).RequireGrad();
        using var rv = Tensor.Ones(new Shape(2), DType.F64).RequireGrad();
        using var y = xe.BatchNorm(rm, rv, training: false);
        y.Sum().Backward();
        Assert.Null(rm.Grad);
        Assert.Null(rv.Grad);
        TestUtil.AssertClose(xe.Grad!, Enumerable.Repeat(1 / Math.Sqrt(1 + 1e-5), 24).ToArray(), 1e-12, 1e-12);
    }

    [Fact]
    public void LayerNorm_InputWeightBias()
    {
        var x = GradCheck.Input(28, 3, 4, 5);
        var w = GradCheck.Input(29, 4, 5);
        var b = GradCheck.Input(30, 4, 5);
        GradCheck.Check(xs => xs[0].LayerNorm([4, 5], xs[1], xs[2]), [x, w, b], rtol: 1e-4);
        var w1 = GradCheck.Input(31, 5);
        GradCheck.Check(xs => xs[0].Permute(1, 0, 2).LayerNorm([5], null, xs[1]), [x, w1], rtol: 1e-4);
        GradCheck.Check(xs => xs[0].LayerNorm([5], xs[1]), [x, w1], rtol: 1e-4);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    [InlineData(6)]
    public void GroupNorm_InputWeightBias(int groups)
    {
        var x = GradCheck.Input(32, 2, 6, 3, 2);
        var w = GradCheck.Input(33, 6);
        var b = GradCheck.Input(34, 6);
        GradCheck.Check(xs => xs[0].GroupNorm(groups, xs[1], xs[2]), [x, w, b], rtol: 1e-4);
        GradCheck.Check(xs => xs[0].GroupNorm(groups), [x], rtol: 1e-4);
    }
}
