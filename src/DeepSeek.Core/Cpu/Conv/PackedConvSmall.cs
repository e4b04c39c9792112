// Small outputs (7×7, 14×14 planes) waste much of the 32-column register tile when output pixels are the GEMM's
// columns (49 pixels → 64 computed), so the product is turned around: Yᵀ[pixels, Cout] = im2col(x)ᵀ · Wᵀ, pixels as the
// rows of 12/14-row tiles and output channels as 32-wide columns (196 pixels = 14·14 exactly), then transposed into
// NCHW with the bias/residual/activation epilogue. The same packed panels, only the operands' roles swap.
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
        var cfg = SgemmConfig.ForRows(n, packedFor);
        int mrT = cfg.MR, nrT = cfg.NR;
        int mPanels = (n + mrT - 1) / mrT, nPanels = (cog + nrT - 1) / nrT;
        int nt = PackedGemm.Threads(n, cog, k, threads);
        var bufs = PackBuffers.Rent(Math.Max(1, (long)mPanels * mrT * k), (long)n * cog);
        try
        {
            nint pa = (nint)bufs.A, ct = (nint)bufs.B, bp = (nint)bPanels, cp = (nint)c;
            var s = src;
            var config = cfg;
            var epi = ep;
            // the pixels' im2col rows as MR-wide A panels
            int packParts = Math.Min(nt, mPanels);
            WorkerPool.Shared.Run(packParts, t =>
            {
                int a0 = (int)((long)mPanels * t / packParts), a1 = (int)((long)mPanels * (t + 1) / packParts);
                ConvPackB.Pack(s, config.MR, a0, a1, (float*)pa + (long)a0 * config.MR * s.K);
            });
            // Yᵀ[n, cog] by blocks of output channels
            int colPer = PackedGemm.PanelsPerBlock(nPanels, 2 * nt, cfg.NC / nrT);
            int items = (nPanels + colPer - 1) / colPer;
            var next = new int[1];
            WorkerPool.Shared.Run(Math.Min(nt, items), _ =>
            {
                float* tile = stackalloc float[config.MR * config.NR];
                int it;
                while ((it = Interlocked.Increment(ref next[0]) - 1) < items)
                {
                    int c0 = it * colPer * config.NR, c1 = Math.Min(cog, c0 + colPer * config.NR);
                    PackedGemm.Block(config, s.K, (float*)pa, (float*)bp, 0, s.N, c0, c1, 1f, (float*)ct, cog, default, tile);
                }
            });
            // transpose 16 channels at a time (rows of Yᵀ read contiguously), then the epilogue on each channel's plane
            int chBlocks = (cog + 15) / 16, parts = Math.Min(nt, chBlocks);
            WorkerPool.Shared.Run(parts, t =>
            {
                for (int blk = (int)((long)chBlocks * t / parts); blk < (long)chBlocks * (t + 1) / parts; blk++)
                {
                    int ch0 = blk * 16, chs = Math.Min(16, cog - ch0);
                    float* dst = (float*)cp + (long)ch0 * n;
                    for (int q = 0; q < n; q++)
                    {
                        float* row = (float*)ct + (long)q * cog + ch0;
                        for (int i = 0; i < chs; i++) dst[(long)i * n + q] = row[i];
                    }
                    if (!epi.IsNone) epi.Apply(dst, n, ch0, 0, chs, n);
                }
            });
        }
        finally
        {
            PackBuffers.Return(bufs);
        }
    }
}
