using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;
using DeepSeek.Backends.Cpu.Conv;
using DeepSeek.Backends.Cpu.Norm;
using DeepSeek.Backends.Cpu.Pool;
using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

/// <summary>Fast paths against their scalar references on the same data, at every SIMD level; pool accounting.</summary>
[Collection("GlobalState")]
public class FastPathTests
{
    private static readonly SimdLevel[] Levels = { SimdLevel.Avx512, SimdLevel.Avx2, SimdLevel.Scalar };

    private static void AtEachLevel(Action body)
    {
        var old = SimdInfo.Level;
        try
        {
            foreach (var l in Levels)
            {
                if (l > old) continue;
                SimdInfo.Level = l;
                body();
            }
        }
        finally { SimdInfo.Level = old; }
    }

    // h, w, k, stride, pad, dilation
    [Theory]
    [InlineData(9, 37, 3, 1, 1, 1)]
    [InlineData(10, 45, 3, 2, 1, 1)]
    [InlineData(12, 50, 5, 1, 2, 1)]
    [InlineData(11, 67, 5, 2, 2, 1)]
    [InlineData(8, 33, 3, 2, 2, 2)]
    [InlineData(5, 7, 3, 1, 0, 1)]
    [InlineData(7, 7, 5, 1, 2, 1)]    // MobileNetV3's small planes: the 16-lane tail path covers the whole row
    [InlineData(14, 14, 3, 1, 1, 1)]
    [InlineData(14, 14, 5, 2, 2, 1)]
    [InlineData(3, 3, 3, 1, 1, 1)]
    public void Depthwise_FastEqualsGenericAndReference(int h, int w, int k, int s, int pad, int d)
    {
        int n = 2, c = 3;
        using var x = Randn(30, n, c, h, w);
        using var wt = Randn(31, c, 1, k, k);
        using var b = Randn(32, c);
        var p = new Conv2dParams(s, s, pad, pad, pad, pad, d, d, c);
        int oh = (h + 2 * pad - d * (k - 1) - 1) / s + 1, ow = (w + 2 * pad - d * (k - 1) - 1) / s + 1;
        using var generic = Tensor.Empty(new Shape(n, c, oh, ow));
        using var reference = Tensor.Empty(new Shape(n, c, oh, ow));
        ConvGemm.Conv2d<float>(x, wt, b, p, generic);
        DepthwiseConv.Reference(x, wt, b, p, reference);
        TestUtil.AssertClose(reference.ToDoubleArray(), generic.ToDoubleArray(), 1e-5, 1e-5);
        AtEachLevel(() =>
        {
            using var fast = Tensor.Empty(new Shape(n, c, oh, ow));
            if (DepthwiseConv.Supports(x, wt, p)) DepthwiseConv.Run(x, wt, b, p, fast);
            else CpuBackend.Instance.Conv2d(x, wt, b, p, fast);
            TestUtil.AssertClose(reference.ToDoubleArray(), fast.ToDoubleArray(), 1e-5, 1e-5);
        });
        Assert.True(SimdInfo.Level < SimdLevel.Avx2 || DepthwiseConv.Supports(x, wt, p));
    }

    [Fact]
    public void Pools_FastEqualsReference()
    {
        using var x = Randn(33, 2, 3, 11, 29);
        foreach (var (k, s, pad) in new[] { (2, 2, 0), (3, 2, 1), (3, 1, 1), (5, 3, 2) })
        {
            var p = new Pool2dParams(k, k, s, s, pad, pad, pad, pad, 1, 1, pad % 2 == 0);
            int oh = PoolOut(11, k, s, pad, 1, true), ow = PoolOut(29, k, s, pad, 1, true);
            using var refMax = Tensor.Empty(new Shape(2, 3, oh, ow));
            using var refAvg = Tensor.Empty(new Shape(2, 3, oh, ow));
            DeepSeek.Backends.Cpu.Pool.MaxPool.Reference<float>(x, p, refMax, null);
            DeepSeek.Backends.Cpu.Pool.AvgPool.Reference<float>(x, p, refAvg);
            AtEachLevel(() =>
            {
                using var m = Tensor.Empty(new Shape(2, 3, oh, ow));
                using var a = Tensor.Empty(new Shape(2, 3, oh, ow));
                DeepSeek.Backends.Cpu.Pool.MaxPool.Run<float>(x, p, m, null);
                DeepSeek.Backends.Cpu.Pool.AvgPool.Run<float>(x, p, a);
                TestUtil.AssertClose(refMax.ToDoubleArray(), m.ToDoubleArray(), 0, 0);
                TestUtil.AssertClose(refAvg.ToDoubleArray(), a.ToDoubleArray(), 1e-5, 1e-6);
            });
        }
    }

