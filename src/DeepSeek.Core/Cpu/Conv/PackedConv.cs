// Convolution as GEMM with the weight pre-packed (PackedWeights, the A operand) and B packed by implicit im2col
// (ConvPackB), then the bias/residual/activation epilogue on each C tile. Per image and group, many output pixels:
// threads take column blocks sized to stay in L2 and pack their own B; few pixels: B is packed once, shared, and threads
// take row blocks of output channels (the M-split of Smith et al., IPDPS 2014) — or, for a weight packed turned
// around, PackedConvSmall computes Yᵀ.
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Threading;
using DeepSeek.Memory;

namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe partial class PackedConv
{
    /// <summary>Floats of a thread's packed B block (its K×cols share of im2col) aimed at half of a 1 MiB L2.</summary>
    private const long BlockFloats = 128 * 1024;

    /// <summary>
    /// dst = act(conv(x, w) + bias + residual) for F32 x [N, Cin, H, W] (any strides), contiguous dst [N, Cout, OH, OW],
    /// bias [Cout] and <paramref name="residual"/> (dst's shape) contiguous or null; the weight of group g is packed at
    /// <paramref name="panels"/> + g·<paramref name="groupFloats"/> for <paramref name="cfg"/>: A panels of W, or, when
    /// <paramref name="transposed"/>, B panels of Wᵀ (see <see cref="PreferTransposed"/>). Shapes were checked by the caller.
    /// </summary>
    public static void Run(Tensor x, float* panels, long groupFloats, in SgemmConfig cfg, int kh, int kw, Tensor? bias,
        Conv2dParams p, Tensor dst, Tensor? residual, in Epilogue e, bool transposed = false)
    {
        int n = x.ShapeArray[0], cin = x.ShapeArray[1], h = x.ShapeArray[2], wd = x.ShapeArray[3];
        int cout = dst.ShapeArray[1];
        int oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        int g = p.Groups, cig = cin / g, cog = cout / g;
        if (dst.Numel == 0) return;
        long sN = x.StridesArray[0], sC = x.StridesArray[1], sH = x.StridesArray[2], sW = x.StridesArray[3];
        int hp = h + p.PadTop + p.PadBottom, wp = wd + p.PadLeft + p.PadRight;
        bool direct = p.PadTop == 0 && p.PadLeft == 0 && p.PadBottom == 0 && p.PadRight == 0 && sW == 1
            && (long)(cig - 1) * sC + (long)(h - 1) * sH + wd < int.MaxValue;
        long planeFloats = direct ? 0 : (long)cig * hp * wp;
        int mN = oh * ow, k = cig * kh * kw;
        var config = cfg;
        float* xp = CpuBackend.Ptr<float>(x), dp = CpuBackend.Ptr<float>(dst);
        float* bp = bias is null ? null : CpuBackend.Ptr<float>(bias);
        float* rp = residual is null ? null : CpuBackend.Ptr<float>(residual);
        int threads = DeepSeekOptions.Threads;
        int units = n * g;
        long unitMacs = (long)cog * mN * Math.Max(k, 1);
        // many small units (a batch of small images): one unit per thread at a time, single-threaded GEMMs
        bool perUnit = units > 1 && threads > 1 && unitMacs < 8 * Sgemm.MinMacsPerThread;
        int outer = perUnit ? Math.Min(threads, units) : 1;
        // padded planes come from the GEMM's reusable native buffers, so steady-state runs take nothing from the tensor pool
        PackBuffers? planes = planeFloats > 0 ? PackBuffers.Rent(0, outer * planeFloats) : null;
        nint xpn = (nint)xp, dpn = (nint)dp, bpn = (nint)bp, rpn = (nint)rp, pln = planes is null ? 0 : (nint)planes.B, wpn = (nint)panels;
        var pp = p;
        var act = e;
        try
        {
            void Unit(int u, int slot, int inner)
            {
                int b = u / g, gi = u % g;
                float* xg = (float*)xpn + b * sN + (long)gi * cig * sC;
                ConvSource src;
                if (direct) src = new ConvSource(xg, sC, sH, cig, kh, kw, pp.DilationH, pp.DilationW, pp.StrideH, pp.StrideW, oh, ow);
                else
                {
                    float* plane = (float*)pln + slot * planeFloats;
                    ConvPackB.PadPlanes(xg, sC, sH, sW, cig, h, wd, pp, plane);
                    src = new ConvSource(plane, (long)hp * wp, wp, cig, kh, kw, pp.DilationH, pp.DilationW, pp.StrideH, pp.StrideW, oh, ow);
                }
                long cOff = ((long)b * cout + (long)gi * cog) * mN;
                var ep = new GemmEpilogue(bpn == 0 ? null : (float*)bpn + gi * cog, GemmBias.PerRow,
                    rpn == 0 ? null : (float*)rpn + cOff, mN, act.Activation, act.Alpha, act.Beta);
                if (transposed) GemmT(config, src, (float*)wpn + gi * groupFloats, cog, (float*)dpn + cOff, ep, inner);
                else Gemm(config, src, (float*)wpn + gi * groupFloats, cog, (float*)dpn + cOff, ep, inner);
            }
            if (perUnit)
                WorkerPool.Shared.Run(outer, t =>
                {
                    for (int u = (int)((long)units * t / outer); u < (long)units * (t + 1) / outer; u++) Unit(u, t, 1);
                });
            else
                for (int u = 0; u < units; u++) Unit(u, 0, threads);
        }
        finally
        {
            if (planes is not null) PackBuffers.Return(planes);
        }
    }

    // C[M, N] = A (packed panels) · im2col(src), M = output channels of the group, then the epilogue.
    private static void Gemm(in SgemmConfig cfg, in ConvSource src, float* aPanels, int m, float* c, in GemmEpilogue ep, int threads)
    {
        int n = src.N, k = src.K, mrT = cfg.MR, nrT = cfg.NR;
        int mPanels = (m + mrT - 1) / mrT, nPanels = (n + nrT - 1) / nrT;
        int nt = PackedGemm.Threads(m, n, k, threads);
        int colFit = (int)Math.Clamp(BlockFloats / ((long)Math.Max(k, 1) * nrT), 1, 16);
        int rowChunk = Math.Max(1, cfg.MC / mrT) * mrT;
        var s = src;
        var epi = ep;
        var config = cfg;
        nint ap = (nint)aPanels, cp = (nint)c;
        if (nt == 1 || nPanels >= 4 * nt)
        {
            // column blocks: each packs its own B share and runs every row of C over it
            int colPer = nt == 1 ? colFit : Math.Min(colFit, Math.Max(1, nPanels / (3 * nt)));
            int blocks = (nPanels + colPer - 1) / colPer;
            var next = new int[1];
            WorkerPool.Shared.Run(Math.Min(nt, blocks), _ =>
            {
                var buf = PackBuffers.Rent(0, Math.Max(1, (long)colPer * nrT * k));
                float* tile = stackalloc float[config.MR * config.NR];
                try
                {
                    int blk;
                    while ((blk = Interlocked.Increment(ref next[0]) - 1) < blocks)
                    {
                        int pa0 = blk * colPer, pa1 = Math.Min(nPanels, pa0 + colPer);
                        ConvPackB.Pack(s, nrT, pa0, pa1, buf.B);
                        int c0 = pa0 * nrT, c1 = Math.Min(n, pa1 * nrT);
                        // the block's panels start at buf.B: shift C and the epilogue's columns so panel indices start at 0
                        var local = epi.ForColumns(c0);
                        for (int r0 = 0; r0 < m; r0 += rowChunk)
                            PackedGemm.Block(config, k, (float*)ap, buf.B, r0, Math.Min(m, r0 + rowChunk), 0, c1 - c0,
                                1f, (float*)cp + c0, n, local, tile);
                    }
                }
                finally
                {
                    PackBuffers.Return(buf);
                }
            });
            return;
        }
        // few columns: pack all of B once (threads split the panels), then threads claim row blocks
        var shared = PackBuffers.Rent(0, Math.Max(1, (long)nPanels * nrT * k));
        try
        {
            nint bp = (nint)shared.B;
            int packParts = Math.Min(nt, nPanels);
            WorkerPool.Shared.Run(packParts, t =>
            {
                int a0 = (int)((long)nPanels * t / packParts), a1 = (int)((long)nPanels * (t + 1) / packParts);
                ConvPackB.Pack(s, config.NR, a0, a1, (float*)bp + (long)a0 * config.NR * s.K);
            });
            int rowPer = Math.Max(1, mPanels / (4 * nt));
            int rowBlocks = (mPanels + rowPer - 1) / rowPer;
            var next = new int[1];
            WorkerPool.Shared.Run(Math.Min(nt, rowBlocks), _ =>
            {
                float* tile = stackalloc float[config.MR * config.NR];
                int blk;
                while ((blk = Interlocked.Increment(ref next[0]) - 1) < rowBlocks)
                {
                    int r0 = blk * rowPer * config.MR, r1 = Math.Min(m, r0 + rowPer * config.MR);
                    PackedGemm.Block(config, k, (float*)ap, (float*)bp, r0, r1, 0, n, 1f, (float*)cp, n, epi, tile);
                }
            });
        }
        finally
        {
            PackBuffers.Return(shared);
        }
    }
}
