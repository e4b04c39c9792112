using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;

namespace DeepSeek.Tests.Indexing;

/// <summary>Tests that change SIMD level or thread count, or read pool totals.</summary>
[Collection("GlobalState")]
public class IndexingGlobalStateTests
{
    [Fact]
    public void MaskedFill_SimdPathsEqualScalar()
    {
        var old = SimdInfo.Level;
        try
        {
            var g = new Generator(4);
            using var x = Tensor.RandN(new Shape(3, 1000 + 13), g);
            var mv = Ref.Values(3 * 1013, DType.Bool, 5);
            using var m = Ref.Make(mv, DType.Bool, 3, 1013);
            using var xi = x.To(DType.I32);
            var results = new List<double[]>();
            foreach (var level in new[] { SimdLevel.Scalar, SimdLevel.Avx2, SimdLevel.Avx512 })
            {
                if (level > old) continue;
                SimdInfo.Level = level;
                using var r = x.MaskedFill(m, 7.5);
                using var ri = xi.MaskedFill(m, -3);
                results.Add(r.ToDoubleArray().Concat(ri.ToDoubleArray()).ToArray());
            }
            var xs = x.ToDoubleArray();
            var xis = xi.ToDoubleArray();
            var expected = xs.Select((v, i) => mv[i] != 0 ? 7.5 : v).Concat(xis.Select((v, i) => mv[i] != 0 ? -3 : v)).ToArray();
            foreach (var res in results) TestUtil.AssertClose(expected, res, 0, 0);
        }
        finally { SimdInfo.Level = old; }
    }

    [Fact]
    public void LargeOps_SingleThreadEqualsMultiThread()
    {
        int old = DeepSeekOptions.Threads;
        try
        {
            var g = new Generator(77);
            using var w = Tensor.RandN(new Shape(3000, 96), g);
            using var idx = Tensor.RandInt(0, 3000, new Shape(2500), g);
            using var x = Tensor.RandN(new Shape(300, 400), g);
            using var gi = Tensor.RandInt(0, 400, new Shape(300, 400), g);
            using var grad = Tensor.RandN(new Shape(2500, 96), g);
            using var acc = Tensor.Zeros(3000, 96);
            double[][] Run()
            {
                using var e = Tensor.Embedding(idx, w);
                using var ga = x.Gather(1, gi);
                using var sa = x.ScatterAdd(1, gi, x);
                using var ia = acc.IndexAdd(0, idx, grad);
                using var p = x.Pad([5, 7, 3, 2], PadMode.Reflect);
                using var t = x.Tril(3);
                using var f = x.Flip(0, 1);
                return [e.ToDoubleArray(), ga.ToDoubleArray(), sa.ToDoubleArray(), ia.ToDoubleArray(), p.ToDoubleArray(), t.ToDoubleArray(), f.ToDoubleArray()];
            }
            DeepSeekOptions.Threads = 1;
            var single = Run();
            DeepSeekOptions.Threads = 4;
            var multi = Run();
            for (int k = 0; k < single.Length; k++) TestUtil.AssertClose(single[k], multi[k], 1e-6, 1e-5);
            var ev = w.ToDoubleArray();
            var iv = idx.ToDoubleArray();
            Ref.Equal(Ref.IndexSelect(ev, [3000, 96], 0, iv), Tensor.FromDoubles(multi[0], new Shape(2500, 96), DType.F64));
        }
        finally { DeepSeekOptions.Threads = old; }
    }

    [Fact]
    public void OutOfRangeIndexOnWorkerThread_SurfacesAsIndexOutOfRange()
    {
        int old = DeepSeekOptions.Threads;
        try
        {
            DeepSeekOptions.Threads = 4;
            using var w = Tensor.Zeros(1000, 256);
            var iv = new long[4000];
            for (int i = 0; i < iv.Length; i++) iv[i] = i % 1000;
            iv[3999] = 1000;
            using var idx = Tensor.FromArray(iv);
            var ex = Assert.Throws<IndexOutOfRangeException>(() => Tensor.Embedding(idx, w));
            Assert.Contains("1000", ex.Message);
        }
        finally { DeepSeekOptions.Threads = old; }
    }

    [Fact]
    public void AllOps_InScope_LeaveNoBytesInUse_IncludingErrorPaths()
    {
        var pool = CpuBackend.Instance.Pool;
        TestUtil.SettleFinalizers();
        long before = pool.Statistics.BytesInUse;
        using (Tensor.NewScope())
        {
            var g = new Generator(1);
            var x = Tensor.RandN(new Shape(4, 6), g);
            var xh = x.To(DType.F16);
            var idx = Tensor.FromArray(new long[] { 0, 3, 1 });
            var gi = Tensor.RandInt(0, 6, new Shape(4, 6), g);
            var m = Tensor.FromArray(new[] { true, false, true, false, true, false });
            var xt = x.T;
            _ = Tensor.Concat([x, x], 1);
            _ = Tensor.Concat([x, xh], 0);
            _ = Tensor.Stack([x, x], 1);
            _ = x.Split(4, 1);
            _ = x.Chunk(3, 1);
            _ = x.Repeat(2, 1, 2);
            _ = x.Tile(2);
            _ = x.Pad([1, 1, 2, 2], PadMode.Circular);
            _ = xt.IndexSelect(0, idx);
            _ = Tensor.Embedding(gi, xt);
            _ = x.Gather(1, gi);
            _ = x.ScatterAdd(1, gi, x);
            _ = xh.ScatterAdd(1, gi, xh);
            _ = x.IndexAdd(0, idx, x.Narrow(0, 0, 3));
            _ = gi.OneHot();
            _ = x.Flip(0);
            _ = xt.Tril();
            _ = x.MaskedFill(m, 0);
            var bad = Tensor.FromArray(new long[] { 0, 9 });
            Assert.Throws<IndexOutOfRangeException>(() => x.IndexSelect(1, bad));
            Assert.Throws<IndexOutOfRangeException>(() => Tensor.Embedding(bad, x));
            Assert.Throws<IndexOutOfRangeException>(() => xh.IndexAdd(0, bad, xh.Narrow(0, 0, 2)));
            Assert.Throws<ShapeMismatchException>(() => Tensor.Concat([x, idx], 0));
        }
        Assert.Equal(before, pool.Statistics.BytesInUse);
    }

    [Fact]
    public void FailingKernels_OutsideAnyScope_DisposeTheirOutput()
    {
        var pool = CpuBackend.Instance.Pool;
        using var x = Tensor.Zeros(4, 64);
        using var xh = Tensor.Zeros(new Shape(4, 64), DType.BF16);
        using var bad = Tensor.FromArray(new long[] { 0, 4 });
        using var badCls = Tensor.FromArray(new long[] { 0, 4 }, 1, 2);
        using var src = Tensor.Ones(2, 64);
        using var srch = Tensor.Ones(new Shape(2, 64), DType.BF16);
        TestUtil.SettleFinalizers();
        long before = pool.Statistics.BytesInUse;
        Assert.Throws<IndexOutOfRangeException>(() => x.IndexSelect(0, bad));
        Assert.Throws<IndexOutOfRangeException>(() => Tensor.Embedding(bad, x));
        Assert.Throws<IndexOutOfRangeException>(() => x.Gather(0, badCls));
        Assert.Throws<IndexOutOfRangeException>(() => x.IndexAdd(0, bad, src));
        Assert.Throws<IndexOutOfRangeException>(() => xh.IndexAdd(0, bad, srch));
        Assert.Equal(before, pool.Statistics.BytesInUse);
    }
}
