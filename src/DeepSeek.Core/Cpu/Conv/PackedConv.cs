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
        var body = new ConvUnits
        {
            X = xp, Dst = dp, Bias = bp, Residual = rp, Planes = planes is null ? null : planes.B, Panels = panels,
            GroupFloats = groupFloats, PlaneFloats = planeFloats, Config = cfg, P = p, E = e, Transposed = transposed, Direct = direct,
            SN = sN, SC = sC, SH = sH, SW = sW, G = g, Cig = cig, Cog = cog, Cout = cout, H = h, Wd = wd, Hp = hp, Wp = wp,
            Kh = kh, Kw = kw, Oh = oh, Ow = ow, Units = n * g, Outer = outer,
        };
        try
        {
            if (perUnit) WorkerPool.Shared.Run(outer, ref body);
            else
                for (int u = 0; u < units; u++) body.Unit(u, 0, threads);
        }
        finally
        {
            if (planes is not null) PackBuffers.Return(planes);
        }
    }

    // One (image, group) GEMM each; as a fan-out body, chunk t runs a contiguous share of units single-threaded.
    private struct ConvUnits : IChunkBody
    {
        public float* X, Dst, Bias, Residual, Planes, Panels;
        public long GroupFloats, PlaneFloats, SN, SC, SH, SW;
        public SgemmConfig Config;
        public Conv2dParams P;
        public Epilogue E;
        public bool Transposed, Direct;
        public int G, Cig, Cog, Cout, H, Wd, Hp, Wp, Kh, Kw, Oh, Ow, Units, Outer;

        public readonly void Run(int t)
        {
            for (int u = (int)((long)Units * t / Outer); u < (long)Units * (t + 1) / Outer; u++) Unit(u, t, 1);
        }

        public readonly void Unit(int u, int slot, int inner)
        {
            int b = u / G, gi = u % G, mN = Oh * Ow;
            float* xg = X + b * SN + (long)gi * Cig * SC;
            ConvSource src;
            if (Direct) src = new ConvSource(xg, SC, SH, Cig, Kh, Kw, P.DilationH, P.DilationW, P.StrideH, P.StrideW, Oh, Ow);
            else
            {
                float* plane = Planes + slot * PlaneFloats;
                ConvPackB.PadPlanes(xg, SC, SH, SW, Cig, H, Wd, P, plane);
                src = new ConvSource(plane, (long)Hp * Wp, Wp, Cig, Kh, Kw, P.DilationH, P.DilationW, P.StrideH, P.StrideW, Oh, Ow);
            }
            long cOff = ((long)b * Cout + (long)gi * Cog) * mN;
            var ep = new GemmEpilogue(Bias == null ? null : Bias + gi * Cog, GemmBias.PerRow,
                Residual == null ? null : Residual + cOff, mN, E.Activation, E.Alpha, E.Beta);
            if (Transposed) GemmT(Config, src, Panels + gi * GroupFloats, Cog, Dst + cOff, ep, inner);
            else Gemm(Config, src, Panels + gi * GroupFloats, Cog, Dst + cOff, ep, inner);
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
        if (nt == 1 || nPanels >= 4 * nt)
        {
            // column blocks: each packs its own B share and runs every row of C over it
            int colPer = nt == 1 ? colFit : Math.Min(colFit, Math.Max(1, nPanels / (3 * nt)));
            int blocks = (nPanels + colPer - 1) / colPer;
            int next = 0;
            var body = new ColumnBlocks
            {
                Config = cfg, Src = src, Ep = ep, A = aPanels, C = c, Next = &next,
                M = m, N = n, K = k, ColPer = colPer, Blocks = blocks, NPanels = nPanels, RowChunk = rowChunk,
            };
            WorkerPool.Shared.Run(Math.Min(nt, blocks), ref body);
            return;
        }
        // few columns: pack all of B once (threads split the panels), then threads claim row blocks
        var shared = PackBuffers.Rent(0, Math.Max(1, (long)nPanels * nrT * k));
        try
        {
            var pack = new PackPanels { Src = src, Nr = cfg.NR, Panels = nPanels, Parts = Math.Min(nt, nPanels), Dst = shared.B };
            WorkerPool.Shared.Run(pack.Parts, ref pack);
            int rowPer = Math.Max(1, mPanels / (4 * nt));
            int rowBlocks = (mPanels + rowPer - 1) / rowPer;
            int next = 0;
            var rows = new ClaimedBlocks
            {
                Config = cfg, Ep = ep, A = aPanels, B = shared.B, C = c, Next = &next,
                M = m, N = n, K = k, Per = rowPer, Blocks = rowBlocks, ByRows = true,
            };
            WorkerPool.Shared.Run(Math.Min(nt, rowBlocks), ref rows);
        }
        finally
        {
            PackBuffers.Return(shared);
        }
    }

    // Threads claim column blocks (next block from *Next), pack that share of im2col and run every row of C over it.
    private struct ColumnBlocks : IChunkBody
    {
        public SgemmConfig Config;
        public ConvSource Src;
        public GemmEpilogue Ep;
        public float* A, C;
        public int* Next;
        public int M, N, K, ColPer, Blocks, NPanels, RowChunk;

        public readonly void Run(int chunk)
        {
            int nrT = Config.NR;
            var buf = PackBuffers.Rent(0, Math.Max(1, (long)ColPer * nrT * K));
            float* tile = stackalloc float[Config.MR * Config.NR];
            try
            {
                int blk;
                while ((blk = Interlocked.Increment(ref *Next) - 1) < Blocks)
                {
                    int pa0 = blk * ColPer, pa1 = Math.Min(NPanels, pa0 + ColPer);
                    ConvPackB.Pack(Src, nrT, pa0, pa1, buf.B);
                    int c0 = pa0 * nrT, c1 = Math.Min(N, pa1 * nrT);
                    // the block's panels start at buf.B: shift C and the epilogue's columns so panel indices start at 0
                    var local = Ep.ForColumns(c0);
                    for (int r0 = 0; r0 < M; r0 += RowChunk)
                        PackedGemm.Block(Config, K, A, buf.B, r0, Math.Min(M, r0 + RowChunk), 0, c1 - c0, 1f, C + c0, N, local, tile);
                }
            }
            finally
            {
                PackBuffers.Return(buf);
            }
        }
    }

    // Chunk t packs its contiguous share of the im2col panels (Nr wide) into Dst.
    private struct PackPanels : IChunkBody
    {
        public ConvSource Src;
        public int Nr, Panels, Parts;
        public float* Dst;

        public readonly void Run(int t)
        {
            int a0 = (int)((long)Panels * t / Parts), a1 = (int)((long)Panels * (t + 1) / Parts);
            ConvPackB.Pack(Src, Nr, a0, a1, Dst + (long)a0 * Nr * Src.K);
        }
    }

    // Threads claim blocks of Per register-tile panels of C — row panels (ByRows) or column panels — over packed A and
    // B and run them through PackedGemm.Block: the shared-B row split here, the turned-around column split of small planes.
    private struct ClaimedBlocks : IChunkBody
    {
        public SgemmConfig Config;
        public GemmEpilogue Ep;
        public float* A, B, C;
        public int* Next;
        public int M, N, K, Per, Blocks;
        public bool ByRows;

        public readonly void Run(int chunk)
        {
            float* tile = stackalloc float[Config.MR * Config.NR];
            int blk;
            while ((blk = Interlocked.Increment(ref *Next) - 1) < Blocks)
            {
                if (ByRows)
                {
                    int r0 = blk * Per * Config.MR;
                    PackedGemm.Block(Config, K, A, B, r0, Math.Min(M, r0 + Per * Config.MR), 0, N, 1f, C, N, Ep, tile);
                }
                else
                {
                    int c0 = blk * Per * Config.NR;
                    PackedGemm.Block(Config, K, A, B, 0, M, c0, Math.Min(N, c0 + Per * Config.NR), 1f, C, N, Ep, tile);
                }
            }
        }
    }
}
