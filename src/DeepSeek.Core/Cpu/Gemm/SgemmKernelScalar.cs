// Portable SGEMM micro-kernel for machines (or tests) without AVX2: the same packed-panel contract as the
// SIMD kernels with a 4×8 tile of scalar accumulators, so the blocked driver and packing are shared.
// The register tile is small enough for the JIT to keep the 32 partial sums in locals/stack slots cheaply.
using System.Runtime.CompilerServices;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class SgemmKernelScalar
{
    /// <summary>Rows of the register tile.</summary>
    public const int MR = 4;

    /// <summary>Columns of the register tile.</summary>
    public const int NR = 8;

    /// <summary>4×8 tile: C = alpha·Σ_p a[p·4+i]·b[p·8+j] + beta·C (beta = 0 does not read C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel4x8(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta)
    {
        float* acc = stackalloc float[MR * NR];
        for (int i = 0; i < MR * NR; i++) acc[i] = 0;
        for (int p = 0; p < kc; p++, a += MR, b += NR)
        {
            for (int i = 0; i < MR; i++)
            {
                float ai = a[i];
                float* row = acc + i * NR;
                for (int j = 0; j < NR; j++) row[j] = MathF.FusedMultiplyAdd(ai, b[j], row[j]);
            }
        }
        for (int i = 0; i < MR; i++)
        {
            float* dst = c + i * ldc;
            float* row = acc + i * NR;
            if (beta == 0) for (int j = 0; j < NR; j++) dst[j] = alpha * row[j];
            else for (int j = 0; j < NR; j++) dst[j] = MathF.FusedMultiplyAdd(beta, dst[j], alpha * row[j]);
        }
    }
}
