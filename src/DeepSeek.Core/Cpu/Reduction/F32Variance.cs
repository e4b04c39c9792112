// Two-pass variance of contiguous F32 rows: the mean from F32Reduce.Sum (F64 lanes), then Σ(x − mean)² with the
// deviation formed in F32 and squared/accumulated in F64 SIMD lanes. Two passes avoid the catastrophic cancellation
// of E[x²] − E[x]²; rounding the mean to F32 adds only n·δ² to the sum of squares.
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Reduction;

internal static unsafe class F32Variance
{
    /// <summary>Variance (or std) of each contiguous row of <paramref name="plan"/> into contiguous F32 <paramref name="dst"/>.</summary>
    public static void Run(float* src, ReducePlan plan, int correction, bool std, float* dst)
    {
        long n = plan.RedCount;
        nint sp = (nint)src, dp = (nint)dst;
        CpuParallel.For(plan.OutCount, 2 * n, (s, e) =>
        {
            var od = new Odometer(plan.KeptShape, plan.KeptStrides, null, s);
            for (long o = s; o < e; o++, od.Next())
            {
                float* p = (float*)sp + od.Off0;
                float mean = (float)(F32Reduce.Sum(p, n) / n);
                double v = SumSqDev(p, n, mean) / Math.Max(0, n - correction);
                ((float*)dp)[o] = (float)(std ? Math.Sqrt(v) : v);
            }
        });
    }

    /// <summary>Σ (p[i] − mean)² in F64.</summary>
    internal static double SumSqDev(float* p, long n, float mean)
    {
        long i = 0;
        double total = 0;
        if (SimdInfo.UseAvx512)
        {
            Vector512<double> a0 = default, a1 = default;
            var m = Vector512.Create(mean);
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Load(p + i) - m);
                a0 += lo * lo;
                a1 += hi * hi;
            }
            total = Vector512.Sum(a0 + a1);
        }
        else if (SimdInfo.UseAvx2)
        {
            Vector256<double> a0 = default, a1 = default;
            var m = Vector256.Create(mean);
            for (; i + 8 <= n; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(p + i) - m);
                a0 += lo * lo;
                a1 += hi * hi;
            }
            total = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++)
        {
            double d = p[i] - mean;
            total += d * d;
        }
        return total;
    }

    /// <summary>Scalar reference for <see cref="SumSqDev"/>.</summary>
    internal static double SumSqDevReference(float* p, long n, float mean)
    {
        double total = 0;
        for (long i = 0; i < n; i++)
        {
            double d = (double)p[i] - mean;
            total += d * d;
        }
        return total;
    }
}
