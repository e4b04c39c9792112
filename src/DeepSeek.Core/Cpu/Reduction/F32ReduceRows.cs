// F32 reduction over outer axes ("accumulate rows"): the kept innermost dim is contiguous, so each reduced index
// contributes a contiguous row that is added (widened to F64) or max/min-ed into a column-chunk accumulator that
// stays in L1. Work is split over (outer kept index × column chunk) so both tall and wide shapes parallelize.
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Reduction;

internal static unsafe class F32ReduceRows
{
    private const int Chunk = 512;

    /// <summary>True when <paramref name="plan"/> has a contiguous innermost kept dim wide enough to vectorize across.</summary>
    public static bool Applies(ReducePlan plan) =>
        plan.KeptStrides[^1] == 1 && plan.KeptShape[^1] >= 8 && plan.RedCount > 0;

    /// <summary>Sum, Mean, Max or Min of an F32 source into contiguous F32 <paramref name="dst"/>.</summary>
    public static void Run(ReduceOp op, float* src, ReducePlan plan, float* dst)
    {
        int c = plan.KeptShape[^1];
        long q = plan.OutCount / c;
        var qShape = plan.KeptShape.Length > 1 ? plan.KeptShape[..^1] : [1];
        var qStrides = plan.KeptStrides.Length > 1 ? plan.KeptStrides[..^1] : [0L];
        long chunks = (c + Chunk - 1) / Chunk;
        nint sp = (nint)src, dp = (nint)dst;
        CpuParallel.For(q * chunks, Math.Min(c, Chunk) * plan.RedCount, (s, e) =>
        {
            double* acc = stackalloc double[Chunk];
            float* facc = stackalloc float[Chunk];
            for (long w = s; w < e; w++)
            {
                long qi = w / chunks;
                int c0 = (int)(w % chunks) * Chunk;
                int len = Math.Min(Chunk, c - c0);
                var od = new Odometer(qShape, qStrides, null, qi);
                float* basePtr = (float*)sp + od.Off0 + c0;
                float* outPtr = (float*)dp + qi * c + c0;
                if (op is ReduceOp.Sum or ReduceOp.Mean)
                {
                    new Span<double>(acc, len).Clear();
                    var rows = new Odometer(plan.RedShape, plan.RedStrides, null, 0);
                    for (long k = 0; k < plan.RedCount; k++, rows.Next()) AddWiden(acc, basePtr + rows.Off0, len);
                    double scale = op == ReduceOp.Mean ? 1.0 / plan.RedCount : 1.0;
                    for (int j = 0; j < len; j++) outPtr[j] = (float)(acc[j] * scale);
                }
                else
                {
                    bool max = op == ReduceOp.Max;
                    Buffer.MemoryCopy(basePtr, facc, len * 4L, len * 4L);
                    var rows = new Odometer(plan.RedShape, plan.RedStrides, null, 1);
                    for (long k = 1; k < plan.RedCount; k++, rows.Next()) Extreme(facc, basePtr + rows.Off0, len, max);
                    Buffer.MemoryCopy(facc, outPtr, len * 4L, len * 4L);
                }
            }
        });
    }

    /// <summary>acc[j] += row[j] in F64.</summary>
    internal static void AddWiden(double* acc, float* row, int len)
    {
        int j = 0;
        if (SimdInfo.UseAvx512)
        {
            for (; j + 16 <= len; j += 16)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Load(row + j));
                (Vector512.Load(acc + j) + lo).Store(acc + j);
                (Vector512.Load(acc + j + 8) + hi).Store(acc + j + 8);
            }
        }
        else if (SimdInfo.UseAvx2)
        {
            for (; j + 8 <= len; j += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(row + j));
                (Vector256.Load(acc + j) + lo).Store(acc + j);
                (Vector256.Load(acc + j + 4) + hi).Store(acc + j + 4);
            }
        }
        for (; j < len; j++) acc[j] += row[j];
    }

    /// <summary>acc[j] = max/min(acc[j], row[j]) with NaN sticky.</summary>
    internal static void Extreme(float* acc, float* row, int len, bool max)
    {
        int j = 0;
        if (SimdInfo.UseAvx512)
            for (; j + 16 <= len; j += 16)
                F32Reduce.Step512(Vector512.Load(acc + j), Vector512.Load(row + j), max).Store(acc + j);
        else if (SimdInfo.UseAvx2)
            for (; j + 8 <= len; j += 8)
                F32Reduce.Step256(Vector256.Load(acc + j), Vector256.Load(row + j), max).Store(acc + j);
        for (; j < len; j++)
        {
            float a = acc[j], x = row[j];
            if (float.IsNaN(a)) continue;
            if (float.IsNaN(x) || (max ? x > a : x < a)) acc[j] = x;
        }
    }
}
