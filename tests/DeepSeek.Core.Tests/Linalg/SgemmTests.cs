using DeepSeek.Backends.Cpu.Gemm;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Tests.Linalg;

public unsafe class SgemmTests
{
    public static TheoryData<string> Kernels()
    {
        var d = new TheoryData<string> { "scalar" };
        if (Avx2.IsSupported && Fma.IsSupported) d.Add("avx2");
        if (Avx512F.IsSupported && Avx512F.VL.IsSupported) { d.Add("avx512"); d.Add("avx512-12"); }
        return d;
    }

    internal static SgemmConfig Config(string name) => name switch
    {
        "scalar" => SgemmConfig.Scalar,
        "avx2" => SgemmConfig.Avx2,
        "avx512" => SgemmConfig.Avx512,
        _ => SgemmConfig.Avx512Mr12,
    };

    // Runs one GEMM through the blocked path of the given kernel and checks it against the double oracle.
    private static void Check(string kernel, bool ta, bool tb, int m, int n, int k, float alpha, float beta,
        int padA = 0, int padB = 0, int padC = 0, int threads = 1, bool gemv = false, int seed = 1)
    {
        long lda = (ta ? m : k) + padA, ldb = (tb ? k : n) + padB, ldc = n + padC;
        using var a = NativeBuf.Random((ta ? k : m) * lda, seed);
        using var b = NativeBuf.Random((tb ? n : k) * ldb, seed + 1);
        using var c = NativeBuf.Random(m * ldc, seed + 2);
        if (beta == 0) c.Fill(float.NaN);
        var expected = GemmOracle.Compute(ta, tb, m, n, k, alpha, a.P, lda, b.P, ldb, beta, c.P, ldc);
        Sgemm.Run(Config(kernel), ta, tb, m, n, k, alpha, a.P, lda, b.P, ldb, beta, c.P, ldc, default, threads, gemv);
        TestUtil.AssertClose(expected, GemmOracle.Read(c.P, m, n, ldc), 1e-4, 2e-5 * Math.Max(k, 1));
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void OddSizesAllTransposes(string kernel)
    {
        int[][] sizes = [[1, 1, 1], [2, 3, 4], [13, 31, 7], [15, 33, 17], [29, 65, 3], [7, 97, 130], [45, 2, 64], [1, 40, 9], [37, 1, 21]];
        foreach (var s in sizes)
            for (int t = 0; t < 4; t++)
                Check(kernel, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1f, 0f, seed: s[0] * 7 + t);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void RandomSizes1To97(string kernel)
    {
        var r = new Random(42);
        for (int it = 0; it < 12; it++)
        {
            int m = r.Next(1, 98), n = r.Next(1, 98), k = r.Next(1, 98);
            Check(kernel, r.Next(2) == 1, r.Next(2) == 1, m, n, k, 1f, 0f, seed: it);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void LargeRaggedCrossesEveryBlock(string kernel)
    {
        // 300×257×513 crosses MR/NR/KC/MC boundaries with ragged remainders in every dimension
        Check(kernel, false, false, 300, 257, 513, 1f, 0f, threads: 2);
        Check(kernel, true, true, 300, 257, 513, 0.5f, 1.5f, threads: 2);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void TinyBlocksExerciseEveryLoopInParallelAndSerial(string kernel)
    {
        // small MC/KC/NC force many jc/pc/ic iterations: the shared-B parallel driver and the serial one must agree
        var cfg = Config(kernel).WithBlocks(2 * Config(kernel).MR, 16, 2 * Config(kernel).NR);
        const int m = 150, n = 200, k = 50;
        for (int t = 0; t < 4; t++)
        {
            bool ta = (t & 1) != 0, tb = (t & 2) != 0;
            long lda = ta ? m : k, ldb = tb ? k : n;
            using var a = NativeBuf.Random((ta ? k : m) * lda, 30 + t);
            using var b = NativeBuf.Random((tb ? n : k) * ldb, 40 + t);
            using var c1 = NativeBuf.Random(m * n, 50 + t);
            using var c2 = c1.Copy();
            var expected = GemmOracle.Compute(ta, tb, m, n, k, 1.5, a.P, lda, b.P, ldb, 0.5, c1.P, n);
            Sgemm.Run(cfg, ta, tb, m, n, k, 1.5f, a.P, lda, b.P, ldb, 0.5f, c1.P, n, default, 1, false);
            Sgemm.Run(cfg, ta, tb, m, n, k, 1.5f, a.P, lda, b.P, ldb, 0.5f, c2.P, n, default, 2, false);
            TestUtil.AssertClose(expected, GemmOracle.Read(c1.P, m, n, n), 1e-4, 1e-3);
            Assert.Equal(c1.ToArray(), c2.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AlphaBetaAndLeadingDimensions(string kernel)
    {
        Check(kernel, false, false, 33, 47, 29, 2.5f, 0f, padA: 3, padB: 5, padC: 7);
        Check(kernel, false, true, 33, 47, 29, -1f, 1f, padA: 1, padB: 2, padC: 3);
        Check(kernel, true, false, 33, 47, 29, 0.25f, -0.5f, padA: 4, padB: 0, padC: 1);
        Check(kernel, true, true, 20, 70, 400, 1f, 2f, padA: 9, padB: 11, padC: 13);
    }

    [Fact]
    public void BetaZeroIgnoresNaNAndAlphaZeroOrKZeroScales()
    {
        using var a = NativeBuf.Random(16, 1);
        using var b = NativeBuf.Random(16, 2);
        using var c = new NativeBuf(16);
        c.Fill(float.NaN);
        Sgemm.Run(false, false, 4, 4, 0, 1f, a.P, 4, b.P, 4, 0f, c.P, 4);
        Assert.All(c.ToArray(), v => Assert.Equal(0f, v));
        c.Fill(3f);
        Sgemm.Run(false, false, 4, 4, 4, 0f, a.P, 4, b.P, 4, 2f, c.P, 4);
        Assert.All(c.ToArray(), v => Assert.Equal(6f, v));
        c.Fill(float.NaN);
        Sgemm.Run(false, false, 4, 4, 4, 0f, a.P, 4, b.P, 4, 0f, c.P, 4);
        Assert.All(c.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void MatrixVectorPathMatchesOracle()
    {
        // (1, 1100) with k = 1031 exceeds the few-row path's cache bound, so the row-order axpy GEMV runs
        Check("avx2", false, false, 1, 1100, 1031, 1f, 0f, padB: 3, gemv: true, threads: 2);
        Check("avx2", true, false, 1, 1100, 1031, 0.5f, 1f, padA: 1, padB: 3, gemv: true, threads: 1);
        foreach (var (m, n) in new[] { (1, 300), (300, 1), (1, 1), (1, 17), (70, 1) })
            for (int t = 0; t < 4; t++)
                Check("avx2", (t & 1) != 0, (t & 2) != 0, m, n, 131, 1.5f, t == 3 ? 0.5f : 0f, padA: 2, padB: 3, gemv: true, threads: 2);
    }

    [Fact]
    public void FewRowsPathMatchesOracle()
    {
        // M in 1..8 with AVX-512 takes SgemmSmallM (M = 1 only without transB) (no packing); ragged N and K tails included
        foreach (int m in new[] { 1, 2, 3, 4, 5, 8 })
            foreach (var (n, k) in new[] { (16, 16), (40, 37), (64, 300), (100, 33), (203, 129), (300, 20) })
            {
                Check("avx512", false, true, m, n, k, 1f, 0f, padA: 3, padB: 5, gemv: true, threads: 2, seed: m + n);
                Check("avx512", false, false, m, n, k, 0.5f, 2f, padA: 1, padB: 7, padC: 2, gemv: true, threads: 2, seed: m * n);
            }
    }

    [Fact]
    public void PublicRunMatchesReference()
    {
        const int m = 50, n = 61, k = 70;
        using var a = NativeBuf.Random(m * k, 3);
        using var b = NativeBuf.Random(k * n, 4);
        using var c = NativeBuf.Random(m * n, 5);
        using var r = c.Copy();
        Sgemm.Run(false, true, m, n, k, 0.75f, a.P, k, b.P, k, 0.5f, c.P, n);
        Sgemm.Reference(false, true, m, n, k, 0.75f, a.P, k, b.P, k, 0.5f, r.P, n);
        TestUtil.AssertClose(Array.ConvertAll(r.ToArray(), x => (double)x), Array.ConvertAll(c.ToArray(), x => (double)x), 1e-4, 1e-4);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void OneAndTwoThreadsAgreeBitwise(string kernel)
    {
        foreach (var (m, n, k) in new[] { (200, 64, 300), (40, 500, 96), (129, 131, 700) })
        {
            using var a = NativeBuf.Random(m * k, 7);
            using var b = NativeBuf.Random(k * n, 8);
            using var c1 = new NativeBuf(m * n);
            using var c2 = new NativeBuf(m * n);
            var cfg = Config(kernel);
            Sgemm.Run(cfg, false, false, m, n, k, 1f, a.P, k, b.P, n, 0f, c1.P, n, default, 1, true);
            Sgemm.Run(cfg, false, false, m, n, k, 1f, a.P, k, b.P, n, 0f, c2.P, n, default, 2, true);
            Assert.Equal(c1.ToArray(), c2.ToArray());
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(0, true)]
    public void EpilogueBiasAndRelu(int biasKind, bool relu)
    {
        var kind = (GemmBias)biasKind;
        foreach (var kernel in new[] { "scalar", "avx2", "avx512" })
        {
            if (kernel == "avx512" && !Avx512F.IsSupported) continue;
            if (kernel == "avx2" && !Fma.IsSupported) continue;
            foreach (var (m, n, k) in new[] { (37, 45, 300), (1, 40, 20), (40, 1, 20), (5, 70, 40) })
            {
                using var a = NativeBuf.Random(m * k, 11);
                using var b = NativeBuf.Random(k * n, 12);
                using var bias = NativeBuf.Random(Math.Max(m, n), 13);
                using var c = new NativeBuf(m * n);
                c.Fill(float.NaN);
                var expected = GemmOracle.Compute(false, false, m, n, k, 1, a.P, k, b.P, n, 0, c.P, n);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        double v = expected[i * n + j] + kind switch { GemmBias.PerColumn => bias.P[j], GemmBias.PerRow => bias.P[i], _ => 0 };
                        expected[i * n + j] = relu ? Math.Max(v, 0) : v;
                    }
                var ep = new GemmEpilogue(kind == GemmBias.None ? null : bias.P, kind, relu);
                Sgemm.Run(Config(kernel), false, false, m, n, k, 1f, a.P, k, b.P, n, 0f, c.P, n, ep, 2, true);
                TestUtil.AssertClose(expected, GemmOracle.Read(c.P, m, n, n), 1e-4, 1e-3);
            }
        }
    }
}
