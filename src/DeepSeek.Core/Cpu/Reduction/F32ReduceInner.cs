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

    /// <summary>
    /// The same reduction for a contiguous source of <paramref name="outCount"/> rows of <paramref name="n"/> elements
    /// (the plan such a source coalesces to), without building a plan: allocates nothing.
    /// </summary>
    public static void RunRows(ReduceOp op, float* src, long outCount, long n, float* dst)
    {
        if (outCount == 1)
        {
            *dst = SplitRow(op, src, n);
            return;
        }
        var body = new Rows { Op = op, Src = src, Dst = dst, N = n };
        CpuParallel.For(outCount, n, ref body);
    }

    private struct Rows : IRangeBody
    {
        public ReduceOp Op;
        public float* Src, Dst;
        public long N;

        public readonly void Run(long start, long end)
        {
            for (long o = start; o < end; o++) Dst[o] = Row(Op, Src + o * N, N);
        }
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
        double* partial = stackalloc double[parts]; // parts ≤ DeepSeekOptions.Threads
        var body = new Partials { Op = op, P = p, N = n, Parts = parts, Partial = partial };
        CpuParallel.For(parts, n / parts, ref body, minWorkPerThread: 1);
        if (op is ReduceOp.Sum or ReduceOp.Mean)
        {
            double t = 0;
            for (int i = 0; i < parts; i++) t += partial[i];
            return (float)(op == ReduceOp.Mean ? t / n : t);
        }
        double m = partial[0];
        for (int i = 0; i < parts; i++)
        {
            double x = partial[i];
            if (double.IsNaN(x)) return float.NaN;
            if (op == ReduceOp.Max ? x > m : x < m) m = x;
        }
        return (float)m;
    }

    // Items are the row's parts: each writes its partial sum or extreme.
    private struct Partials : IRangeBody
    {
        public ReduceOp Op;
        public float* P;
        public double* Partial;
        public long N;
        public int Parts;

        public readonly void Run(long start, long end)
        {
            for (long c = start; c < end; c++)
            {
                long a = N * c / Parts, b = N * (c + 1) / Parts;
                float* q = P + a;
                Partial[c] = Op is ReduceOp.Sum or ReduceOp.Mean ? F32Reduce.Sum(q, b - a) : F32Reduce.Extreme(q, b - a, Op == ReduceOp.Max);
            }
        }
    }
}
