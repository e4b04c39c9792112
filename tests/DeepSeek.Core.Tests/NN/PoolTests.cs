using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

public class PoolTests
{
    [Fact]
    public void MaxPool2d_HandComputed_WithIndices()
    {
        using var x = Tensor.Arange(0, 16, 1).Reshape(1, 1, 4, 4);
        var (y, i) = x.MaxPool2dWithIndices(2);
        using (y)
        using (i)
        {
            TestUtil.AssertClose(y, new double[] { 5, 7, 13, 15 });
            Assert.Equal(DType.I64, i.DType);
            Assert.Equal(new long[] { 5, 7, 13, 15 }, i.ToArray<long>());
        }
        // padding never wins: all-negative input, window over the pad
        using var neg = Tensor.FromArray(new float[] { -5, -4, -3, -2 }, 1, 1, 2, 2);
        using var yn = neg.MaxPool2d(2, 1, 1);
        TestUtil.AssertClose(yn, new double[] { -5, -4, -4, -3, -2, -2, -3, -2, -2 });
    }

    [Fact]
    public void AvgPool2d_HandComputed_CeilAndPadding()
    {
        using var x = Tensor.Arange(1, 10, 1).Reshape(1, 1, 3, 3);
        using var a = x.AvgPool2d(2, 2, 0, ceilMode: true);
        TestUtil.AssertShape(a, 1, 1, 2, 2);
        TestUtil.AssertClose(a, new double[] { 3, 4.5, 7.5, 9 });
        using var inc = x.AvgPool2d(2, 2, 1, countIncludePad: true);
        TestUtil.AssertClose(inc, new double[] { 0.25, 5.0 / 4, 11.0 / 4, 28.0 / 4 });
        using var exc = x.AvgPool2d(2, 2, 1, countIncludePad: false);
        TestUtil.AssertClose(exc, new double[] { 1, 2.5, 5.5, 7 });
    }

    // n·c, h, w, k, s, p, d, ceil
    [Theory]
    [InlineData(2, 3, 7, 7, 2, 2, 0, 1, false)]
    [InlineData(1, 2, 7, 9, 3, 2, 1, 1, true)]
    [InlineData(2, 2, 8, 11, 3, 2, 1, 2, false)]
    [InlineData(1, 3, 10, 10, 3, 3, 1, 1, true)]
    [InlineData(1, 1, 5, 33, 2, 1, 1, 1, false)]
    [InlineData(2, 2, 9, 9, 5, 3, 2, 1, true)]
    public void MaxPool2d_MatchesReference(int n, int c, int h, int w, int k, int s, int p, int d, bool ceil)
    {
        using var x = Randn(50, n, c, h, w);
        var (ey, ei) = NNRef.MaxPool(x.ToDoubleArray(), n * c, h, w, k, s, p, d, ceil, out int oh, out int ow);
        foreach (var dt in new[] { DType.F32, DType.F64, DType.BF16, DType.F16 })
        {
            using var xd = x.To(dt);
            var (ry, ri) = NNRef.MaxPool(xd.ToDoubleArray(), n * c, h, w, k, s, p, d, ceil, out _, out _);
            using var y = xd.MaxPool2d(k, s, p, d, ceil);
            TestUtil.AssertShape(y, n, c, oh, ow);
            Assert.Equal(dt, y.DType);
            TestUtil.AssertClose(y, ry, 0, 0);
            var (y2, i2) = xd.MaxPool2dWithIndices(k, s, p, d, ceil);
            using (y2)
            using (i2)
            {
                TestUtil.AssertClose(y2, ry, 0, 0);
                if (dt is DType.F32 or DType.F64) Assert.Equal(ri, i2.ToArray<long>());
            }
        }
        Assert.Equal(ey.Length, ei.Length);
    }

    // n, c, h, w, k, s, p, ceil, includePad
    [Theory]
    [InlineData(2, 3, 7, 7, 2, 2, 0, false, true)]
    [InlineData(1, 2, 7, 9, 3, 2, 1, true, true)]
    [InlineData(1, 2, 7, 9, 3, 2, 1, true, false)]
    [InlineData(2, 2, 8, 11, 3, 1, 1, false, false)]
    [InlineData(1, 3, 10, 10, 5, 3, 2, true, true)]
    [InlineData(1, 3, 10, 10, 5, 3, 2, true, false)]
    public void AvgPool2d_MatchesReference(int n, int c, int h, int w, int k, int s, int p, bool ceil, bool includePad)
    {
        using var x = Randn(51, n, c, h, w);
        var expected = NNRef.AvgPool(x.ToDoubleArray(), n * c, h, w, k, k, s, s, p, p, ceil, includePad, out int oh, out int ow);
        using var y = x.AvgPool2d(k, s, p, ceil, includePad);
        TestUtil.AssertShape(y, n, c, oh, ow);
        TestUtil.AssertClose(y, expected, 1e-5, 1e-6);
        using var x64 = x.To(DType.F64);
        using var y64 = x64.AvgPool2d(k, s, p, ceil, includePad);
        TestUtil.AssertClose(y64, expected, 1e-12, 1e-12);
        using var xb = x.To(DType.BF16);
        var eb = NNRef.AvgPool(xb.ToDoubleArray(), n * c, h, w, k, k, s, s, p, p, ceil, includePad, out _, out _);
        using var yb = xb.AvgPool2d(k, s, p, ceil, includePad);
        Assert.Equal(DType.BF16, yb.DType);
        TestUtil.AssertClose(yb, eb, 8e-3, 1e-3);
    }

