// SGEMM with a pre-packed right operand (a Linear/MatMul weight in PackedWeights): op(A) is packed once per call into
// full-depth MR-row panels shared by all threads, then threads claim blocks of C (MC rows × a few NR-column panels) with
// an atomic counter (Smith et al., "Anatomy of High-Performance Many-Threaded Matrix Multiplication", IPDPS 2014).
// Few rows (M ≤ 8, batch-1 decoding) skip A packing: each 32-column B panel is streamed once against all rows.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class SgemmPackedB
{
    /// <summary>Largest M the streaming few-rows path takes.</summary>
    public const int SmallRows = 8;

    /// <summary>
    /// C[M×N] = op(A)[M×K] · B + epilogue, B given as NR-column full-depth panels (<paramref name="bPanels"/>, packed for
    /// <paramref name="cfg"/>), op(A)[i, p] = a[i·lda + p] or a[p·lda + i] when <paramref name="transA"/>.
    /// </summary>
    public static void Run(in SgemmConfig cfg, bool transA, int m, int n, int k, float* a, long lda, float* bPanels,
        float* c, long ldc, in GemmEpilogue ep, int threads)
    {
        if (m == 0 || n == 0) return;
        int nt = PackedGemm.Threads(m, n, k, threads);
        if (m <= SmallRows && k > 0 && cfg.NR == 32 && SimdInfo.UseAvx512)
        {
            FewRows(cfg, transA, m, n, k, a, lda, bPanels, c, ldc, ep, nt);
            return;
        }
        var config = SgemmConfig.ForRows(m, cfg); // A is packed per call, so its tile height is free to choose
        int mrT = config.MR, nrT = config.NR;
        int mPanels = (m + mrT - 1) / mrT, nPanels = (n + nrT - 1) / nrT;
        var bufs = PackBuffers.Rent(Math.Max(1, (long)mPanels * mrT * k), 0);
        try
        {
            float* pa = bufs.A;
            int rowPanels = Math.Max(1, config.MC / mrT);
            int rowBlocks = (mPanels + rowPanels - 1) / rowPanels;
            int colPer = PackedGemm.PanelsPerBlock(nPanels, nt == 1 ? 1 : Math.Max(1, nt * 4 / rowBlocks), config.NC / nrT);
            int colBlocks = (nPanels + colPer - 1) / colPer;
            int items = rowBlocks * colBlocks;
            if (nt == 1)
            {
                if (k > 0) SgemmPack.PackA(transA, a, lda, 0, m, 0, k, mrT, pa);
                float* tile = stackalloc float[mrT * nrT];
                for (int it = 0; it < items; it++) Item(config, it, colBlocks, rowPanels, colPer, m, n, k, pa, bPanels, c, ldc, ep, tile);
                return;
            }
            // pack A's row panels in parallel, then let threads claim C blocks
            if (k > 0)
            {
                var pack = new PackRows { TransA = transA, A = a, Lda = lda, Dst = pa, M = m, K = k, Mr = mrT, Panels = mPanels, Parts = Math.Min(nt, mPanels) };
                WorkerPool.Shared.Run(pack.Parts, ref pack);
            }
            int next = 0;
            var blocks = new Blocks
            {
                Config = config, Ep = ep, Pa = pa, Pb = bPanels, C = c, Ldc = ldc, Next = &next,
                Items = items, ColBlocks = colBlocks, RowPanels = rowPanels, ColPer = colPer, M = m, N = n, K = k,
            };
            WorkerPool.Shared.Run(Math.Min(nt, items), ref blocks);
        }
        finally
        {
            PackBuffers.Return(bufs);
        }
    }

    private static void Item(in SgemmConfig cfg, int it, int colBlocks, int rowPanels, int colPer, int m, int n, int k,
        float* pa, float* pb, float* c, long ldc, in GemmEpilogue ep, float* tile)
    {
        int rb = it / colBlocks, cb = it % colBlocks;
        int r0 = rb * rowPanels * cfg.MR, r1 = Math.Min(m, r0 + rowPanels * cfg.MR);
        int c0 = cb * colPer * cfg.NR, c1 = Math.Min(n, c0 + colPer * cfg.NR);
        PackedGemm.Block(cfg, k, pa, pb, r0, r1, c0, c1, 1f, c, ldc, ep, tile);
    }

    // M ≤ 8: each B panel (K×32) is read once; rows of op(A) are broadcast against it, four rows per sweep.
    private static void FewRows(in SgemmConfig cfg, bool transA, int m, int n, int k, float* a, long lda, float* bPanels,
        float* c, long ldc, in GemmEpilogue ep, int threads)
    {
        int nPanels = (n + 31) / 32;
        int parts = Math.Min(threads, nPanels);
        // op(A) rows as contiguous vectors (A may be transposed storage)
        var buf = PackBuffers.Rent((long)m * k, 0);
        try
        {
            float* ar = buf.A;
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++) ar[i * k + p] = transA ? a[p * lda + i] : a[i * lda + p];
            var body = new FewRowsBody { Ep = ep, Ar = ar, B = bPanels, C = c, Ldc = ldc, M = m, N = n, K = k, Panels = nPanels, Parts = parts };
            WorkerPool.Shared.Run(parts, ref body);
        }
        finally
        {
            PackBuffers.Return(buf);
        }
    }

    // acc[j] = Σ_p a[p] · panel[p·32 + j]: even and odd k in separate accumulators to hide the FMA latency.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panel1(int k, float* a, float* panel, float* acc)
    {
        Vector512<float> c0 = default, c1 = default, d0 = default, d1 = default;
        int p = 0;
        for (; p + 2 <= k; p += 2, panel += 64)
        {
            var x = Vector512.Create(a[p]);
            c0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(panel), c0);
            c1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(panel + 16), c1);
            var y = Vector512.Create(a[p + 1]);
            d0 = Vector512.FusedMultiplyAdd(y, Vector512.Load(panel + 32), d0);
            d1 = Vector512.FusedMultiplyAdd(y, Vector512.Load(panel + 48), d1);
        }
        if (p < k)
        {
            var x = Vector512.Create(a[p]);
            c0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(panel), c0);
            c1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(panel + 16), c1);
        }
        (c0 + d0).Store(acc);
        (c1 + d1).Store(acc + 16);
    }

    // acc[i·32 + j] = Σ_p a[i·lda + p] · panel[p·32 + j] for i < rows (≤ 4).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panel4(int k, float* a, long lda, int rows, float* panel, float* acc)
    {
        float* a0 = a, a1 = rows > 1 ? a + lda : a, a2 = rows > 2 ? a + 2 * lda : a, a3 = rows > 3 ? a + 3 * lda : a;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < k; p++, panel += 32)
        {
            var b0 = Vector512.Load(panel);
            var b1 = Vector512.Load(panel + 16);
            var x = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
        }
        c00.Store(acc); c01.Store(acc + 16); c10.Store(acc + 32); c11.Store(acc + 48);
        c20.Store(acc + 64); c21.Store(acc + 80); c30.Store(acc + 96); c31.Store(acc + 112);
    }

    // Chunk t packs its contiguous share of op(A)'s MR-row panels.
    private struct PackRows : IChunkBody
    {
        public bool TransA;
        public float* A, Dst;
        public long Lda;
        public int M, K, Mr, Panels, Parts;

        public readonly void Run(int t)
        {
            int s = (int)((long)Panels * t / Parts) * Mr, e = Math.Min((int)((long)Panels * (t + 1) / Parts) * Mr, M);
            if (e > s) SgemmPack.PackA(TransA, A, Lda, s, e - s, 0, K, Mr, Dst + (long)s * K);
        }
    }

    // Threads claim C blocks (row block × column panels) from *Next.
    private struct Blocks : IChunkBody
    {
        public SgemmConfig Config;
        public GemmEpilogue Ep;
        public float* Pa, Pb, C;
        public long Ldc;
        public int* Next;
        public int Items, ColBlocks, RowPanels, ColPer, M, N, K;

        public readonly void Run(int chunk)
        {
            float* tile = stackalloc float[Config.MR * Config.NR];
            int it;
            while ((it = Interlocked.Increment(ref *Next) - 1) < Items)
                Item(Config, it, ColBlocks, RowPanels, ColPer, M, N, K, Pa, Pb, C, Ldc, Ep, tile);
        }
    }

    // Chunk t streams its share of the 32-column B panels against every row of A.
    private struct FewRowsBody : IChunkBody
    {
        public GemmEpilogue Ep;
        public float* Ar, B, C;
        public long Ldc;
        public int M, N, K, Panels, Parts;

        public readonly void Run(int t)
        {
            int s = (int)((long)Panels * t / Parts), e = (int)((long)Panels * (t + 1) / Parts);
            int k = K, m = M;
            float* acc = stackalloc float[4 * 32];
            for (int j = s; j < e; j++)
            {
                float* panel = B + (long)j * k * 32;
                int cols = Math.Min(32, N - j * 32);
                for (int i0 = 0; i0 < m; i0 += 4)
                {
                    int r = Math.Min(4, m - i0);
                    if (r == 1) Panel1(k, Ar + i0 * k, panel, acc);
                    else Panel4(k, Ar + i0 * k, k, r, panel, acc);
                    for (int i = 0; i < r; i++)
                    {
                        float* dst = C + (i0 + i) * Ldc + j * 32;
                        new ReadOnlySpan<float>(acc + i * 32, cols).CopyTo(new Span<float>(dst, cols));
                        if (!Ep.IsNone) Ep.Apply(dst, Ldc, i0 + i, j * 32, 1, cols);
                    }
                }
            }
        }
    }
}
