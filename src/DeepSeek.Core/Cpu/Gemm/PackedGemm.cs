// GEMM over operands that are already packed in full-depth micro-panels (A: MR-row panels K×MR, B: NR-column panels
// K×NR), the layout of PackedWeights: the BLIS pc → jr → ir loops (Goto & van de Geijn, TOMS 2008) read sub-panels at
// depth pc in place, so a pre-packed weight is never copied again. Callers cut C into blocks and hand them to threads.
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class PackedGemm
{
    /// <summary>Tuning switch: false skips prefetching C and residual rows of far-apart rows (see <see cref="Block"/>).</summary>
    internal static bool UsePrefetch = true;

    /// <summary>Whole tiles take the epilogue inside the micro-kernel (<see cref="SgemmConfig.EpilogueKernel"/>); false forces the separate pass (tests compare the two).</summary>
    internal static bool FuseEpilogue = true;

    /// <summary>
    /// C[r0..r1, c0..c1] = alpha · A[r0..r1, :] · B[:, c0..c1] over depth <paramref name="k"/>, then the epilogue (whose
    /// row/column indices are C's). A panel i (rows i·MR…) starts at aPanels + i·K·MR, B panel j at bPanels + j·K·NR;
    /// r0 is a multiple of MR and c0 of NR. <paramref name="tile"/> is MR×NR scratch for ragged edge tiles.
    /// </summary>
    public static void Block(in SgemmConfig cfg, int k, float* aPanels, float* bPanels, int r0, int r1, int c0, int c1,
        float alpha, float* c, long ldc, in GemmEpilogue ep, float* tile)
    {
        if (r1 <= r0 || c1 <= c0) return;
        int mrT = cfg.MR, nrT = cfg.NR;
        if (k == 0)
        {
            for (int i = r0; i < r1; i++) new Span<float>(c + i * ldc + c0, c1 - c0).Clear();
            if (!ep.IsNone) ep.Apply(c + r0 * ldc + c0, ldc, r0, c0, r1 - r0, c1 - c0);
            return;
        }
        var kernel = cfg.Kernel;
        var fused = ep.IsNone || !FuseEpilogue || !SgemmKernelAvx512.FusesActivation(ep.Activation) ? null : cfg.EpilogueKernel;
        var epCopy = ep; // a stack copy: the fused kernel takes the epilogue by address
        int kcMax = Math.Min(cfg.KC, k);
        bool prefetch = UsePrefetch && Sse.IsSupported && ldc > 512;
        long aStride = (long)k * mrT, bStride = (long)k * nrT;
        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);
            float beta = pc == 0 ? 0f : 1f;
            bool last = pc + kc >= k;
            for (int jr = c0; jr < c1; jr += nrT)
            {
                int nr = Math.Min(nrT, c1 - jr);
                float* pb = bPanels + (jr / nrT) * bStride + (long)pc * nrT;
                for (int ir = r0; ir < r1; ir += mrT)
                {
                    int mr = Math.Min(mrT, r1 - ir);
                    float* pa = aPanels + (ir / mrT) * aStride + (long)pc * mrT;
                    float* cp = c + ir * ldc + jr;
                    // C rows (and the residual's) lie a whole output plane apart in a conv: start fetching them while the
                    // micro-kernel runs, so neither its stores nor the epilogue wait on memory
                    if (prefetch && (beta == 0 || last)) Prefetch(cp, ldc, last ? ep.Residual : null, ep.Ldr, ir, jr, mr, nr);
                    // whole tiles of the last depth block take the epilogue in registers; edge tiles go through the pass below
                    if (mr == mrT && nr == nrT && last && fused != null)
                    {
                        fused(kc, pa, pb, cp, ldc, alpha, beta, &epCopy, ir, jr);
                        continue;
                    }
                    if (mr == mrT && nr == nrT)
                        kernel(kc, pa, pb, cp, ldc, alpha, beta);
                    else
                    {
                        kernel(kc, pa, pb, tile, nrT, alpha, 0f);
                        for (int i = 0; i < mr; i++)
                        {
                            float* t = tile + i * nrT, d = cp + i * ldc;
                            if (beta == 0) for (int j = 0; j < nr; j++) d[j] = t[j];
                            else for (int j = 0; j < nr; j++) d[j] += t[j];
                        }
                    }
                    if (last && !ep.IsNone) ep.Apply(cp, ldc, ir, jr, mr, nr);
                }
            }
        }
    }

    private static void Prefetch(float* cp, long ldc, float* residual, long ldr, int row, int col, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
        {
            float* ci = cp + i * ldc;
            Sse.Prefetch0(ci);
            Sse.Prefetch0(ci + cols - 1);
            if (residual != null)
            {
                float* z = residual + (row + i) * ldr + col;
                Sse.Prefetch0(z);
                Sse.Prefetch0(z + cols - 1);
            }
        }
    }

    /// <summary>
    /// Number of threads worth using for an m×n×k product (the same threshold as <see cref="Sgemm"/>), at most
    /// <paramref name="threads"/>.
    /// </summary>
    public static int Threads(int m, int n, int k, int threads) =>
        (int)Math.Clamp((long)m * n * Math.Max(k, 1) / Sgemm.MinMacsPerThread, 1, Math.Max(1, threads));

    /// <summary>Splits <paramref name="count"/> panels into blocks of about <paramref name="count"/>/<paramref name="parts"/> panels, each at most <paramref name="maxPer"/>.</summary>
    public static int PanelsPerBlock(int count, int parts, int maxPer) =>
        Math.Clamp((count + Math.Max(parts, 1) - 1) / Math.Max(parts, 1), 1, Math.Max(1, maxPer));
}
