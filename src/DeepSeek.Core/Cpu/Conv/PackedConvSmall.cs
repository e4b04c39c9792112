// Small outputs (7×7, 14×14 planes) waste much of the 32-column register tile when output pixels are the GEMM's
// columns (49 pixels → 64 computed), so the product is turned around: Yᵀ[pixels, Cout] = im2col(x)ᵀ · Wᵀ, pixels as the
// rows of 12/14-row tiles and output channels as 32-wide columns (196 pixels = 14·14 exactly), then transposed into
// NCHW with the bias/residual/activation epilogue. The same packed panels, only the operands' roles swap.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe partial class PackedConv
{
    /// <summary>Largest output plane (OH·OW) the turned-around product is considered for.</summary>
    public const int SmallPixels = 256;

    /// <summary>
    /// True when a group of <paramref name="cog"/> output channels over <paramref name="pixels"/> output pixels pads
    /// clearly less (by 5 %) as Yᵀ = im2colᵀ · Wᵀ than as Y = W · im2col on the kernels of <paramref name="cfg"/>.
    /// </summary>
    public static bool PreferTransposed(int cog, int pixels, in SgemmConfig cfg)
    {
        if (pixels <= 0 || pixels > SmallPixels || cog <= 0) return false;
        var normalCfg = SgemmConfig.ForRows(cog, cfg);
        var turnedCfg = SgemmConfig.ForRows(pixels, cfg);
        long normal = RoundUp(cog, normalCfg.MR) * RoundUp(pixels, cfg.NR);
        long turned = RoundUp(pixels, turnedCfg.MR) * RoundUp(cog, cfg.NR);
        return turned * 20 < normal * 19;
    }

    private static long RoundUp(long x, int m) => (x + m - 1) / m * m;

    // C[cog, N] = W · im2col(src) computed as (im2colᵀ · Wᵀ)ᵀ: bPanels hold Wᵀ [K, cog] in NR-column panels.
    private static void GemmT(in SgemmConfig packedFor, in ConvSource src, float* bPanels, int cog, float* c, in GemmEpilogue ep, int threads)
    {
        int n = src.N, k = src.K;
        if (n == 1) { OnePixel(packedFor, src, bPanels, cog, c, ep, threads); return; }
        var cfg = SgemmConfig.ForRows(n, packedFor);
        int mrT = cfg.MR, nrT = cfg.NR;
        int mPanels = (n + mrT - 1) / mrT, nPanels = (cog + nrT - 1) / nrT;
        int nt = PackedGemm.Threads(n, cog, k, threads);
        var bufs = PackBuffers.Rent(Math.Max(1, (long)mPanels * mrT * k), (long)n * cog);
        try
        {
            // the pixels' im2col rows as MR-wide A panels
            var pack = new PackPanels { Src = src, Nr = cfg.MR, Panels = mPanels, Parts = Math.Min(nt, mPanels), Dst = bufs.A };
            WorkerPool.Shared.Run(pack.Parts, ref pack);
            // Yᵀ[n, cog] by blocks of output channels
            int colPer = PackedGemm.PanelsPerBlock(nPanels, 2 * nt, cfg.NC / nrT);
            int items = (nPanels + colPer - 1) / colPer;
            int next = 0;
            var cols = new ClaimedBlocks { Config = cfg, A = bufs.A, B = bPanels, C = bufs.B, Next = &next, M = n, N = cog, K = k, Per = colPer, Blocks = items };
            WorkerPool.Shared.Run(Math.Min(nt, items), ref cols);
            // transpose 16 channels at a time (rows of Yᵀ read contiguously), then the epilogue on each channel's plane
            int chBlocks = (cog + 15) / 16;
            var back = new TurnBack { Ep = ep, Yt = bufs.B, C = c, N = n, Cog = cog, Blocks = chBlocks, Parts = Math.Min(nt, chBlocks) };
            WorkerPool.Shared.Run(back.Parts, ref back);
        }
        finally
        {
            PackBuffers.Return(bufs);
        }
    }

    // One output pixel (a squeeze-excitation FC as a 1×1 conv on a 1×1 plane, a conv whose kernel covers the plane): the
    // product is a matrix-vector one, y[cog] = Wᵀ-panelsᵀ · col[K], read straight from the NR-wide panels (every weight
    // once, no register tile padded from one row to MR); NCHW with one pixel is y itself, so the epilogue runs in place.
    private static void OnePixel(in SgemmConfig cfg, in ConvSource src, float* bPanels, int cog, float* c, in GemmEpilogue ep, int threads)
    {
        int k = src.K, nr = cfg.NR;
        int panels = (cog + nr - 1) / nr;
        var col = PackBuffers.Rent(Math.Max(1, k), 0);
        try
        {
            ConvPackB.Pack(src, 1, 0, 1, col.A); // the pixel's im2col column (padding and strides resolved)
            var body = new PanelGemv { X = col.A, B = bPanels, C = c, K = k, Nr = nr, Cog = cog, Panels = panels, Ep = ep };
            // chunks of panels: weights are read once, so a second thread pays only when there are many
            int parts = threads > 1 && (long)k * cog >= 256 * 1024 ? Math.Min(threads, panels) : 1;
            body.Parts = parts;
            if (parts == 1) body.Run(0);
            else WorkerPool.Shared.Run(parts, ref body);
        }
        finally
        {
            PackBuffers.Return(col);
        }
    }

    private struct PanelGemv : IChunkBody
    {
        public float* X, B, C;
        public int K, Nr, Cog, Panels, Parts;
        public GemmEpilogue Ep;

        public readonly void Run(int t)
        {
            int p0 = (int)((long)Panels * t / Parts), p1 = (int)((long)Panels * (t + 1) / Parts);
            float* acc = stackalloc float[Nr];
            for (int pj = p0; pj < p1; pj++)
            {
                float* panel = B + (long)pj * K * Nr;
                int c0 = pj * Nr, cols = Math.Min(Nr, Cog - c0);
                if (Nr % 16 == 0 && Vector512.IsHardwareAccelerated) Gemv512(panel, X, K, Nr, acc);
                else
                {
                    new Span<float>(acc, Nr).Clear();
                    for (int q = 0; q < K; q++)
                    {
                        float xv = X[q];
                        float* row = panel + (long)q * Nr;
                        for (int j = 0; j < Nr; j++) acc[j] += xv * row[j];
                    }
                }
                new Span<float>(acc, cols).CopyTo(new Span<float>(C + c0, cols));
                // one pixel per channel: each channel's "plane" is one float
                if (!Ep.IsNone) Ep.Apply(C + c0, 1, c0, 0, cols, 1);
            }
        }

        // acc[0..nr) = Σ_q x[q] · panel[q, 0..nr), nr a multiple of 16; 32-wide panels (the AVX-512 tile) in one pass
        private static void Gemv512(float* panel, float* x, int k, int nr, float* acc)
        {
            if (nr == 32)
            {
                Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default;
                int q = 0;
                for (; q + 1 < k; q += 2)
                {
                    float* r = panel + (long)q * 32;
                    var x0 = Vector512.Create(x[q]);
                    var x1 = Vector512.Create(x[q + 1]);
                    a0 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r), a0);
                    a1 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r + 16), a1);
                    b0 = Vector512.FusedMultiplyAdd(x1, Vector512.Load(r + 32), b0);
                    b1 = Vector512.FusedMultiplyAdd(x1, Vector512.Load(r + 48), b1);
                }
                if (q < k)
                {
                    var x0 = Vector512.Create(x[q]);
                    a0 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(panel + (long)q * 32), a0);
                    a1 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(panel + (long)q * 32 + 16), a1);
                }
                (a0 + b0).Store(acc);
                (a1 + b1).Store(acc + 16);
                return;
            }
            for (int j = 0; j < nr; j += 16)
            {
                var s0 = Vector512<float>.Zero;
                float* col = panel + j;
                for (int q = 0; q < k; q++) s0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[q]), Vector512.Load(col + (long)q * nr), s0);
                s0.Store(acc + j);
            }
        }
    }

    /// <summary>
    /// dst[c·ldd + j] = src[j·lds + c] for a 16×16 block: interleave 32-bit then 64-bit pairs within 128-bit lanes
    /// (each lane then holds a 4×4 transposed block), then regroup the lanes with two rounds of 128-bit shuffles.
    /// </summary>
    internal static void Transpose16x16(float* src, long lds, float* dst, long ldd)
    {
        // rows g..g+3 → u0..u3 with u_k lane L = column 4L + k of those rows
        Quad(src, lds, out var a0, out var a1, out var a2, out var a3);
        Quad(src + 4 * lds, lds, out var b0, out var b1, out var b2, out var b3);
        Quad(src + 8 * lds, lds, out var c0, out var c1, out var c2, out var c3);
        Quad(src + 12 * lds, lds, out var d0, out var d1, out var d2, out var d3);
        Columns(a0, b0, c0, d0, dst, ldd);
        Columns(a1, b1, c1, d1, dst + ldd, ldd);
        Columns(a2, b2, c2, d2, dst + 2 * ldd, ldd);
        Columns(a3, b3, c3, d3, dst + 3 * ldd, ldd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(float* src, long lds, out Vector512<float> u0, out Vector512<float> u1, out Vector512<float> u2, out Vector512<float> u3)
    {
        Vector512<float> r0 = Vector512.Load(src), r1 = Vector512.Load(src + lds), r2 = Vector512.Load(src + 2 * lds), r3 = Vector512.Load(src + 3 * lds);
        var t0 = Avx512F.UnpackLow(r0, r1).AsDouble();  // lane L: r0[4L], r1[4L], r0[4L+1], r1[4L+1]
        var t1 = Avx512F.UnpackHigh(r0, r1).AsDouble(); // lane L: r0[4L+2], r1[4L+2], r0[4L+3], r1[4L+3]
        var t2 = Avx512F.UnpackLow(r2, r3).AsDouble();
        var t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
        u0 = Avx512F.UnpackLow(t0, t2).AsSingle();
        u1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
        u2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        u3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    // a, b, c, d: rows 0–3, 4–7, 8–11, 12–15 of columns 4L + k (lane L); stores columns k, 4 + k, 8 + k, 12 + k
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, float* dst, long ldd)
    {
        var v0 = Avx512F.Shuffle4x128(a, b, 0x44); // a.l0 a.l1 b.l0 b.l1
        var v1 = Avx512F.Shuffle4x128(a, b, 0xEE); // a.l2 a.l3 b.l2 b.l3
        var v2 = Avx512F.Shuffle4x128(c, d, 0x44);
        var v3 = Avx512F.Shuffle4x128(c, d, 0xEE);
        Avx512F.Shuffle4x128(v0, v2, 0x88).Store(dst);            // lane 0 of a, b, c, d
        Avx512F.Shuffle4x128(v0, v2, 0xDD).Store(dst + 4 * ldd);  // lane 1
        Avx512F.Shuffle4x128(v1, v3, 0x88).Store(dst + 8 * ldd);  // lane 2
        Avx512F.Shuffle4x128(v1, v3, 0xDD).Store(dst + 12 * ldd); // lane 3
    }

    // Chunk t transposes its share of 16-channel blocks of Yᵀ into C (NCHW planes) and applies the epilogue.
    private struct TurnBack : IChunkBody
    {
        public GemmEpilogue Ep;
        public float* Yt, C;
        public int N, Cog, Blocks, Parts;

        public readonly void Run(int t)
        {
            int n = N;
            for (int blk = (int)((long)Blocks * t / Parts); blk < (long)Blocks * (t + 1) / Parts; blk++)
            {
                int ch0 = blk * 16, chs = Math.Min(16, Cog - ch0);
                float* dst = C + (long)ch0 * n;
                int q = 0;
                // whole 16-channel blocks go through 16×16 register transposes; block and pixel tails element by element
                if (chs == 16 && Avx512F.IsSupported && SimdInfo.UseAvx512)
                    for (; q + 16 <= n; q += 16) Transpose16x16(Yt + (long)q * Cog + ch0, Cog, dst + q, n);
                for (; q < n; q++)
                {
                    float* row = Yt + (long)q * Cog + ch0;
                    for (int i = 0; i < chs; i++) dst[(long)i * n + q] = row[i];
                }
                if (!Ep.IsNone) Ep.Apply(dst, n, ch0, 0, chs, n);
            }
        }
    }
}
