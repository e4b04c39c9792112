using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;
using DeepSeek.Backends.Cpu.Conv;
using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

/// <summary>The direct small-Cin convolution (RGB stems) through the packed-weight entry point against NNRef's direct double loop.</summary>
[Collection("GlobalState")]
public class SmallCinConvTests
{
    private static void Check(int n, int cin, int cout, int h, int w, int kh, int kw, int s, int pad, int d, Epilogue e, bool residual, ulong seed)
    {
        using var x = Randn(seed, n, cin, h, w);
        using var wt = Randn(seed + 1, cout, cin, kh, kw);
        using var b = Randn(seed + 2, cout);
        var y0 = NNRef.Conv2d(x.ToDoubleArray(), n, cin, h, w, wt.ToDoubleArray(), cout, kh, kw, b.ToDoubleArray(),
            s, s, pad, pad, pad, pad, d, d, 1, out int oh, out int ow);
        var shape = new Shape(n, cout, oh, ow);
        using var z = residual ? Randn(seed + 3, n, cout, oh, ow) : null;
        var zv = z?.ToDoubleArray();
        for (int i = 0; i < y0.Length; i++) y0[i] = e.Activate(y0[i] + (zv?[i] ?? 0));
        var p = new Conv2dParams(s, s, pad, pad, pad, pad, d, d, 1);
        using var packed = PackedWeights.ForConv(wt, 1, oh * ow);
        Assert.True(SimdInfo.Level < SimdLevel.Avx512 || SmallCinConv.Supports(x, cin, p));
        int old = DeepSeekOptions.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                DeepSeekOptions.Threads = threads;
                using var y = Tensor.Full(shape, float.NaN);
                CpuBackend.Instance.Conv2d(x, packed, b, p, y, e with { Residual = z });
                TestUtil.AssertClose(y0, y.ToDoubleArray(), 1e-4, 1e-4);
            }
        }
        finally { DeepSeekOptions.Threads = old; }
    }

    // n, cin, cout, h, w, k, stride, pad, dilation
    [Theory]
    [InlineData(1, 3, 16, 224, 224, 3, 2, 1, 1)]   // MobileNetV3 stem
    [InlineData(1, 3, 64, 64, 48, 7, 2, 3, 1)]     // ResNet stem geometry on a smaller image
    [InlineData(2, 3, 17, 13, 11, 3, 1, 1, 1)]     // channel tail, stride 1
    [InlineData(3, 1, 8, 9, 37, 5, 2, 2, 1)]
    [InlineData(1, 4, 33, 20, 21, 3, 3, 0, 1)]     // stride 3: scalar phase split
    [InlineData(1, 2, 16, 15, 17, 3, 1, 2, 2)]     // dilation
    [InlineData(1, 3, 5, 1, 1, 3, 1, 1, 1)]
    public void SmallCin_MatchesDirectReference(int n, int cin, int cout, int h, int w, int k, int s, int pad, int d)
    {
        Check(n, cin, cout, h, w, k, k, s, pad, d, Epilogue.HardSwish, residual: false, seed: 200);
        Check(n, cin, cout, h, w, k, k, s, pad, d, Epilogue.Relu, residual: true, seed: 210);
    }

    [Fact]
    public void SmallCin_EveryActivation()
    {
        ulong seed = 300;
        foreach (var e in new[] { Epilogue.None, Epilogue.Clip(0, 6), Epilogue.LeakyRelu(), Epilogue.Sigmoid, Epilogue.HardSigmoid(),
                     Epilogue.Silu, Epilogue.Tanh, new Epilogue(EpilogueActivation.Gelu), new Epilogue(EpilogueActivation.GeluTanh) })
            Check(1, 3, 20, 17, 19, 3, 3, 2, 1, 1, e, residual: true, seed += 4);
    }
}
