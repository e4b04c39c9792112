// Multithreaded blocked SGEMM in the BLIS style (Smith et al., "Anatomy of High-Performance Many-Threaded Matrix
// Multiplication", IPDPS 2014): threads share packed KC×NC blocks of B (double-buffered) and split the MC (ic) loop.
// Work is claimed with atomic counters and ordered by completion flags (a row block at depth p waits only for the same
// rows at depth p−1), never by thread arrival, so a slow or unscheduled thread delays nothing: others take its share.
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class SgemmParallel
{
    /// <summary>Row blocks per thread the M loop is cut into (more balance vs. less reuse of each packed B panel).</summary>
    internal static int BlocksPerThread = 6;

    /// <summary>Computes all of <paramref name="g"/> with up to <paramref name="threads"/> threads sharing packed B.</summary>
    public static void Run(in SgemmConfig cfg, in GemmArgs g, int threads)
    {
        int mrT = cfg.MR, nrT = cfg.NR;
        int kcMax = Math.Min(cfg.KC, g.K);
        int ncMax = Math.Min(cfg.NC, SgemmBlocked.RoundUp(g.N, nrT));
        // row blocks small enough that dynamic claiming balances the threads, at most MC rows
        int per = threads * BlocksPerThread;
        int mcPar = Math.Clamp(SgemmBlocked.RoundUp((g.M + per - 1) / per, mrT), mrT, cfg.MC);
        int jcCount = (g.N + ncMax - 1) / ncMax, pcCount = (g.K + kcMax - 1) / kcMax;
        int iterations = jcCount * pcCount;
        int icBlocks = (g.M + mcPar - 1) / mcPar;
        long bBlock = (long)ncMax * kcMax;
        var shared = PackBuffers.Rent(4L * iterations + (long)iterations * icBlocks, 2 * bBlock);
        // claim counters and completion flags live in the rented native buffer (zeroed here), not in per-call arrays
        int* flags = (int*)shared.A;
        new Span<int>(flags, checked(4 * iterations + iterations * icBlocks)).Clear();
        var body = new Worker
        {
            Config = cfg, Args = g, BShared = shared.B, BBlock = bBlock,
            PackClaim = flags, PackDone = flags + iterations, IcClaim = flags + 2 * iterations, IcDone = flags + 3 * iterations,
            BlockDone = flags + 4 * iterations, McPar = mcPar, KcMax = kcMax, NcMax = ncMax, IcBlocks = icBlocks,
        };
        try
        {
            WorkerPool.Shared.Run(threads, ref body);
        }
        finally
        {
            PackBuffers.Return(shared);
        }
    }

    // Every thread walks the same (jc, pc) iterations, claiming B packing chunks and A row blocks as it goes.
    private struct Worker : IChunkBody
    {
        public SgemmConfig Config;
        public GemmArgs Args;
        public float* BShared;
        public long BBlock;
        public int* PackClaim, PackDone, IcClaim, IcDone, BlockDone;
        public int McPar, KcMax, NcMax, IcBlocks;

        public readonly void Run(int chunk)
        {
            const int PackChunk = 4; // B panels per packing claim
            var args = Args;
            var config = Config;
            int mrT = config.MR, nrT = config.NR, mcPar = McPar, kcMax = KcMax, ncMax = NcMax, icBlocks = IcBlocks;
            var bufs = PackBuffers.Rent((long)mcPar * kcMax, 0);
            float* tile = stackalloc float[mrT * nrT];
            try
            {
                int it = 0;
                for (int jc = 0; jc < args.N; jc += ncMax)
                {
                    int nc = Math.Min(ncMax, args.N - jc);
                    int panels = (nc + nrT - 1) / nrT, packChunks = (panels + PackChunk - 1) / PackChunk;
                    for (int pc = 0; pc < args.K; pc += kcMax, it++)
                    {
                        int kc = Math.Min(kcMax, args.K - pc);
                        // B is double-buffered: the block two iterations back must be fully consumed before reuse
                        float* pbBlock = BShared + (it & 1) * BBlock;
                        if (it > 1) WaitFor(ref IcDone[it - 2], icBlocks);
                        int c;
                        while ((c = Interlocked.Increment(ref PackClaim[it]) - 1) < packChunks)
                        {
                            int j0 = c * PackChunk * nrT, j1 = Math.Min(nc, j0 + PackChunk * nrT);
                            SgemmPack.PackB(args.TransB, args.B, args.Ldb, pc, kc, jc + j0, j1 - j0, nrT, pbBlock + (long)j0 * kc);
                            Interlocked.Increment(ref PackDone[it]);
                        }
                        WaitFor(ref PackDone[it], packChunks);
                        float beta = pc == 0 ? args.Beta : 1f;
                        bool last = pc + kc >= args.K;
                        int blk;
                        while ((blk = Interlocked.Increment(ref IcClaim[it]) - 1) < icBlocks)
                        {
                            int ic = blk * mcPar, mc = Math.Min(mcPar, args.M - ic);
                            SgemmPack.PackA(args.TransA, args.A, args.Lda, ic, mc, pc, kc, mrT, bufs.A);
                            // these rows of C at the previous depth must be finished before accumulating onto them
                            if (pc > 0) WaitFor(ref BlockDone[(it - 1) * icBlocks + blk], 1);
                            SgemmBlocked.Macro(config, args, bufs.A, pbBlock, tile, ic, mc, jc, nc, kc, beta, last);
                            Volatile.Write(ref BlockDone[it * icBlocks + blk], 1);
                            Interlocked.Increment(ref IcDone[it]);
                        }
                    }
                }
            }
            finally
            {
                PackBuffers.Return(bufs);
            }
        }
    }

    private static void WaitFor(ref int counter, int target)
    {
        if (Volatile.Read(ref counter) >= target) return;
        var sw = new SpinWait();
        while (Volatile.Read(ref counter) < target) sw.SpinOnce(sleep1Threshold: -1);
    }
}