    [Fact]
    public unsafe void NormMath_FastEqualsReference()
    {
        using var t = Randn(34, 5003);
        using var shifted = t.To(DType.F32);
        float* p = CpuBackend.Ptr<float>(shifted);
        for (int i = 0; i < 5003; i++) p[i] = p[i] * 0.01f + 1000f; // large mean, small spread
        double sumRef = NormMath.SumReference(p, 5003);
        double meanRef = sumRef / 5003;
        double sqRef = NormMath.SumSqDevReference(p, 5003, meanRef);
        using var y = Tensor.Empty(new Shape(5003));
        using var yRef = Tensor.Empty(new Shape(5003));
        using var g = Randn(35, 5003);
        using var b = Randn(36, 5003);
        float* yr = CpuBackend.Ptr<float>(yRef);
        float* gp = CpuBackend.Ptr<float>(g), bp = CpuBackend.Ptr<float>(b);
        for (int i = 0; i < 5003; i++) yr[i] = (float)((p[i] - meanRef) / Math.Sqrt(sqRef / 5003) * gp[i] + bp[i]);
        AtEachLevel(() =>
        {
            double sum = NormMath.Sum(p, 5003);
            Assert.True(Math.Abs(sum - sumRef) <= 1e-6 * Math.Abs(sumRef), $"sum {sum} vs {sumRef}");
            double sq = NormMath.SumSqDev(p, 5003, meanRef);
            Assert.True(Math.Abs(sq - sqRef) <= 1e-4 * sqRef, $"sumsq {sq} vs {sqRef}");
            NormMath.NormalizeRow(p, CpuBackend.Ptr<float>(y), 5003, meanRef, 1 / Math.Sqrt(sqRef / 5003), gp, bp);
            TestUtil.AssertClose(yRef.ToDoubleArray(), y.ToDoubleArray(), 1e-3, 2e-3);
        });
    }

    [Fact]
    public void SingleThread_MatchesMultiThread()
    {
        int old = DeepSeekOptions.Threads;
        using var x = Randn(37, 4, 8, 12, 12);
        using var w = Randn(38, 8, 4, 3, 3);
        using var wd = Randn(39, 8, 1, 3, 3);
        double[] Run()
        {
            using var a = x.Conv2d(w, null, padding: 1, groups: 2);
            using var b = x.Conv2d(wd, null, padding: 1, groups: 8);
            using var c = x.MaxPool2d(3, 2, 1);
            using var d = x.GroupNorm(4);
            using var e = x.ConvTranspose2d(w, null, stride: 2, groups: 2);
            return a.ToDoubleArray().Concat(b.ToDoubleArray()).Concat(c.ToDoubleArray()).Concat(d.ToDoubleArray()).Concat(e.ToDoubleArray()).ToArray();
        }
        try
        {
            DeepSeekOptions.Threads = 4;
            var multi = Run();
            DeepSeekOptions.Threads = 1;
            var single = Run();
            TestUtil.AssertClose(single, multi, 1e-6, 1e-6);
        }
        finally { DeepSeekOptions.Threads = old; }
    }

    [Fact]
    public void Ops_DoNotLeakPoolMemory()
    {
        using var x = Randn(40, 2, 4, 9, 9);
        using var w = Randn(41, 4, 2, 3, 3);
        using var wt = Randn(42, 4, 2, 3, 3);
        using var rm = Tensor.Zeros(new Shape(4));
        using var rv = Tensor.Ones(new Shape(4));
        using var xh = x.To(DType.BF16);
        using var wh = w.To(DType.BF16);
        TestUtil.SettleFinalizers();
        long before = CpuBackend.Instance.Pool.Statistics.BytesInUse;
        using (Tensor.NewScope())
        {
            _ = x.Conv2d(w, null, padding: 1, groups: 2);
            _ = xh.Conv2d(wh, null, padding: 1, groups: 2);
            _ = x.Conv2d(w.Select(1, 0).Unsqueeze(1), null, padding: 1, groups: 4);
            _ = x.ConvTranspose2d(wt, null, stride: 2, groups: 2);
            _ = x.MaxPool2dWithIndices(3, 2, 1, ceilMode: true);
            _ = xh.AvgPool2d(3, 2, 1);
            _ = x.AdaptiveAvgPool2d(4, 5);
            _ = x.BatchNorm(rm, rv, training: true);
            _ = xh.BatchNorm(rm, rv, training: true);
            _ = xh.LayerNorm(new[] { 9, 9 });
            _ = x.GroupNorm(2);
            _ = x.Select(0, 0).Select(1, 0).Conv1d(w.Select(2, 0), null, padding: 1, groups: 2);
        }
        Assert.Equal(before, CpuBackend.Instance.Pool.Statistics.BytesInUse);
    }
}
