// AVX-512 SGEMM micro-kernels (BLIS-style register tiling, Van Zee & van de Geijn, "BLIS", TOMS 2015):
// MR rows × 32 columns of C live in 2·MR zmm accumulators; per k step two B vectors are loaded, each A
// value is broadcast and feeds two FMAs. Generated code (one accumulator per register) to keep the JIT spill-free.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class SgemmKernelAvx512
{
    /// <summary>12×32 tile: C[12×32] = alpha·Σ_p a[p·12+i]·b[p·32+j] + beta·C (beta = 0 does not read C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel12x32(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            var a8 = Vector512.Create(a[8]);
            c80 = Avx512F.FusedMultiplyAdd(a8, b0, c80);
            c81 = Avx512F.FusedMultiplyAdd(a8, b1, c81);
            var a9 = Vector512.Create(a[9]);
            c90 = Avx512F.FusedMultiplyAdd(a9, b0, c90);
            c91 = Avx512F.FusedMultiplyAdd(a9, b1, c91);
            var a10 = Vector512.Create(a[10]);
            c100 = Avx512F.FusedMultiplyAdd(a10, b0, c100);
            c101 = Avx512F.FusedMultiplyAdd(a10, b1, c101);
            var a11 = Vector512.Create(a[11]);
            c110 = Avx512F.FusedMultiplyAdd(a11, b0, c110);
            c111 = Avx512F.FusedMultiplyAdd(a11, b1, c111);
            a += 12;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Vector512.Store(c00 * va, c + 0 * ldc); Vector512.Store(c01 * va, c + 0 * ldc + 16);
            Vector512.Store(c10 * va, c + 1 * ldc); Vector512.Store(c11 * va, c + 1 * ldc + 16);
            Vector512.Store(c20 * va, c + 2 * ldc); Vector512.Store(c21 * va, c + 2 * ldc + 16);
            Vector512.Store(c30 * va, c + 3 * ldc); Vector512.Store(c31 * va, c + 3 * ldc + 16);
            Vector512.Store(c40 * va, c + 4 * ldc); Vector512.Store(c41 * va, c + 4 * ldc + 16);
            Vector512.Store(c50 * va, c + 5 * ldc); Vector512.Store(c51 * va, c + 5 * ldc + 16);
            Vector512.Store(c60 * va, c + 6 * ldc); Vector512.Store(c61 * va, c + 6 * ldc + 16);
            Vector512.Store(c70 * va, c + 7 * ldc); Vector512.Store(c71 * va, c + 7 * ldc + 16);
            Vector512.Store(c80 * va, c + 8 * ldc); Vector512.Store(c81 * va, c + 8 * ldc + 16);
            Vector512.Store(c90 * va, c + 9 * ldc); Vector512.Store(c91 * va, c + 9 * ldc + 16);
            Vector512.Store(c100 * va, c + 10 * ldc); Vector512.Store(c101 * va, c + 10 * ldc + 16);
            Vector512.Store(c110 * va, c + 11 * ldc); Vector512.Store(c111 * va, c + 11 * ldc + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            StoreBeta(c + 0 * ldc, c00, c01, va, vb);
            StoreBeta(c + 1 * ldc, c10, c11, va, vb);
            StoreBeta(c + 2 * ldc, c20, c21, va, vb);
            StoreBeta(c + 3 * ldc, c30, c31, va, vb);
            StoreBeta(c + 4 * ldc, c40, c41, va, vb);
            StoreBeta(c + 5 * ldc, c50, c51, va, vb);
            StoreBeta(c + 6 * ldc, c60, c61, va, vb);
            StoreBeta(c + 7 * ldc, c70, c71, va, vb);
            StoreBeta(c + 8 * ldc, c80, c81, va, vb);
            StoreBeta(c + 9 * ldc, c90, c91, va, vb);
            StoreBeta(c + 10 * ldc, c100, c101, va, vb);
            StoreBeta(c + 11 * ldc, c110, c111, va, vb);
        }
    }

    /// <summary>14×32 tile: C[14×32] = alpha·Σ_p a[p·14+i]·b[p·32+j] + beta·C (beta = 0 does not read C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel14x32(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        Vector512<float> c120 = default, c121 = default;
        Vector512<float> c130 = default, c131 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            var a8 = Vector512.Create(a[8]);
            c80 = Avx512F.FusedMultiplyAdd(a8, b0, c80);
            c81 = Avx512F.FusedMultiplyAdd(a8, b1, c81);
            var a9 = Vector512.Create(a[9]);
            c90 = Avx512F.FusedMultiplyAdd(a9, b0, c90);
            c91 = Avx512F.FusedMultiplyAdd(a9, b1, c91);
            var a10 = Vector512.Create(a[10]);
            c100 = Avx512F.FusedMultiplyAdd(a10, b0, c100);
            c101 = Avx512F.FusedMultiplyAdd(a10, b1, c101);
            var a11 = Vector512.Create(a[11]);
            c110 = Avx512F.FusedMultiplyAdd(a11, b0, c110);
            c111 = Avx512F.FusedMultiplyAdd(a11, b1, c111);
            var a12 = Vector512.Create(a[12]);
            c120 = Avx512F.FusedMultiplyAdd(a12, b0, c120);
            c121 = Avx512F.FusedMultiplyAdd(a12, b1, c121);
            var a13 = Vector512.Create(a[13]);
            c130 = Avx512F.FusedMultiplyAdd(a13, b0, c130);
            c131 = Avx512F.FusedMultiplyAdd(a13, b1, c131);
            a += 14;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Vector512.Store(c00 * va, c + 0 * ldc); Vector512.Store(c01 * va, c + 0 * ldc + 16);
            Vector512.Store(c10 * va, c + 1 * ldc); Vector512.Store(c11 * va, c + 1 * ldc + 16);
            Vector512.Store(c20 * va, c + 2 * ldc); Vector512.Store(c21 * va, c + 2 * ldc + 16);
            Vector512.Store(c30 * va, c + 3 * ldc); Vector512.Store(c31 * va, c + 3 * ldc + 16);
            Vector512.Store(c40 * va, c + 4 * ldc); Vector512.Store(c41 * va, c + 4 * ldc + 16);
            Vector512.Store(c50 * va, c + 5 * ldc); Vector512.Store(c51 * va, c + 5 * ldc + 16);
            Vector512.Store(c60 * va, c + 6 * ldc); Vector512.Store(c61 * va, c + 6 * ldc + 16);
            Vector512.Store(c70 * va, c + 7 * ldc); Vector512.Store(c71 * va, c + 7 * ldc + 16);
            Vector512.Store(c80 * va, c + 8 * ldc); Vector512.Store(c81 * va, c + 8 * ldc + 16);
            Vector512.Store(c90 * va, c + 9 * ldc); Vector512.Store(c91 * va, c + 9 * ldc + 16);
            Vector512.Store(c100 * va, c + 10 * ldc); Vector512.Store(c101 * va, c + 10 * ldc + 16);
            Vector512.Store(c110 * va, c + 11 * ldc); Vector512.Store(c111 * va, c + 11 * ldc + 16);
            Vector512.Store(c120 * va, c + 12 * ldc); Vector512.Store(c121 * va, c + 12 * ldc + 16);
            Vector512.Store(c130 * va, c + 13 * ldc); Vector512.Store(c131 * va, c + 13 * ldc + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            StoreBeta(c + 0 * ldc, c00, c01, va, vb);
            StoreBeta(c + 1 * ldc, c10, c11, va, vb);
            StoreBeta(c + 2 * ldc, c20, c21, va, vb);
            StoreBeta(c + 3 * ldc, c30, c31, va, vb);
            StoreBeta(c + 4 * ldc, c40, c41, va, vb);
            StoreBeta(c + 5 * ldc, c50, c51, va, vb);
            StoreBeta(c + 6 * ldc, c60, c61, va, vb);
            StoreBeta(c + 7 * ldc, c70, c71, va, vb);
            StoreBeta(c + 8 * ldc, c80, c81, va, vb);
            StoreBeta(c + 9 * ldc, c90, c91, va, vb);
            StoreBeta(c + 10 * ldc, c100, c101, va, vb);
            StoreBeta(c + 11 * ldc, c110, c111, va, vb);
            StoreBeta(c + 12 * ldc, c120, c121, va, vb);
            StoreBeta(c + 13 * ldc, c130, c131, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBeta(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> va, Vector512<float> vb)
    {
        Vector512.Store(Avx512F.FusedMultiplyAdd(vb, Vector512.Load(c), x0 * va), c);
        Vector512.Store(Avx512F.FusedMultiplyAdd(vb, Vector512.Load(c + 16), x1 * va), c + 16);
    }
}
