// SGEMM for few rows (M ≤ 8, as in Linear layers at small batch): packing B would cost as much as the product,
// so B is streamed from its own layout, four rows of C at a time so each B element is loaded once per 4 rows:
// op(B) row-major → broadcast-A × B-row FMAs; op(B) = Wᵀ → 4×4 dot products over contiguous rows of A and W.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class SgemmSmallM
{
    /// <summary>Largest M this path takes.</summary>
    public const int MaxRows = 8;

    /// <summary>True when <paramref name="g"/> suits this path on this machine.</summary>
    public static bool Applies(in GemmArgs g) =>
        SimdInfo.UseAvx512 && !g.TransA && g.M <= MaxRows && g.N >= 16 && g.K >= 16 &&
        // one row: register blocks win while B is cache-resident; a B streamed from DRAM is read in row order by Sgemv
        (g.M > 1 || (!g.TransB && (long)g.K * g.N <= L2Floats));

    // Floats of B (4 MiB) that count as cache-resident (L2 + share of L3) for the one-row case.
    private const long L2Floats = 1024 * 1024;

    /// <summary>Computes g, splitting columns of C over up to <paramref name="threads"/> threads.</summary>
    public static void Run(in GemmArgs g, int threads)
    {
        int unit = g.TransB ? 4 : g.M == 1 ? 128 : 64;
        int blocks = (g.N + unit - 1) / unit;
        int nt = Math.Max(1, Math.Min(threads, blocks));
        var body = new ColumnRanges { Args = g, Blocks = blocks, Unit = unit, Threads = nt };
        WorkerPool.Shared.Run(nt, ref body);
    }

    // Thread t computes its range of column blocks for every row of C, four rows at a time.
    private struct ColumnRanges : IChunkBody
    {
        public GemmArgs Args;
        public int Blocks, Unit, Threads;

        public readonly void Run(int t)
        {
            var args = Args;
            int s = (int)((long)Blocks * t / Threads) * Unit, e = Math.Min((int)((long)Blocks * (t + 1) / Threads) * Unit, args.N);
            for (int i0 = 0; i0 < args.M; i0 += 4)
            {
                int rows = Math.Min(4, args.M - i0);
                if (args.TransB) DotColumns(args, i0, rows, s, e);
                else if (rows == 1) AxpyOneRow(args, i0, s, e);
                else AxpyColumns(args, i0, rows, s, e);
            }
        }
    }

    // C[i0..i0+rows, j0..j1] for op(B)[p, j] = B[j·ldb + p]: each C element is a dot product of two contiguous rows.
    private static void DotColumns(in GemmArgs g, int i0, int rows, int j0, int j1)
    {
        int k = g.K, kv = k & ~15;
        float* a0 = g.A + i0 * g.Lda;
        float* a1 = rows > 1 ? a0 + g.Lda : a0, a2 = rows > 2 ? a0 + 2 * g.Lda : a0, a3 = rows > 3 ? a0 + 3 * g.Lda : a0;
        float* res = stackalloc float[16];
        float** ar = stackalloc float*[4];
        float** wr = stackalloc float*[4];
        for (int j = j0; j < j1; j += 4)
        {
            int cols = Math.Min(4, j1 - j);
            float* w0 = g.B + j * g.Ldb;
            float* w1 = cols > 1 ? w0 + g.Ldb : w0, w2 = cols > 2 ? w0 + 2 * g.Ldb : w0, w3 = cols > 3 ? w0 + 3 * g.Ldb : w0;
            Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
            Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
            Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
            Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
            for (int p = 0; p < kv; p += 16)
            {
                var b0 = Vector512.Load(w0 + p); var b1 = Vector512.Load(w1 + p);
                var b2 = Vector512.Load(w2 + p); var b3 = Vector512.Load(w3 + p);
                var x = Vector512.Load(a0 + p);
                c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
                c02 = Avx512F.FusedMultiplyAdd(x, b2, c02); c03 = Avx512F.FusedMultiplyAdd(x, b3, c03);
                x = Vector512.Load(a1 + p);
                c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
                c12 = Avx512F.FusedMultiplyAdd(x, b2, c12); c13 = Avx512F.FusedMultiplyAdd(x, b3, c13);
                x = Vector512.Load(a2 + p);
                c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
                c22 = Avx512F.FusedMultiplyAdd(x, b2, c22); c23 = Avx512F.FusedMultiplyAdd(x, b3, c23);
                x = Vector512.Load(a3 + p);
                c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
                c32 = Avx512F.FusedMultiplyAdd(x, b2, c32); c33 = Avx512F.FusedMultiplyAdd(x, b3, c33);
            }
            res[0] = Vector512.Sum(c00); res[1] = Vector512.Sum(c01); res[2] = Vector512.Sum(c02); res[3] = Vector512.Sum(c03);
            res[4] = Vector512.Sum(c10); res[5] = Vector512.Sum(c11); res[6] = Vector512.Sum(c12); res[7] = Vector512.Sum(c13);
            res[8] = Vector512.Sum(c20); res[9] = Vector512.Sum(c21); res[10] = Vector512.Sum(c22); res[11] = Vector512.Sum(c23);
            res[12] = Vector512.Sum(c30); res[13] = Vector512.Sum(c31); res[14] = Vector512.Sum(c32); res[15] = Vector512.Sum(c33);
            ar[0] = a0; ar[1] = a1; ar[2] = a2; ar[3] = a3;
            wr[0] = w0; wr[1] = w1; wr[2] = w2; wr[3] = w3;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    float v = res[r * 4 + c];
                    for (int p = kv; p < k; p++) v = MathF.FusedMultiplyAdd(ar[r][p], wr[c][p], v);
                    Store(g, i0 + r, j + c, v);
                }
        }
    }

    // C[i0..i0+rows, j0..j1] for row-major op(B): 4 rows × 64 columns of accumulators, A values broadcast.
    private static void AxpyColumns(in GemmArgs g, int i0, int rows, int j0, int j1)
    {
        int k = g.K;
        float* a0 = g.A + i0 * g.Lda;
        float* a1 = rows > 1 ? a0 + g.Lda : a0, a2 = rows > 2 ? a0 + 2 * g.Lda : a0, a3 = rows > 3 ? a0 + 3 * g.Lda : a0;
        float* tile = stackalloc float[4 * 64];
        for (int j = j0; j < j1; j += 64)
        {
            int cols = Math.Min(64, j1 - j);
            if (cols == 64) Block64(k, a0, a1, a2, a3, g.B + j, g.Ldb, tile);
            else Block64Ragged(k, a0, a1, a2, a3, g.B + j, g.Ldb, cols, tile);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) Store(g, i0 + r, j + c, tile[r * 64 + c]);
        }
    }

    // One row of C (vector × matrix): 128 columns in 8 accumulators, then 16-wide and scalar tails.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AxpyOneRow(in GemmArgs g, int i, int j0, int j1)
    {
        int k = g.K;
        float* a = g.A + i * g.Lda;
        float* tile = stackalloc float[128];
        for (int j = j0; j < j1; j += 128)
        {
            int cols = Math.Min(128, j1 - j);
            float* b = g.B + j;
            if (cols == 128)
            {
                Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
                for (int p = 0; p < k; p++, b += g.Ldb)
                {
                    var x = Vector512.Create(a[p]);
                    s0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b), s0);
                    s1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b + 16), s1);
                    s2 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b + 32), s2);
                    s3 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b + 48), s3);
                    s4 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b + 64), s4);
                    s5 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b + 80), s5);
                    s6 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b + 96), s6);
                    s7 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b + 112), s7);
                }
                s0.Store(tile); s1.Store(tile + 16); s2.Store(tile + 32); s3.Store(tile + 48);
                s4.Store(tile + 64); s5.Store(tile + 80); s6.Store(tile + 96); s7.Store(tile + 112);
            }
            else
            {
                int cv = cols & ~15;
                for (int c = 0; c < cv; c += 16)
                {
                    Vector512<float> s0 = default;
                    float* bp = b + c;
                    for (int p = 0; p < k; p++, bp += g.Ldb) s0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[p]), Vector512.Load(bp), s0);
                    s0.Store(tile + c);
                }
                for (int c = cv; c < cols; c++)
                {
                    float s0 = 0;
                    float* bp = b + c;
                    for (int p = 0; p < k; p++, bp += g.Ldb) s0 = MathF.FusedMultiplyAdd(a[p], *bp, s0);
                    tile[c] = s0;
                }
            }
            for (int c = 0; c < cols; c++) Store(g, i, j + c, tile[c]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block64(int k, float* a0, float* a1, float* a2, float* a3, float* b, long ldb, float* tile)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        for (int p = 0; p < k; p++, b += ldb)
        {
            var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + 16);
            var b2 = Vector512.Load(b + 32); var b3 = Vector512.Load(b + 48);
            var x = Vector512.Create(a0[p]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            c02 = Avx512F.FusedMultiplyAdd(x, b2, c02); c03 = Avx512F.FusedMultiplyAdd(x, b3, c03);
            x = Vector512.Create(a1[p]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            c12 = Avx512F.FusedMultiplyAdd(x, b2, c12); c13 = Avx512F.FusedMultiplyAdd(x, b3, c13);
            x = Vector512.Create(a2[p]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            c22 = Avx512F.FusedMultiplyAdd(x, b2, c22); c23 = Avx512F.FusedMultiplyAdd(x, b3, c23);
            x = Vector512.Create(a3[p]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            c32 = Avx512F.FusedMultiplyAdd(x, b2, c32); c33 = Avx512F.FusedMultiplyAdd(x, b3, c33);
        }
        c00.Store(tile); c01.Store(tile + 16); c02.Store(tile + 32); c03.Store(tile + 48);
        c10.Store(tile + 64); c11.Store(tile + 80); c12.Store(tile + 96); c13.Store(tile + 112);
        c20.Store(tile + 128); c21.Store(tile + 144); c22.Store(tile + 160); c23.Store(tile + 176);
        c30.Store(tile + 192); c31.Store(tile + 208); c32.Store(tile + 224); c33.Store(tile + 240);
    }

    // Fewer than 64 columns: 16-wide vectors where they fit, scalars for the rest.
    private static void Block64Ragged(int k, float* a0, float* a1, float* a2, float* a3, float* b, long ldb, int cols, float* tile)
    {
        int cv = cols & ~15;
        for (int c = 0; c < cv; c += 16)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* bp = b + c;
            for (int p = 0; p < k; p++, bp += ldb)
            {
                var v = Vector512.Load(bp);
                s0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[p]), v, s0);
                s1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[p]), v, s1);
                s2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a2[p]), v, s2);
                s3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a3[p]), v, s3);
            }
            s0.Store(tile + c); s1.Store(tile + 64 + c); s2.Store(tile + 128 + c); s3.Store(tile + 192 + c);
        }
        for (int c = cv; c < cols; c++)
        {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            float* bp = b + c;
            for (int p = 0; p < k; p++, bp += ldb)
            {
                float v = *bp;
                s0 = MathF.FusedMultiplyAdd(a0[p], v, s0);
                s1 = MathF.FusedMultiplyAdd(a1[p], v, s1);
                s2 = MathF.FusedMultiplyAdd(a2[p], v, s2);
                s3 = MathF.FusedMultiplyAdd(a3[p], v, s3);
            }
            tile[c] = s0; tile[64 + c] = s1; tile[128 + c] = s2; tile[192 + c] = s3;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(in GemmArgs g, int i, int j, float acc)
    {
        float* c = g.C + i * g.Ldc + j;
        float v = g.Alpha * acc;
        if (g.Beta != 0) v = MathF.FusedMultiplyAdd(g.Beta, *c, v);
        if (!g.Epilogue.IsNone) v = g.Epilogue.ApplyScalar(v, i, j);
        *c = v;
    }
}
