using DeepSeek.Backends;
using DeepSeek.Backends.Cpu.Conv;
using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

public class ConvTests
{
    [Fact]
    public void Conv2d_HandComputed()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 1, 1, 3, 3);
        using var w = Tensor.Ones(new Shape(1, 1, 2, 2));
        using var b = Tensor.FromArray(new float[] { 0.5f }, 1);
        using var y = x.Conv2d(w, b);
        TestUtil.AssertShape(y, 1, 1, 2, 2);
        TestUtil.AssertClose(y, new double[] { 12.5, 16.5, 24.5, 28.5 });
        using var yp = x.Conv2d(w, null, stride: 2, padding: 1);
        TestUtil.AssertClose(yp, new double[] { 1, 5, 11, 28 });
    }

    // n, cin, h, w, cout, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, groups, bias
    [Theory]
    [InlineData(1, 3, 7, 7, 4, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, true)]
    [InlineData(2, 3, 8, 9, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, false)]
    [InlineData(1, 4, 9, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, 2, 2, true)]
    [InlineData(2, 4, 6, 6, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true)]
    [InlineData(1, 4, 7, 6, 8, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 2, false)]
    [InlineData(1, 3, 9, 11, 2, 5, 5, 1, 2, 2, 2, 2, 2, 1, 1, 1, true)]
    [InlineData(2, 3, 7, 8, 4, 2, 3, 1, 1, 0, 1, 2, 0, 1, 1, 1, true)]
    [InlineData(1, 6, 10, 10, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, true)]
    [InlineData(2, 5, 9, 13, 5, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 5, false)]
    [InlineData(1, 3, 12, 37, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, true)]
    [InlineData(1, 2, 11, 41, 2, 5, 5, 2, 2, 3, 1, 0, 4, 2, 2, 2, true)]
    [InlineData(1, 4, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, true)]
    [InlineData(1, 3, 5, 4, 2, 3, 1, 2, 1, 1, 0, 0, 0, 1, 1, 1, true)]
    public void Conv2d_MatchesDirectReference(int n, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw,
        int pt, int pl, int pb, int pr, int dh, int dw, int g, bool hasBias)
    {
        using var x = Randn(1, n, cin, h, w);
        using var wt = Randn(2, cout, cin / g, kh, kw);
        using var b = hasBias ? Randn(3, cout) : null;
        var expected = NNRef.Conv2d(x.ToDoubleArray(), n, cin, h, w, wt.ToDoubleArray(), cout, kh, kw, b?.ToDoubleArray(),
            sh, sw, pt, pl, pb, pr, dh, dw, g, out int oh, out int ow);
        using var y = x.Conv2d(wt, b, (sh, sw), new[] { pt, pl, pb, pr }, (dh, dw), g);
        TestUtil.AssertShape(y, n, cout, oh, ow);
        TestUtil.AssertClose(y, expected, 1e-4, 1e-4);
        if (pt == pb && pl == pr)
        {
            using var y2 = x.Conv2d(wt, b, (sh, sw), (pt, pl), (dh, dw), g);
            TestUtil.AssertClose(y2, expected, 1e-4, 1e-4);
        }
        using var x64 = x.To(DType.F64);
        using var w64 = wt.To(DType.F64);
        using var b64 = b?.To(DType.F64);
        using var y64 = x64.Conv2d(w64, b64, (sh, sw), new[] { pt, pl, pb, pr }, (dh, dw), g);
        Assert.Equal(DType.F64, y64.DType);
        TestUtil.AssertClose(y64, expected, 1e-10, 1e-10);
    }

    [Theory]
    [InlineData(DType.BF16, 1e-2, 2e-2)]
    [InlineData(DType.F16, 2e-3, 3e-3)]
    public void Conv2d_HalfTypes_ComputeInF32AndRound(DType dtype, double rtol, double atol)
    {
        using var x32 = Randn(4, 2, 4, 7, 6);
        using var w32 = Randn(5, 6, 2, 3, 3);
        using var b32 = Randn(6, 6);
        using var x = x32.To(dtype);
        using var w = w32.To(dtype);
        using var b = b32.To(dtype);
        var expected = NNRef.Conv2d(x.ToDoubleArray(), 2, 4, 7, 6, w.ToDoubleArray(), 6, 3, 3, b.ToDoubleArray(), 1, 1, 1, 1, 1, 1, 1, 1, 2, out _, out _);
        using var y = x.Conv2d(w, b, padding: 1, groups: 2);
        Assert.Equal(dtype, y.DType);
        TestUtil.AssertClose(y, expected, rtol, atol);
        // depthwise through the half path too
        using var wd = Randn(7, 4, 1, 3, 3).To(dtype);
        var expD = NNRef.Conv2d(x.ToDoubleArray(), 2, 4, 7, 6, wd.ToDoubleArray(), 4, 3, 3, null, 2, 2, 1, 1, 1, 1, 1, 1, 4, out _, out _);
        using var yd = x.Conv2d(wd, null, stride: 2, padding: 1, groups: 4);
        TestUtil.AssertClose(yd, expD, rtol, atol);
    }

    [Fact]
    public void Conv2d_NonContiguousInputs()
    {
        // NHWC storage viewed as NCHW, a weight stored [Cout, kh, kw, Cin] viewed as [Cout, Cin, kh, kw],
        // a row-strided slice and a batch-expanded input
        using var nhwc = Randn(8, 2, 9, 10, 3);
        using var x = nhwc.Permute(0, 3, 1, 2);
        using var wStore = Randn(9, 4, 3, 3, 3);
        using var w = wStore.Permute(0, 3, 1, 2);
        Assert.False(x.IsContiguous);
        Assert.False(w.IsContiguous);
        var expected = NNRef.Conv2d(x.ToDoubleArray(), 2, 3, 9, 10, w.ToDoubleArray(), 4, 3, 3, null, 1, 2, 1, 1, 1, 1, 1, 1, 1, out _, out _);
        using var y = x.Conv2d(w, null, (1, 2), (1, 1), (1, 1));
        TestUtil.AssertClose(y, expected, 1e-4, 1e-4);

        using var big = Randn(10, 1, 3, 12, 9);
        using var sl = big.Slice(2, 1, 12, 2).Slice(3, 0, 9, 2); // [1, 3, 6, 5], strides (.., 18, 2)
        using var w1 = Randn(11, 5, 3, 1, 1);
        var exp1 = NNRef.Conv2d(sl.ToDoubleArray(), 1, 3, 6, 5, w1.ToDoubleArray(), 5, 1, 1, null, 1, 1, 0, 0, 0, 0, 1, 1, 1, out _, out _);
        using var y1 = sl.Conv2d(w1);
        TestUtil.AssertClose(y1, exp1, 1e-4, 1e-4);

        using var one = Randn(12, 1, 4, 6, 19);
        using var ex = one.Expand(3, 4, 6, 19);
        using var wdw = Randn(13, 4, 1, 3, 3);
        var expDw = NNRef.Conv2d(ex.ToDoubleArray(), 3, 4, 6, 19, wdw.ToDoubleArray(), 4, 3, 3, null, 1, 1, 1, 1, 1, 1, 1, 1, 4, out _, out _);
        using var yDw = ex.Conv2d(wdw, null, padding: 1, groups: 4);
        TestUtil.AssertClose(yDw, expDw, 1e-4, 1e-4);
        using var perm = Randn(14, 1, 6, 19, 4);
        using var xDw = perm.Permute(0, 3, 1, 2);
        var expDw2 = NNRef.Conv2d(xDw.ToDoubleArray(), 1, 4, 6, 19, wdw.ToDoubleArray(), 4, 3, 3, null, 1, 2, 1, 1, 1, 1, 1, 1, 4, out _, out _);
        using var yDw2 = xDw.Conv2d(wdw, null, (1, 2), (1, 1), (1, 1), 4);
        TestUtil.AssertClose(yDw2, expDw2, 1e-4, 1e-4);
    }

    [Fact]
    public void Conv2d_Unbatched3d()
    {
        using var x = Randn(15, 3, 6, 7);
        using var w = Randn(16, 2, 3, 3, 3);
        using var x4 = x.Unsqueeze(0);
        using var ref4 = x4.Conv2d(w, null, padding: 1);
        using var y = x.Conv2d(w, null, padding: 1);
        TestUtil.AssertShape(y, 2, 6, 7);
        TestUtil.AssertClose(y, ref4.ToDoubleArray(), 0, 0);
    }

    [Theory]
    [InlineData(2, 3, 17, 4, 3, 1, 0, 1, 1, true)]
    [InlineData(1, 4, 20, 6, 5, 2, 2, 2, 2, false)]
    [InlineData(2, 6, 15, 6, 3, 1, 1, 1, 6, true)]
    public void Conv1d_MatchesReference(int n, int cin, int l, int cout, int k, int s, int p, int d, int g, bool hasBias)
    {
        using var x = Randn(17, n, cin, l);
        using var w = Randn(18, cout, cin / g, k);
        using var b = hasBias ? Randn(19, cout) : null;
        var expected = NNRef.Conv2d(x.ToDoubleArray(), n, cin, 1, l, w.ToDoubleArray(), cout, 1, k, b?.ToDoubleArray(), 1, s, 0, p, 0, p, 1, d, g, out _, out int ol);
        using var y = x.Conv1d(w, b, s, p, d, g);
        TestUtil.AssertShape(y, n, cout, ol);
        TestUtil.AssertClose(y, expected, 1e-4, 1e-4);
        using var xu = x.Select(0, 0);
        using var yu = xu.Conv1d(w, b, s, p, d, g);
        TestUtil.AssertShape(yu, cout, ol);
    }

    // n, cin, h, w, cog, k, stride, pad, outPad, dil, groups, bias
    [Theory]
    [InlineData(1, 3, 4, 5, 2, 3, 1, 0, 0, 1, 1, true)]
    [InlineData(2, 4, 5, 4, 3, 3, 2, 1, 1, 1, 1, false)]
    [InlineData(1, 4, 3, 6, 2, 4, 2, 1, 0, 1, 2, true)]
    [InlineData(2, 6, 4, 4, 1, 3, 3, 1, 2, 1, 3, true)]
    [InlineData(1, 2, 5, 5, 3, 3, 1, 2, 1, 2, 1, false)]
    [InlineData(1, 3, 6, 4, 2, 1, 2, 0, 1, 1, 1, true)]
    public void ConvTranspose2d_MatchesScatterReference(int n, int cin, int h, int w, int cog, int k, int s, int pad, int outPad, int dil, int g, bool hasBias)
    {
        using var x = Randn(20, n, cin, h, w);
        using var wt = Randn(21, cin, cog, k, k);
        using var b = hasBias ? Randn(22, cog * g) : null;
        var expected = NNRef.ConvTranspose2d(x.ToDoubleArray(), n, cin, h, w, wt.ToDoubleArray(), cog, k, k, b?.ToDoubleArray(), s, pad, outPad, dil, g, out int oh, out int ow);
        using var y = x.ConvTranspose2d(wt, b, s, pad, outPad, g, dil);
        TestUtil.AssertShape(y, n, cog * g, oh, ow);
        TestUtil.AssertClose(y, expected, 1e-4, 1e-4);
        using var x64 = x.To(DType.F64);
        using var w64 = wt.To(DType.F64);
        using var b64 = b?.To(DType.F64);
        using var y64 = x64.ConvTranspose2d(w64, b64, s, pad, outPad, g, dil);
        TestUtil.AssertClose(y64, expected, 1e-10, 1e-10);
        using var xbf = x.To(DType.BF16);
        using var wbf = wt.To(DType.BF16);
        using var bbf = b?.To(DType.BF16);
        var expBf = NNRef.ConvTranspose2d(xbf.ToDoubleArray(), n, cin, h, w, wbf.ToDoubleArray(), cog, k, k, bbf?.ToDoubleArray(), s, pad, outPad, dil, g, out _, out _);
        using var ybf = xbf.ConvTranspose2d(wbf, bbf, s, pad, outPad, g, dil);
        Assert.Equal(DType.BF16, ybf.DType);
        TestUtil.AssertClose(ybf, expBf, 1e-2, 2e-2);
    }

    [Fact]
    public void ConvTranspose2d_NonContiguousInput_AndHandComputed()
    {
        using var nhwc = Randn(23, 2, 5, 4, 3);
        using var x = nhwc.Permute(0, 3, 1, 2);
        using var w = Randn(24, 3, 2, 3, 3);
        var expected = NNRef.ConvTranspose2d(x.ToDoubleArray(), 2, 3, 5, 4, w.ToDoubleArray(), 2, 3, 3, null, 2, 1, 1, 1, 1, out _, out _);
        using var y = x.ConvTranspose2d(w, null, stride: 2, padding: 1, outputPadding: 1);
        TestUtil.AssertClose(y, expected, 1e-4, 1e-4);

        // 1×1 input, 2×2 kernel, stride 1: the output is the kernel scaled by the input
        using var one = Tensor.FromArray(new float[] { 2 }, 1, 1, 1, 1);
        using var k = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2);
        using var yk = one.ConvTranspose2d(k);
        TestUtil.AssertClose(yk, new double[] { 2, 4, 6, 8 });
    }
}
