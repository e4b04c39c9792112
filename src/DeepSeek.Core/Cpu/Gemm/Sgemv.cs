// Matrix-vector special cases of SGEMM (M = 1 or N = 1): no packing, the work is memory-bound, so each
// output is one contiguous dot product (TensorPrimitives.Dot) or one axpy sweep over contiguous rows
// (TensorPrimitives.MultiplyAdd), whichever walks memory with unit stride for the given transposes.
using System.Buffers;
using System.Runtime.Intrinsics;
using System.Numerics.Tensors;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class Sgemv
{
    /// <summary>Handles g when g.M == 1 or g.N == 1, splitting the outputs over up to <paramref name="threads"/> threads.</summary>
    public static void Run(in GemmArgs g, int threads)
    {
        if (g.N == 1) Column(g, threads);
        else Row(g, threads);
    }

    // C[:, 0] = alpha · op(A) · x + beta · C[:, 0], x = op(B)[:, 0].
    private static void Column(in GemmArgs g, int threads)
    {
        int m = g.M, k = g.K;
        var xa = ArrayPool<float>.Shared.Rent(Math.Max(k, 1));
        for (int p = 0; p < k; p++) xa[p] = g.TransB ? g.B[p] : g.B[p * g.Ldb];
        var args = g;
        try
        {
            if (!g.TransA)
            {
                // each output is a dot product of a contiguous row of A with x
                var body = new Dots { Args = args, Base = args.A, Ld = args.Lda, Vec = xa, K = k, Columns = false };
                For(m, k, threads, ref body);
            }
            else
            {
                // op(A)[i, p] = A[p, i]: sweep rows of A (contiguous over i) with axpy into an accumulator
                var body = new Sweeps { Args = args, Base = args.A, Ld = args.Lda, Vec = xa, K = k, Columns = false };
                For(m, k, threads, ref body);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(xa);
        }
    }

    // C[0, :] = alpha · y · op(B) + beta · C[0, :], y = op(A)[0, :].
    private static void Row(in GemmArgs g, int threads)
    {
        int n = g.N, k = g.K;
        var ya = ArrayPool<float>.Shared.Rent(Math.Max(k, 1));
        for (int p = 0; p < k; p++) ya[p] = g.TransA ? g.A[p * g.Lda] : g.A[p];
        var args = g;
        try
        {
            if (g.TransB)
            {
                // op(B)[p, j] = B[j, p]: each output is a dot product with a contiguous row of B (Linear with batch 1)
                var body = new Dots { Args = args, Base = args.B, Ld = args.Ldb, Vec = ya, K = k, Columns = true };
                For(n, k, threads, ref body);
            }
            else
            {
                var body = new Sweeps { Args = args, Base = args.B, Ld = args.Ldb, Vec = ya, K = k, Columns = true };
                For(n, k, threads, ref body);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(ya);
        }
    }


    /// <summary>acc[0..len) += Σ_p coef[p] · rows[p·ld + 0..len): four rows per sweep so acc is loaded and stored k/4 times.</summary>
    internal static void AxpyRows(float* rows, long ld, float* coef, int k, float* acc, int len)
    {
        int p = 0;
        if (SimdInfo.UseAvx512)
        {
            for (; p + 4 <= k; p += 4)
            {
                float* r0 = rows + p * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld;
                var c0 = Vector512.Create(coef[p]); var c1 = Vector512.Create(coef[p + 1]);
                var c2 = Vector512.Create(coef[p + 2]); var c3 = Vector512.Create(coef[p + 3]);
                int j = 0;
                for (; j + 16 <= len; j += 16)
                {
                    var v = Vector512.Load(acc + j);
                    v = Vector512.FusedMultiplyAdd(c0, Vector512.Load(r0 + j), v);
                    v = Vector512.FusedMultiplyAdd(c1, Vector512.Load(r1 + j), v);
                    v = Vector512.FusedMultiplyAdd(c2, Vector512.Load(r2 + j), v);
                    v = Vector512.FusedMultiplyAdd(c3, Vector512.Load(r3 + j), v);
                    v.Store(acc + j);
                }
                for (; j < len; j++)
                    acc[j] = MathF.FusedMultiplyAdd(coef[p + 3], r3[j], MathF.FusedMultiplyAdd(coef[p + 2], r2[j],
                        MathF.FusedMultiplyAdd(coef[p + 1], r1[j], MathF.FusedMultiplyAdd(coef[p], r0[j], acc[j]))));
            }
        }
        for (; p < k; p++)
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(rows + p * ld, len), coef[p], new ReadOnlySpan<float>(acc, len), new Span<float>(acc, len));
    }

    private static void Store(in GemmArgs g, float* c, float dot, int row, int col)
    {
        float v = g.Alpha * dot;
        if (g.Beta != 0) v = MathF.FusedMultiplyAdd(g.Beta, *c, v);
        if (!g.Epilogue.IsNone) v = g.Epilogue.ApplyScalar(v, row, col);
        *c = v;
    }

    private static void For<T>(int count, int k, int threads, ref T body) where T : struct, IRangeBody
    {
        long work = (long)count * Math.Max(1, k);
        int chunks = (int)Math.Clamp(work / (1 << 16), 1, Math.Min(threads, count));
        CpuParallel.ForChunks(count, chunks, ref body);
    }

    // Outputs [s, e) are dot products of contiguous rows Base + i·Ld with the vector; they are rows of C or (Columns) its columns.
    private struct Dots : IRangeBody
    {
        public GemmArgs Args;
        public float* Base;
        public long Ld;
        public float[] Vec;
        public int K;
        public bool Columns;

        public readonly void Run(long s, long e)
        {
            var v = new ReadOnlySpan<float>(Vec, 0, K);
            for (long i = s; i < e; i++)
            {
                float d = TensorPrimitives.Dot(new ReadOnlySpan<float>(Base + i * Ld, K), v);
                if (Columns) Store(Args, Args.C + i, d, 0, (int)i);
                else Store(Args, Args.C + i * Args.Ldc, d, (int)i, 0);
            }
        }
    }

    // Outputs [s, e) accumulate an axpy sweep over the rows Base + p·Ld (contiguous over the outputs).
    private struct Sweeps : IRangeBody
    {
        public GemmArgs Args;
        public float* Base;
        public long Ld;
        public float[] Vec;
        public int K;
        public bool Columns;

        public readonly void Run(long s, long e)
        {
            int len = (int)(e - s);
            var acc = ArrayPool<float>.Shared.Rent(len);
            Array.Clear(acc, 0, len);
            fixed (float* coef = Vec)
            fixed (float* accp = acc)
                AxpyRows(Base + s, Ld, coef, K, accp, len);
            for (int i = 0; i < len; i++)
            {
                if (Columns) Store(Args, Args.C + s + i, acc[i], 0, (int)(s + i));
                else Store(Args, Args.C + (s + i) * Args.Ldc, acc[i], (int)(s + i), 0);
            }
            ArrayPool<float>.Shared.Return(acc);
        }
    }
}
