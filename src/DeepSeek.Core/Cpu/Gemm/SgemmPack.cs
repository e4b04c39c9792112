// Packing for the blocked SGEMM (Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication",
// TOMS 2008; BLIS layout): A goes into MR-row micro-panels (for each k, MR consecutive values), B into
// NR-column micro-panels (for each k, NR consecutive values); ragged edges are zero-padded to full panels.
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
                TransposeRows(a + (long)(i0 + ir) * lda + p0, lda, rows, kc, d, mr);
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
                TransposeRows(b + (long)(j0 + jr) * ldb + p0, ldb, cols, kc, d, nr);
            }
        }
    }

    /// <summary>
    /// dst[p·width + r] = src[r·ld + p] for r &lt; rows, p &lt; kc, and 0 for rows ≤ r &lt; width: a transpose done in
    /// chunks of 16 k-steps so the written part of the panel (16·width floats) stays in L1 while each source row is read
    /// sequentially.
    /// </summary>
    private static void TransposeRows(float* src, long ld, int rows, int kc, float* dst, int width)
    {
        const int Chunk = 16;
        for (int p0 = 0; p0 < kc; p0 += Chunk)
        {
            int len = Math.Min(Chunk, kc - p0);
            float* d0 = dst + (long)p0 * width;
            for (int r = 0; r < rows; r++)
            {
                float* s = src + r * ld + p0;
                float* d = d0 + r;
                if (len == Chunk)
                {
                    for (int p = 0; p < Chunk; p += 4)
                    {
                        d[p * width] = s[p];
                        d[(p + 1) * width] = s[p + 1];
                        d[(p + 2) * width] = s[p + 2];
                        d[(p + 3) * width] = s[p + 3];
                    }
                }
                else
                    for (int p = 0; p < len; p++) d[p * width] = s[p];
            }
            for (int r = rows; r < width; r++)
                for (int p = 0; p < len; p++) d0[p * width + r] = 0;
        }
    }
}
