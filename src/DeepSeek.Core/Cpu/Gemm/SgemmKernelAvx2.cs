// AVX2+FMA SGEMM micro-kernel (BLIS-style register tiling, Van Zee & van de Geijn, "BLIS", TOMS 2015):
// 6 rows × 16 columns of C in 12 ymm accumulators (of 16 registers); per k step two B vectors are loaded
// and each A value is broadcast into two FMAs. Used when AVX-512 is unavailable or disabled.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class SgemmKernelAvx2
{
    /// <summary>6×16 tile: C[6×16] = alpha·Σ_p a[p·6+i]·b[p·16+j] + beta·C (beta = 0 does not read C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel6x16(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(a4, b0, c40);
            c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(a5, b0, c50);
            c51 = Fma.MultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0)
        {
            Vector256.Store(c00 * va, c + 0 * ldc); Vector256.Store(c01 * va, c + 0 * ldc + 8);
            Vector256.Store(c10 * va, c + 1 * ldc); Vector256.Store(c11 * va, c + 1 * ldc + 8);
            Vector256.Store(c20 * va, c + 2 * ldc); Vector256.Store(c21 * va, c + 2 * ldc + 8);
            Vector256.Store(c30 * va, c + 3 * ldc); Vector256.Store(c31 * va, c + 3 * ldc + 8);
            Vector256.Store(c40 * va, c + 4 * ldc); Vector256.Store(c41 * va, c + 4 * ldc + 8);
            Vector256.Store(c50 * va, c + 5 * ldc); Vector256.Store(c51 * va, c + 5 * ldc + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            StoreBeta(c + 0 * ldc, c00, c01, va, vb);
            StoreBeta(c + 1 * ldc, c10, c11, va, vb);
            StoreBeta(c + 2 * ldc, c20, c21, va, vb);
            StoreBeta(c + 3 * ldc, c30, c31, va, vb);
            StoreBeta(c + 4 * ldc, c40, c41, va, vb);
            StoreBeta(c + 5 * ldc, c50, c51, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBeta(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> va, Vector256<float> vb)
    {
        Vector256.Store(Fma.MultiplyAdd(vb, Vector256.Load(c), x0 * va), c);
        Vector256.Store(Fma.MultiplyAdd(vb, Vector256.Load(c + 8), x1 * va), c + 8);
    }
}
