using System.Runtime.InteropServices;

namespace DeepSeek.Tests.Linalg;

/// <summary>Native float buffers and a double-precision GEMM oracle for the kernel-level tests.</summary>
internal sealed unsafe class NativeBuf : IDisposable
{
    public float* P { get; private set; }
    public long Length { get; }

    public NativeBuf(long length)
    {
        Length = length;
        P = (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(length, 1) * 4), 64);
    }

    public static NativeBuf Random(long length, int seed)
    {
        var b = new NativeBuf(length);
        var r = new System.Random(seed);
        for (long i = 0; i < length; i++) b.P[i] = (float)(r.NextDouble() * 2 - 1);
        return b;
    }

    public NativeBuf Copy()
    {
        var b = new NativeBuf(Length);
        Buffer.MemoryCopy(P, b.P, Length * 4, Length * 4);
        return b;
    }

    public void Fill(float v) => new Span<float>(P, (int)Length).Fill(v);

    public float[] ToArray() => new Span<float>(P, (int)Length).ToArray();

    public void Dispose()
    {
        if (P != null) NativeMemory.AlignedFree(P);
        P = null;
    }
}

internal static unsafe class GemmOracle
{
    /// <summary>C = alpha·op(A)·op(B) + beta·C computed in double (beta = 0 ignores C), returned as doubles.</summary>
    public static double[] Compute(bool transA, bool transB, int m, int n, int k, double alpha, float* a, long lda,
        float* b, long ldb, double beta, float* c, long ldc)
    {
        var r = new double[(long)m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                    acc += (double)(transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                r[(long)i * n + j] = alpha * acc + (beta == 0 ? 0 : beta * c[i * ldc + j]);
            }
        return r;
    }

    /// <summary>Reads the m×n block of C with leading dimension ldc.</summary>
    public static double[] Read(float* c, int m, int n, long ldc)
    {
        var r = new double[(long)m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) r[(long)i * n + j] = c[i * ldc + j];
        return r;
    }
}