    [Fact]
    public void AvgPool2d_NonSquare_AndNonContiguous()
    {
        using var nhwc = Randn(52, 2, 9, 12, 3);
        using var x = nhwc.Permute(0, 3, 1, 2);
        var expected = NNRef.AvgPool(x.ToDoubleArray(), 6, 9, 12, 3, 2, 2, 1, 1, 1, false, false, out _, out _);
        using var y = x.AvgPool2d((3, 2), (2, 1), (1, 1), false, false);
        TestUtil.AssertClose(y, expected, 1e-5, 1e-6);
        var (em, _) = NNRef.MaxPool(x.ToDoubleArray(), 6, 9, 12, 3, 2, 1, 1, true, out _, out _);
        using var m = x.MaxPool2d(3, 2, 1, 1, true);
        TestUtil.AssertClose(m, em, 0, 0);
        using var sl = Randn(53, 1, 2, 10, 20).Slice(3, 0, 20, 2);
        var (es, _) = NNRef.MaxPool(sl.ToDoubleArray(), 2, 10, 10, 2, 2, 0, 1, false, out _, out _);
        using var ms = sl.MaxPool2d(2);
        TestUtil.AssertClose(ms, es, 0, 0);
    }

    [Fact]
    public void MaxPool2d_PropagatesNaN()
    {
        using var x = Tensor.FromArray(new float[] { 1, float.NaN, 3, 4, 5, 6, 7, 8 }, 1, 1, 2, 4);
        using var y = x.MaxPool2d(2);
        var v = y.ToDoubleArray();
        Assert.True(double.IsNaN(v[0]));
        Assert.Equal(8, v[1]);
        var (yi, ii) = x.MaxPool2dWithIndices(2);
        using (yi)
        using (ii)
        {
            Assert.True(double.IsNaN(yi.ToDoubleArray()[0]));
            Assert.Equal(1, ii.ToArray<long>()[0]);
        }
    }

    [Theory]
    [InlineData(7, 5, 3, 2)]
    [InlineData(10, 10, 3, 4)]
    [InlineData(5, 9, 5, 9)]
    [InlineData(6, 7, 1, 1)]
    [InlineData(4, 4, 6, 7)]
    public void AdaptiveAvgPool2d_MatchesReference(int h, int w, int oh, int ow)
    {
        using var x = Randn(54, 2, 3, h, w);
        var expected = NNRef.Adaptive(x.ToDoubleArray(), 6, h, w, oh, ow);
        using var y = x.AdaptiveAvgPool2d(oh, ow);
        TestUtil.AssertShape(y, 2, 3, oh, ow);
        TestUtil.AssertClose(y, expected, 1e-5, 1e-6);
        using var x64 = x.To(DType.F64);
        using var y64 = x64.AdaptiveAvgPool2d(oh, ow);
        TestUtil.AssertClose(y64, expected, 1e-12, 1e-12);
        using var xh = x.To(DType.F16);
        var eh = NNRef.Adaptive(xh.ToDoubleArray(), 6, h, w, oh, ow);
        using var yh = xh.AdaptiveAvgPool2d(oh, ow);
        TestUtil.AssertClose(yh, eh, 1e-3, 1e-3);
        using var t = x.Transpose(2, 3);
        var et = NNRef.Adaptive(t.ToDoubleArray(), 6, w, h, ow, oh);
        using var yt = t.AdaptiveAvgPool2d(ow, oh);
        TestUtil.AssertClose(yt, et, 1e-5, 1e-6);
    }

    [Fact]
    public void Pool1d_And_Unbatched()
    {
        using var x = Randn(55, 2, 3, 17);
        using var x4 = x.Unsqueeze(2);
        var (em, _) = NNRef.MaxPool(x4.ToDoubleArray(), 6, 1, 17, 1, 1, 0, 1, false, out _, out _);
        _ = em;
        using var m1 = x.MaxPool1d(3, 2, 1, ceilMode: true);
        using var m2 = x4.MaxPool2d((1, 3), (1, 2), (0, 1), (1, 1), true);
        TestUtil.AssertShape(m1, 2, 3, NNRef.PoolOut(17, 3, 2, 1, 1, true));
        TestUtil.AssertClose(m1, m2.ToDoubleArray(), 0, 0);
        using var a1 = x.AvgPool1d(4, 3, 2, countIncludePad: false);
        var ea = NNRef.AvgPool(x.ToDoubleArray(), 6, 1, 17, 1, 4, 1, 3, 0, 2, false, false, out _, out _);
        TestUtil.AssertClose(a1, ea, 1e-5, 1e-6);
        using var u = Randn(56, 3, 8, 8);
        using var yu = u.MaxPool2d(2);
        TestUtil.AssertShape(yu, 3, 4, 4);
        using var au = u.AdaptiveAvgPool2d(3);
        TestUtil.AssertShape(au, 3, 3, 3);
    }
}
