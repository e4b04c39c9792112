// F32 reduction of the innermost axis: after coalescing, each output reduces one contiguous row with the SIMD
// row kernels of F32Reduce. Many outputs split across threads by output; a single long row (x.Sum()) splits the
// row into per-thread partials that are combined in F64 (max/min are exact in any order).
namespace DeepSeek.Backends.Cpu.Reduction;

internal static unsafe class F32ReduceInner
{
    /// <summary>True when the reduced dims coalesce to one unit-stride row.</summary>
    public static bool Applies(ReducePlan plan) =>
        plan.RedShape.Length == 1 && plan.RedStrides[0] == 1 && plan.RedCount > 0;

    /// <summary>Sum, Mean, Max or Min of each contiguous row into contiguous F32 <paramref name="dst"/>.</summary>
    public static void Run(ReduceOp op, float* src, ReducePlan plan, float* dst)
    {
        long n = plan.RedCount;
        nint sp = (nint)src, dp = (nint)dst;
        if (plan.OutCount == 1)
        {
            *dst = SplitRow(op, src, n);
            return;
        }
        CpuParallel.For(plan.OutCount, n, (s, e) =>
        {
            var od = new Odometer(plan.KeptShape, plan.KeptStrides, null, s);
            for (long o = s; o < e; o++, od.Next())
                ((float*)dp)[o] = Row(op, (float*)sp + od.Off0, n);
        });
    }

    private static float Row(ReduceOp op, float* p, long n) => op switch
    {
        ReduceOp.Sum => (float)F32Reduce.Sum(p, n),
        ReduceOp.Mean => (float)(F32Reduce.Sum(p, n) / n),
        ReduceOp.Max => F32Reduce.Extreme(p, n, true),
        _ => F32Reduce.Extreme(p, n, false),
    };

    private static float SplitRow(ReduceOp op, float* p, long n)
    {
        int parts = CpuParallel.Chunks(n, 1);
        if (parts <= 1) return Row(op, p, n);
        var partial = new double[parts];
        nint pp = (nint)p;
        CpuParallel.For(parts, n / parts, (s, e) =>
        {
            for (long c = s; c < e; c++)
            {
                long a = n * c / parts, b = n * (c + 1) / parts;
                float* q = (float*)pp + a;
                partial[c] = op is ReduceOp.Sum or ReduceOp.Mean ? F32Reduce.Sum(q, b - a) : F32Reduce.Extreme(q, b - a, op == ReduceOp.Max);
            }
        }, minWorkPerThread: 1);
        if (op is ReduceOp.Sum or ReduceOp.Mean)
        {
            double t = 0;
            foreach (var x in partial) t += x;
            return (float)(op == ReduceOp.Mean ? t / n : t);
        }
        double m = partial[0];
        foreach (var x in partial)
        {
            if (double.IsNaN(x)) return float.NaN;
            if (op == ReduceOp.Max ? x > m : x < m) m = x;
        }
        return (float)m;
    }
}
