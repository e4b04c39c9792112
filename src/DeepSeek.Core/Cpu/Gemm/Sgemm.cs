// Single-precision GEMM dispatcher: degenerate shapes, matrix-vector shapes (Sgemv), and the blocked
// packed GEMM (SgemmBlocked + per-ISA micro-kernels) on one thread, or over threads sharing packed B
// (SgemmParallel, tall C) or splitting the columns (wide C). Row-major BLAS
// semantics (C = alpha·op(A)·op(B) + beta·C) as in the reference BLAS sgemm, transposed to row-major.
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Gemm;

/// <summary>
/// Single-precision GEMM entry point used by every CPU kernel that needs one (matmul, linear, conv via im2col):
/// C = alpha · op(A) · op(B) + beta · C, row-major, with leading dimensions in elements.
/// </summary>
internal static unsafe class Sgemm
{
    /// <summary>Multiply-accumulates per thread below which a GEMM is not split across threads.</summary>
    internal const long MinMacsPerThread = 1L << 18;

    /// <summary>Tuning switch: false runs tall GEMMs as independent row ranges per thread (each packing all of B).</summary>
    internal static bool UseSharedB = true;

    /// <summary>Computes C[M×N] = alpha·op(A)[M×K]·op(B)[K×N] + beta·C. beta = 0 ignores C's old contents (NaNs included).</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, long lda, float* b, long ldb, float beta, float* c, long ldc)
    {
        Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, default, DeepSeekOptions.Threads);
    }

    /// <summary>
    /// As <see cref="Run(bool, bool, int, int, int, float, float*, long, float*, long, float, float*, long)"/>, then applies
    /// <paramref name="epilogue"/> (bias, ReLU) to the result, using at most <paramref name="threads"/> threads.
    /// </summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, long lda, float* b, long ldb, float beta, float* c, long ldc, GemmEpilogue epilogue, int threads)
    {
        Run(SgemmConfig.ForCurrentLevel(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue, threads, allowGemv: true);
    }

    /// <summary>Full-control entry for tests and tuning: explicit kernel configuration; <paramref name="allowGemv"/> = false forces the blocked path (no matrix-vector or few-row shortcuts).</summary>
    internal static void Run(in SgemmConfig cfg, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, long lda, float* b, long ldb, float beta, float* c, long ldc, GemmEpilogue epilogue, int threads, bool allowGemv)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0) return;
        var g = new GemmArgs
        {
            TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
            A = a, B = b, C = c, Lda = lda, Ldb = ldb, Ldc = ldc, Epilogue = epilogue,
        };
        if (k == 0 || alpha == 0)
        {
            ScaleOnly(g);
            return;
        }
        long macs = (long)m * n * k;
        int nt = (int)Math.Clamp(macs / MinMacsPerThread, 1, Math.Max(1, threads));
        if (allowGemv && SgemmSmallM.Applies(g))
        {
            SgemmSmallM.Run(g, nt);
            return;
        }
        if (allowGemv && (m == 1 || n == 1))
        {
            Sgemv.Run(g, nt);
            return;
        }
        int mTiles = (m + cfg.MR - 1) / cfg.MR, nTiles = (n + cfg.NR - 1) / cfg.NR;
        bool splitM = mTiles >= nTiles;
        nt = Math.Min(nt, splitM ? mTiles : nTiles);
        if (nt <= 1)
        {
            SgemmBlocked.Run(cfg, g, 0, m, 0, n);
            return;
        }
        if (splitM && UseSharedB)
        {
            SgemmParallel.Run(cfg, g, nt);
            return;
        }
        // wide C (or shared B disabled): each thread owns a range of tile rows or NR-column panels and packs its own operands
        var body = new OwnRanges { Config = cfg, Args = g, Tiles = splitM ? mTiles : nTiles, Unit = splitM ? cfg.MR : cfg.NR, Threads = nt, SplitM = splitM };
        WorkerPool.Shared.Run(nt, ref body);
    }

    // Thread t computes its range of tile rows (SplitM) or NR-column panels of C, packing its own operands.
    private struct OwnRanges : IChunkBody
    {
        public SgemmConfig Config;
        public GemmArgs Args;
        public int Tiles, Unit, Threads;
        public bool SplitM;

        public readonly void Run(int t)
        {
            int s = (int)((long)Tiles * t / Threads) * Unit, e = Math.Min((int)((long)Tiles * (t + 1) / Threads) * Unit, SplitM ? Args.M : Args.N);
            if (SplitM) SgemmBlocked.Run(Config, Args, s, e, 0, Args.N);
            else SgemmBlocked.Run(Config, Args, 0, Args.M, s, e);
        }
    }

    // k == 0 or alpha == 0: C = beta·C (beta = 0 writes zeros), then the epilogue.
    private static void ScaleOnly(in GemmArgs g)
    {
        for (int i = 0; i < g.M; i++)
        {
            var row = new Span<float>(g.C + i * g.Ldc, g.N);
            if (g.Beta == 0) row.Clear();
            else if (g.Beta != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(row, g.Beta, row);
            if (!g.Epilogue.IsNone) g.Epilogue.Apply(g.C + i * g.Ldc, g.Ldc, i, 0, 1, g.N);
        }
    }

    /// <summary>Scalar reference, the oracle for the fast kernels.</summary>
    public static void Reference(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, long lda, float* b, long ldb, float beta, float* c, long ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    acc += (double)av * bv;
                }
                float prev = beta == 0 ? 0 : beta * c[i * ldc + j];
                c[i * ldc + j] = (float)(alpha * acc) + prev;
            }
    }
}
