using DeepSeek.Backends.Cpu;

namespace DeepSeek.Tests.Linalg;

[Collection("GlobalState")]
public class LinalgGlobalStateTests
{
    [Theory]
    [InlineData(SimdLevel.Scalar)]
    [InlineData(SimdLevel.Avx2)]
    [InlineData(SimdLevel.Avx512)]
    public void EverySimdLevelMatchesReference(SimdLevel level)
    {
        var old = SimdInfo.Level;
        if (level > old) return; // hardware cannot run it
        try
        {
            SimdInfo.Level = level;
            var g = new Generator(17);
            using var scope = Tensor.NewScope();
            var a = Tensor.RandN(new Shape(2, 45, 70), g);
            var b = Tensor.RandN(new Shape(70, 33), g);
            using var y = a.MatMul(b);
            var (expected, _) = MatMulReference.MatMul(a.ToDoubleArray(), [2, 45, 70], b.ToDoubleArray(), [70, 33]);
            TestUtil.AssertClose(expected, y.ToDoubleArray(), 1e-4, 1e-4);
            // vector·matrix, matrix·vector and few-row shapes take the GEMV / few-row paths of each level
            var v = Tensor.RandN(new Shape(70), g);
            var w = Tensor.RandN(new Shape(45, 70), g);
            var x5 = Tensor.RandN(new Shape(5, 70), g);
            foreach (var (l, r) in new[] { (v, b), (w, v), (x5, b), (v, w.T), (x5, w.T) })
            {
                using var p = l.MatMul(r);
                var (e, _) = MatMulReference.MatMul(l.ToDoubleArray(), l.Shape.ToArray(), r.ToDoubleArray(), r.Shape.ToArray());
                TestUtil.AssertClose(e, p.ToDoubleArray(), 1e-4, 1e-4);
            }
        }
        finally
        {
            SimdInfo.Level = old;
        }
    }

    [Fact]
    public void OneAndTwoThreadsAgree()
    {
        int old = DeepSeekOptions.Threads;
        var g = new Generator(8);
        using var scope = Tensor.NewScope();
        var a = Tensor.RandN(new Shape(6, 70, 90), g);
        var b = Tensor.RandN(new Shape(90, 110), g);
        var a2 = Tensor.RandN(new Shape(300, 200), g);
        var b2 = Tensor.RandN(new Shape(200, 150), g);
        var a3 = Tensor.RandN(new Shape(20, 16, 16), g);
        var b3 = Tensor.RandN(new Shape(20, 16, 16), g);
        try
        {
            DeepSeekOptions.Threads = 1;
            var r1 = new[] { a.MatMul(b).ToArray<float>(), a2.MatMul(b2).ToArray<float>(), a3.Bmm(b3).ToArray<float>(), a2.Linear(b2.T).ToArray<float>(), a2.MatMul(b2.Select(1, 0)).ToArray<float>() };
            DeepSeekOptions.Threads = 2;
            var r2 = new[] { a.MatMul(b).ToArray<float>(), a2.MatMul(b2).ToArray<float>(), a3.Bmm(b3).ToArray<float>(), a2.Linear(b2.T).ToArray<float>(), a2.MatMul(b2.Select(1, 0)).ToArray<float>() };
            for (int i = 0; i < r1.Length; i++) TestUtil.AssertClose(Array.ConvertAll(r1[i], x => (double)x), Array.ConvertAll(r2[i], x => (double)x), 1e-5, 1e-5);
        }
        finally
        {
            DeepSeekOptions.Threads = old;
        }
    }

    [Fact]
    public void NoPoolLeaks()
    {
        var pool = CpuBackend.Instance.Pool;
        var g = new Generator(2);
        using var a = Tensor.RandN(new Shape(3, 8, 16), g, dtype: DType.BF16);
        using var b = Tensor.RandN(new Shape(16, 8), g, dtype: DType.BF16);
        using var w = Tensor.RandN(new Shape(5, 16), g);
        using var v = Tensor.RandN(new Shape(16), g);
        using var x = Tensor.RandN(new Shape(4, 16), g);
        TestUtil.SettleFinalizers();
        long before = pool.Statistics.BytesInUse;
        using (Tensor.NewScope())
        {
            _ = a.MatMul(b);
            _ = a.MatMul(b.Slice(1, 0, 8, 2));
            _ = v.MatMul(w.T);
            _ = w.MatMul(v);
            _ = v.Dot(v);
            _ = v.Outer(v);
            _ = x.Linear(w, w.Select(1, 0));
            _ = Tensor.Linear(x.T.Contiguous().T, w);
            _ = a.To(DType.F16).Linear(b.T.To(DType.F16));
        }
        Assert.Equal(before, pool.Statistics.BytesInUse);
    }
}

[Collection("GlobalState")]
public unsafe class SgemmSwitchTests
{
    [Fact]
    public void RowRangeSplitMatchesSharedB()
    {
        bool old = DeepSeek.Backends.Cpu.Gemm.Sgemm.UseSharedB;
        const int m = 230, n = 70, k = 300;
        using var a = NativeBuf.Random(m * k, 1);
        using var b = NativeBuf.Random(k * n, 2);
        using var c1 = new NativeBuf(m * n);
        using var c2 = new NativeBuf(m * n);
        try
        {
            DeepSeek.Backends.Cpu.Gemm.Sgemm.UseSharedB = true;
            DeepSeek.Backends.Cpu.Gemm.Sgemm.Run(false, false, m, n, k, 1f, a.P, k, b.P, n, 0f, c1.P, n, default, 2);
            DeepSeek.Backends.Cpu.Gemm.Sgemm.UseSharedB = false;
            DeepSeek.Backends.Cpu.Gemm.Sgemm.Run(false, false, m, n, k, 1f, a.P, k, b.P, n, 0f, c2.P, n, default, 2);
        }
        finally
        {
            DeepSeek.Backends.Cpu.Gemm.Sgemm.UseSharedB = old;
        }
        Assert.Equal(c1.ToArray(), c2.ToArray());
        var expected = GemmOracle.Compute(false, false, m, n, k, 1, a.P, k, b.P, n, 0, c1.P, n);
        TestUtil.AssertClose(expected, GemmOracle.Read(c2.P, m, n, n), 1e-4, 1e-3);
    }
}
