// Packing for the blocked SGEMM (Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication",
// TOMS 2008; BLIS layout): A goes into MR-row micro-panels (for each k, MR consecutive values), B into
// NR-column micro-panels (for each k, NR consecutive values); ragged edges are zero-padded to full panels.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class SgemmPack
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] into MR-row panels: panel r holds dst[r·MR·kc + p·MR + i].
    /// op(A)[i, p] is a[i·lda + p], or a[p·lda + i] when <paramref name="transA"/>.
    /// </summary>
    public static void PackA(bool transA, float* a, long lda, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* d = dst + (long)ir * kc;
            if (transA)
            {
                float* src = a + (long)p0 * lda + i0 + ir;
                for (int p = 0; p < kc; p++, src += lda, d += mr)
                {
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0;
                }
            }
            else
            {
                for (int r = 0; r < rows; r++)
                    ScatterRow(a + (long)(i0 + ir + r) * lda + p0, kc, d + r, mr);
                for (int r = rows; r < mr; r++)
                    for (int p = 0; p < kc; p++) d[(long)p * mr + r] = 0;
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] into NR-column panels: panel c holds dst[c·NR·kc + p·NR + j].
    /// op(B)[p, j] is b[p·ldb + j], or b[j·ldb + p] when <paramref name="transB"/>.
    /// </summary>
    public static void PackB(bool transB, float* b, long ldb, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* d = dst + (long)jr * kc;
            if (!transB)
            {
                float* src = b + (long)p0 * ldb + j0 + jr;
                if (cols == nr && nr == 32 && Vector512.IsHardwareAccelerated)
                {
                    for (int p = 0; p < kc; p++, src += ldb, d += 32)
                    {
                        Vector512.Store(Vector512.Load(src), d);
                        Vector512.Store(Vector512.Load(src + 16), d + 16);
                    }
                }
                else if (cols == nr && nr == 16 && Vector256.IsHardwareAccelerated)
                {
                    for (int p = 0; p < kc; p++, src += ldb, d += 16)
                    {
                        Vector256.Store(Vector256.Load(src), d);
                        Vector256.Store(Vector256.Load(src + 8), d + 8);
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += ldb, d += nr)
                    {
                        int c = 0;
                        for (; c < cols; c++) d[c] = src[c];
                        for (; c < nr; c++) d[c] = 0;
                    }
                }
            }
            else
            {
                for (int c = 0; c < cols; c++)
                    ScatterRow(b + (long)(j0 + jr + c) * ldb + p0, kc, d + c, nr);
                for (int c = cols; c < nr; c++)
                    for (int p = 0; p < kc; p++) d[(long)p * nr + c] = 0;
            }
        }
    }

    /// <summary>dst[p·stride] = src[p] for p in [0, n): one source row into one lane of a panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScatterRow(float* src, int n, float* dst, int stride)
    {
        int p = 0;
        for (; p + 4 <= n; p += 4)
        {
            dst[(long)p * stride] = src[p];
            dst[(long)(p + 1) * stride] = src[p + 1];
            dst[(long)(p + 2) * stride] = src[p + 2];
            dst[(long)(p + 3) * stride] = src[p + 3];
        }
        for (; p < n; p++) dst[(long)p * stride] = src[p];
    }
}
