// The five-loop blocked GEMM of Goto & van de Geijn (TOMS 2008) as organised by BLIS: jc (NC columns) →
// pc (KC depth, pack B) → ic (MC rows, pack A) → jr (NR) → ir (MR) → micro-kernel. Ragged edge tiles are
// computed into a scratch tile and merged, so the micro-kernels only ever see full MR×NR tiles.
namespace DeepSeek.Backends.Cpu.Gemm;

/// <summary>Arguments of one SGEMM call (row-major, leading dimensions in elements).</summary>
internal unsafe struct GemmArgs
{
    public bool TransA, TransB;
    public int M, N, K;
    public float Alpha, Beta;
    public float* A, B, C;
    public long Lda, Ldb, Ldc;
    public GemmEpilogue Epilogue;
}

internal static unsafe class SgemmBlocked
{
    /// <summary>Computes the block C[m0..m1, n0..n1] of <paramref name="g"/> on the calling thread.</summary>
    public static void Run(in SgemmConfig cfg, in GemmArgs g, int m0, int m1, int n0, int n1)
    {
        if (m1 <= m0 || n1 <= n0) return;
        int mrT = cfg.MR, nrT = cfg.NR;
        int kcMax = Math.Min(cfg.KC, g.K);
        int ncMax = Math.Min(cfg.NC, RoundUp(n1 - n0, nrT));
        int mcMax = Math.Min(cfg.MC, RoundUp(m1 - m0, mrT));
        var bufs = PackBuffers.Rent((long)mcMax * kcMax, (long)ncMax * kcMax);
        float* tile = stackalloc float[mrT * nrT];
        try
        {
            for (int jc = n0; jc < n1; jc += ncMax)
            {
                int nc = Math.Min(ncMax, n1 - jc);
                for (int pc = 0; pc < g.K; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, g.K - pc);
                    SgemmPack.PackB(g.TransB, g.B, g.Ldb, pc, kc, jc, nc, nrT, bufs.B);
                    float beta = pc == 0 ? g.Beta : 1f;
                    bool last = pc + kc >= g.K;
                    for (int ic = m0; ic < m1; ic += mcMax)
                    {
                        int mc = Math.Min(mcMax, m1 - ic);
                        SgemmPack.PackA(g.TransA, g.A, g.Lda, ic, mc, pc, kc, mrT, bufs.A);
                        Macro(cfg, g, bufs.A, bufs.B, tile, ic, mc, jc, nc, kc, beta, last);
                    }
                }
            }
        }
        finally
        {
            PackBuffers.Return(bufs);
        }
    }

    /// <summary>
    /// The jr/ir loops over one packed A block (rows ic..ic+mc) and one packed B block (columns jc..jc+nc), depth kc:
    /// full tiles go straight to C, ragged ones through <paramref name="tile"/> (MR×NR scratch); the epilogue runs on the last block.
    /// </summary>
    internal static void Macro(in SgemmConfig cfg, in GemmArgs g, float* packedA, float* packedB, float* tile,
        int ic, int mc, int jc, int nc, int kc, float beta, bool last)
    {
        int mrT = cfg.MR, nrT = cfg.NR;
        var kernel = cfg.Kernel;
        for (int jr = 0; jr < nc; jr += nrT)
        {
            int nr = Math.Min(nrT, nc - jr);
            float* pb = packedB + (long)jr * kc;
            for (int ir = 0; ir < mc; ir += mrT)
            {
                int mr = Math.Min(mrT, mc - ir);
                float* pa = packedA + (long)ir * kc;
                float* cp = g.C + (long)(ic + ir) * g.Ldc + jc + jr;
                if (mr == mrT && nr == nrT)
                    kernel(kc, pa, pb, cp, g.Ldc, g.Alpha, beta);
                else
                {
                    kernel(kc, pa, pb, tile, nrT, g.Alpha, 0f);
                    MergeTile(tile, nrT, cp, g.Ldc, mr, nr, beta);
                }
                if (last && !g.Epilogue.IsNone) g.Epilogue.Apply(cp, g.Ldc, ic + ir, jc + jr, mr, nr);
            }
        }
    }

    private static void MergeTile(float* tile, int ldt, float* c, long ldc, int rows, int cols, float beta)
    {
        for (int i = 0; i < rows; i++)
        {
            float* t = tile + i * ldt, d = c + i * ldc;
            if (beta == 0) for (int j = 0; j < cols; j++) d[j] = t[j];
            else for (int j = 0; j < cols; j++) d[j] = MathF.FusedMultiplyAdd(beta, d[j], t[j]);
        }
    }

    internal static int RoundUp(int x, int m) => (x + m - 1) / m * m;
}
