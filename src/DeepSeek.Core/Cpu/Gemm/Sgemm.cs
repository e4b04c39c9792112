namespace DeepSeek.Backends.Cpu.Gemm;

/// <summary>
/// Single-precision GEMM entry point used by every CPU kernel that needs one (matmul, linear, conv via im2col):
/// C = alpha · op(A) · op(B) + beta · C, row-major, with leading dimensions in elements.
/// </summary>
internal static unsafe class Sgemm
{
    /// <summary>Computes C[M×N] = alpha·op(A)[M×K]·op(B)[K×N] + beta·C. beta = 0 ignores C's old contents (NaNs included).</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, long lda, float* b, long ldb, float beta, float* c, long ldc)
    {
        Reference(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>Scalar reference, the oracle for the fast kernels.</summary>
    public static void Reference(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, long lda, float* b, long ldb, float beta, float* c, long ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    acc += (double)av * bv;
                }
                float prev = beta == 0 ? 0 : beta * c[i * ldc + j];
                c[i * ldc + j] = (float)(alpha * acc) + prev;
            }
    }
}
