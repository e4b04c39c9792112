using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;
using DeepSeek.Backends.Cpu.Conv;
using DeepSeek.Backends.Cpu.Pool;
using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

/// <summary>
/// The channel-blocked depthwise convolution, MaxPoolRows, AvgPoolRows and GlobalAvgPool against scalar double-accumulation references
/// over MobileNet/ResNet edge shapes, at 1 and 2 threads.
/// </summary>
[Collection("GlobalState")]
public class DepthwisePoolKernelTests
{
    private static readonly Epilogue[] Activations =
    [
        Epilogue.None, Epilogue.Relu, Epilogue.Clip(-0.5f, 0.75f), Epilogue.LeakyRelu(0.1f), Epilogue.Sigmoid,
        Epilogue.HardSigmoid(), Epilogue.HardSwish, Epilogue.Silu, Epilogue.Tanh,
        new(EpilogueActivation.Gelu), new(EpilogueActivation.GeluTanh),
    ];

    private static void WithThreads(int threads, Action body)
    {
        int old = DeepSeekOptions.Threads;
        try { DeepSeekOptions.Threads = threads; body(); }
        finally { DeepSeekOptions.Threads = old; }
    }

    // y = act(depthwise(x) + bias + residual) in double from DepthwiseConv.Reference's output
    private static double[] Expected(Tensor x, Tensor w, Tensor? b, Conv2dParams p, Shape outShape, Tensor? residual, Epilogue e)
    {
        using var conv = Tensor.Empty(outShape);
        DepthwiseConv.Reference(x, w, b, p, conv);
        var v = conv.ToDoubleArray();
        var r = residual?.ToDoubleArray();
        for (int i = 0; i < v.Length; i++) v[i] = e.Activate(v[i] + (r?[i] ?? 0));
        return v;
    }

