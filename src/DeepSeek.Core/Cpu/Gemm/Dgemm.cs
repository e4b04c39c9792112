// Double-precision GEMM: C = alpha·op(A)·op(B) + beta·C, row-major. Correctness path for F64 (not blocked):
// rows of C are split over threads; each row is an axpy sweep over contiguous rows of B (no transB) or a set of
// contiguous dot products (transB), both vectorised by TensorPrimitives.
using System.Buffers;
using System.Numerics.Tensors;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class Dgemm
{
    /// <summary>Computes C[M×N] = alpha·op(A)·op(B) + beta·C (beta = 0 ignores C), then adds <paramref name="bias"/>[j] to column j when given.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, double alpha,
        double* a, long lda, double* b, long ldb, double beta, double* c, long ldc, double* bias, int threads)
    {
        if (m <= 0 || n <= 0) return;
        long macs = (long)m * n * Math.Max(k, 1);
        int nt = (int)Math.Clamp(macs / Sgemm.MinMacsPerThread, 1, Math.Min(Math.Max(1, threads), m));
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c, pbias = (nint)bias;
        WorkerPool.Shared.Run(nt, t =>
        {
            int s = (int)((long)m * t / nt), e = (int)((long)m * (t + 1) / nt);
            Rows(transA, transB, s, e, n, k, alpha, (double*)pa, lda, (double*)pb, ldb, beta, (double*)pc, ldc, (double*)pbias);
        });
    }

    private static void Rows(bool transA, bool transB, int i0, int i1, int n, int k, double alpha,
        double* a, long lda, double* b, long ldb, double beta, double* c, long ldc, double* bias)
    {
        var accArr = ArrayPool<double>.Shared.Rent(Math.Max(n, 1));
        var rowArr = ArrayPool<double>.Shared.Rent(Math.Max(k, 1));
        try
        {
            var acc = accArr.AsSpan(0, n);
            var arow = rowArr.AsSpan(0, k);
            for (int i = i0; i < i1; i++)
            {
                for (int p = 0; p < k; p++) arow[p] = transA ? a[p * lda + i] : a[i * lda + p];
                if (!transB)
                {
                    acc.Clear();
                    for (int p = 0; p < k; p++)
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<double>(b + p * ldb, n), arow[p], acc, acc);
                }
                else
                {
                    for (int j = 0; j < n; j++) acc[j] = TensorPrimitives.Dot(new ReadOnlySpan<double>(b + j * ldb, k), arow);
                }
                double* crow = c + i * ldc;
                for (int j = 0; j < n; j++)
                {
                    double v = alpha * acc[j];
                    if (beta != 0) v += beta * crow[j];
                    if (bias != null) v += bias[j];
                    crow[j] = v;
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(accArr);
            ArrayPool<double>.Shared.Return(rowArr);
        }
    }
}
