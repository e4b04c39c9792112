// GEMM front for the NN kernels: F32 goes to the shared Sgemm; F64 uses a row-wise axpy formulation
// (C[i,:] += A[i,p]·B[p,:]) vectorised by TensorPrimitives — the textbook i-k-j loop order.
using System.Numerics.Tensors;
using DeepSeek.Backends.Cpu.Gemm;

namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe class NNGemm
{
    /// <summary>C[m×n] = op(A)·B (beta = 0), row-major with leading dimensions in elements; T is float or double.</summary>
    public static void Run<T>(bool transA, int m, int n, int k, T* a, long lda, T* b, long ldb, T* c, long ldc)
        where T : unmanaged
    {
        if (m == 0 || n == 0) return;
        if (typeof(T) == typeof(float))
        {
            Sgemm.Run(transA, false, m, n, k, 1f, (float*)a, lda, (float*)b, ldb, 0f, (float*)c, ldc);
            return;
        }
        if (typeof(T) != typeof(double)) throw new NotSupportedException($"NNGemm: {typeof(T).Name}");
        double* A = (double*)a, B = (double*)b, C = (double*)c;
        for (int i = 0; i < m; i++)
        {
            var row = new Span<double>(C + i * ldc, n);
            row.Clear();
            for (int p = 0; p < k; p++)
            {
                double av = transA ? A[p * lda + i] : A[i * lda + p];
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<double>(B + p * ldb, n), av, row, row);
            }
        }
    }
}

internal static unsafe class NNGemmNT
{
    /// <summary>C[m×n] += A[m×k]·B[n×k]ᵀ (both operands row-major, k contiguous); T is float or double.</summary>
    public static void RunAccumulate<T>(int m, int n, int k, T* a, long lda, T* b, long ldb, T* c, long ldc) where T : unmanaged
    {
        if (m == 0 || n == 0 || k == 0) return;
        if (typeof(T) == typeof(float))
        {
            Sgemm.Run(false, true, m, n, k, 1f, (float*)a, lda, (float*)b, ldb, 1f, (float*)c, ldc);
            return;
        }
        if (typeof(T) != typeof(double)) throw new NotSupportedException($"NNGemmNT: {typeof(T).Name}");
        double* A = (double*)a, B = (double*)b, C = (double*)c;
        for (int i = 0; i < m; i++)
        {
            var ai = new ReadOnlySpan<double>(A + i * lda, k);
            for (int j = 0; j < n; j++) C[i * ldc + j] += TensorPrimitives.Dot(ai, new ReadOnlySpan<double>(B + j * ldb, k));
        }
    }
}