    private static void CheckDepthwise(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr,
        int dh, int dw, Epilogue e, bool residual, bool bias, ulong seed)
    {
        using var x = Randn(seed, n, c, h, w);
        using var wt = Randn(seed + 1, c, 1, kh, kw);
        using var b = bias ? Randn(seed + 2, c) : null;
        var p = new Conv2dParams(sh, sw, pt, pl, pb, pr, dh, dw, c);
        int oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1, ow = (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
        var shape = new Shape(n, c, oh, ow);
        using var z = residual ? Randn(seed + 3, n, c, oh, ow) : null;
        var ep = e with { Residual = z };
        var expected = Expected(x, wt, b, p, shape, z, e);
        using var packed = PackedWeights.ForConv(wt, c, oh * ow);
        foreach (int threads in new[] { 1, 2 })
            WithThreads(threads, () =>
            {
                using var y = Tensor.Full(shape, float.NaN);
                CpuBackend.Instance.Conv2d(x, packed, b, p, y, ep);
                TestUtil.AssertClose(expected, y.ToDoubleArray(), 1e-5, 1e-5);
                using var y2 = Tensor.Full(shape, float.NaN);
                CpuBackend.Instance.Conv2d(x, wt, b, p, y2, ep);
                TestUtil.AssertClose(expected, y2.ToDoubleArray(), 1e-5, 1e-5);
            });
    }

    // n, c, h, w, k, stride, pad, dilation
    [Theory]
    [InlineData(1, 16, 112, 112, 3, 2, 1, 1)]   // MobileNetV3-Small's first depthwise layer
    [InlineData(1, 72, 56, 56, 3, 2, 1, 1)]
    [InlineData(1, 88, 28, 28, 3, 1, 1, 1)]
    [InlineData(1, 96, 28, 28, 5, 2, 2, 1)]
    [InlineData(1, 40, 14, 14, 5, 1, 2, 1)]
    [InlineData(1, 17, 7, 7, 5, 1, 2, 1)]
    [InlineData(3, 15, 7, 7, 3, 1, 1, 1)]
    [InlineData(2, 1, 13, 11, 3, 2, 1, 1)]
    [InlineData(1, 17, 13, 11, 5, 2, 2, 1)]
    [InlineData(3, 9, 1, 1, 3, 1, 1, 1)]
    [InlineData(1, 8, 1, 1, 5, 2, 2, 1)]
    [InlineData(2, 24, 15, 17, 3, 1, 2, 2)]     // dilation: the per-pixel pointer kernel
    [InlineData(1, 20, 19, 23, 7, 3, 3, 1)]     // kernel 7, stride 3: the per-pixel pointer kernel
    [InlineData(1, 12, 9, 9, 2, 1, 0, 1)]       // even kernel, no padding
    [InlineData(2, 33, 33, 9, 3, 2, 0, 1)]
    [InlineData(1, 8, 200, 60, 3, 1, 1, 1)]     // several row bands per channel block
    public void Depthwise_MatchesReference(int n, int c, int h, int w, int k, int s, int pad, int d)
    {
        if (SimdInfo.Level < SimdLevel.Avx2) return; // the fast path needs AVX2; the GEMM fallback is tested elsewhere
        CheckDepthwise(n, c, h, w, k, k, s, s, pad, pad, pad, pad, d, d, Epilogue.HardSwish, residual: false, bias: true, 40);
        CheckDepthwise(n, c, h, w, k, k, s, s, pad, pad, pad, pad, d, d, Epilogue.None, residual: true, bias: false, 41);
    }

    [Fact]
    public void Depthwise_EveryActivationWithResidual()
    {
        if (SimdInfo.Level < SimdLevel.Avx2) return;
        ulong seed = 50;
        foreach (var e in Activations)
        {
            CheckDepthwise(1, 17, 14, 14, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, e, residual: true, bias: true, seed += 4);
            CheckDepthwise(2, 40, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, e, residual: false, bias: true, seed += 4);
        }
    }

    [Fact]
    public void Depthwise_AsymmetricPaddingRectangularKernelAndStridedInput()
    {
        if (SimdInfo.Level < SimdLevel.Avx2) return;
        CheckDepthwise(1, 19, 12, 15, 3, 5, 1, 2, 0, 2, 1, 1, 1, 1, Epilogue.Relu, residual: false, bias: true, 70);
        CheckDepthwise(2, 11, 10, 9, 5, 3, 2, 1, 2, 0, 2, 1, 1, 1, Epilogue.None, residual: true, bias: true, 74);
        // a channel slice (plane stride ≠ H·W) and a column-strided view
        using var big = Randn(78, 2, 30, 13, 22);
        using var xs = big.Slice(1, 5, 25, 1);
        using var xw = big.Slice(3, 0, 22, 2);
        foreach (var x in new[] { xs, xw })
        {
            int c = x.Size(1), h = x.Size(2), w = x.Size(3);
            using var wt = Randn(79, c, 1, 3, 3);
            using var b = Randn(80, c);
            var p = new Conv2dParams(2, 1, 1, 1, 1, 1, 1, 1, c);
            int oh = (h - 1) / 2 + 1;
            var shape = new Shape(2, c, oh, w);
            var expected = Expected(x, wt, b, p, shape, null, Epilogue.HardSwish);
            using var y = Tensor.Full(shape, float.NaN);
            CpuBackend.Instance.Conv2d(x, wt, b, p, y, Epilogue.HardSwish);
            TestUtil.AssertClose(expected, y.ToDoubleArray(), 1e-5, 1e-5);
        }
    }

    // independent scalar max pool: windows clipped to the input, NaN wins
    private static double[] MaxRef(Tensor x, Pool2dParams p, int oh, int ow)
    {
        int n = x.Size(0), c = x.Size(1), h = x.Size(2), w = x.Size(3);
        var xv = x.ToDoubleArray();
        var y = new double[n * c * oh * ow];
        for (int pl = 0; pl < n * c; pl++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    double m = double.NegativeInfinity;
                    for (int i = 0; i < p.KernelH; i++)
                        for (int j = 0; j < p.KernelW; j++)
                        {
                            int iy = oy * p.StrideH - p.PadTop + i * p.DilationH, ix = ox * p.StrideW - p.PadLeft + j * p.DilationW;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            double v = xv[(pl * h + iy) * w + ix];
                            if (double.IsNaN(v) || v > m) m = v;
                            if (double.IsNaN(m)) goto done;
                        }
                    done:
                    y[(pl * oh + oy) * ow + ox] = m;
                }
        return y;
    }

    // n, c, h, w, kh, kw, stride, pad, dilation, ceil (one extra output column/row the window only partly covers)
    [Theory]
    [InlineData(1, 64, 112, 112, 3, 3, 2, 1, 1, false)]   // ResNet's stem pool
    [InlineData(2, 3, 13, 11, 3, 3, 2, 1, 1, false)]
    [InlineData(1, 5, 13, 11, 3, 3, 2, 1, 1, true)]
    [InlineData(3, 2, 7, 7, 2, 2, 2, 0, 1, true)]
    [InlineData(1, 4, 20, 37, 3, 3, 1, 1, 1, false)]
    [InlineData(1, 4, 20, 37, 5, 3, 3, 2, 1, false)]
    [InlineData(1, 3, 17, 29, 3, 3, 2, 1, 2, false)]
    [InlineData(2, 2, 1, 1, 3, 3, 1, 1, 1, false)]
    [InlineData(1, 1, 9, 40, 1, 4, 1, 0, 1, false)]
    public void MaxPool_MatchesReference(int n, int c, int h, int w, int kh, int kw, int s, int pad, int d, bool ceil)
    {
        int oh = (h + 2 * pad - d * (kh - 1) - 1 + (ceil ? s - 1 : 0)) / s + 1;
        int ow = (w + 2 * pad - d * (kw - 1) - 1 + (ceil ? s - 1 : 0)) / s + 1;
        if (ceil && (oh - 1) * s >= h + pad) oh--;
        if (ceil && (ow - 1) * s >= w + pad) ow--;
        var p = new Pool2dParams(kh, kw, s, s, pad, pad, pad + (ceil ? s - 1 : 0), pad + (ceil ? s - 1 : 0), d, d);
        using var x = Randn(90, n, c, h, w);
        float[] data = x.ToArray<float>();
        data[data.Length / 3] = float.NaN; // NaN propagates to every window that holds it
        using var xn = Tensor.FromArray(data, n, c, h, w);
        var expected = MaxRef(xn, p, oh, ow);
        foreach (int threads in new[] { 1, 2 })
            WithThreads(threads, () =>
            {
                using var y = Tensor.Full(new Shape(n, c, oh, ow), 7f);
                CpuBackend.Instance.MaxPool2d(xn, p, y, null);
                TestUtil.AssertClose(expected, y.ToDoubleArray(), 0, 0);
            });
    }

    // n, c, h, w, kh, kw, stride, pad, ceil, count_include_pad
    [Theory]
    [InlineData(1, 8, 14, 14, 3, 3, 1, 1, false, true)]
    [InlineData(2, 3, 13, 11, 3, 3, 2, 1, false, false)]
    [InlineData(1, 5, 13, 11, 3, 3, 2, 1, true, true)]
    [InlineData(1, 5, 13, 11, 3, 3, 2, 1, true, false)]
    [InlineData(3, 2, 7, 7, 2, 2, 2, 0, true, true)]
    [InlineData(1, 4, 20, 37, 5, 3, 3, 1, false, false)]
    [InlineData(1, 2, 40, 57, 2, 2, 2, 0, false, true)]
    [InlineData(2, 2, 1, 1, 3, 3, 1, 1, false, false)]
    public void AvgPool_MatchesReference(int n, int c, int h, int w, int kh, int kw, int s, int pad, bool ceil, bool includePad)
    {
        using var x = Randn(97, n, c, h, w);
        var expected = NNRef.AvgPool(x.ToDoubleArray(), n * c, h, w, kh, kw, s, s, pad, pad, ceil, includePad, out int oh, out int ow);
        Assert.True(AvgPoolRows.Supports(x, new Pool2dParams(kh, kw, s, s, pad, pad, pad, pad)) || SimdInfo.Level < SimdLevel.Avx2);
        foreach (int threads in new[] { 1, 2 })
            WithThreads(threads, () =>
            {
                using var y = x.AvgPool2d((kh, kw), (s, s), (pad, pad), ceil, includePad);
                Assert.Equal(new Shape(n, c, oh, ow), y.Shape);
                TestUtil.AssertClose(expected, y.ToDoubleArray(), 1e-5, 1e-6);
            });
    }

    [Theory]
    [InlineData(1, 96, 14, 14)]
    [InlineData(1, 576, 7, 7)]
    [InlineData(3, 17, 13, 11)]
    [InlineData(2, 5, 1, 1)]
    [InlineData(1, 8, 112, 112)]
    public void GlobalAveragePool_MatchesReference(int n, int c, int h, int w)
    {
        using var x = Randn(95, n, c, h, w);
        var xv = x.ToDoubleArray();
        var expected = new double[n * c];
        for (int pl = 0; pl < n * c; pl++)
        {
            double s = 0;
            for (int i = 0; i < h * w; i++) s += xv[pl * h * w + i];
            expected[pl] = s / (h * w);
        }
        foreach (int threads in new[] { 1, 2 })
            WithThreads(threads, () =>
            {
                using var y = Tensor.Full(new Shape(n, c, 1, 1), float.NaN);
                CpuBackend.Instance.AdaptiveAvgPool2d(x, y);
                TestUtil.AssertClose(expected, y.ToDoubleArray(), 1e-5, 1e-6);
                Assert.True(GlobalAvgPool.Supports(x, y) || SimdInfo.Level < SimdLevel.Avx2);
            });
        // a channel slice takes the same kernel through its plane stride
        using var big = Randn(96, n, c + 3, h, w);
        using var sl = big.Slice(1, 2, c + 2, 1);
        using var slc = sl.Contiguous();
        var bv = slc.ToDoubleArray();
        using var ys = Tensor.Empty(new Shape(n, c, 1, 1));
        CpuBackend.Instance.AdaptiveAvgPool2d(sl, ys);
        var ev = new double[n * c];
        for (int pl = 0; pl < n * c; pl++) { double s = 0; for (int i = 0; i < h * w; i++) s += bv[pl * h * w + i]; ev[pl] = s / (h * w); }
        TestUtil.AssertClose(ev, ys.ToDoubleArray(), 1e-5, 1e-6);
    }
}
