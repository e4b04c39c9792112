// Building blocks of the normalization kernels. Statistics are two-pass (mean, then the sum of squared deviations
// from it), which avoids the cancellation of E[x²] − E[x]²; F32 lanes accumulate in float within blocks of 2048
// elements and each block is flushed into a double, bounding the error growth (Higham, "Accuracy and Stability", §4.2).
using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Norm;

internal static unsafe class NormMath
{
    private const int Block = 2048;

    /// <summary>Σ x over n contiguous elements, in double.</summary>
    public static double Sum<T>(T* p, long n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && SimdInfo.UseAvx2) return SumSqDevF32((float*)p, n, 0f, square: false);
        return SumReference(p, n);
    }

    /// <summary>Σ (x − mean)² over n contiguous elements, in double.</summary>
    public static double SumSqDev<T>(T* p, long n, double mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && SimdInfo.UseAvx2) return SumSqDevF32((float*)p, n, (float)mean, square: true);
        return SumSqDevReference(p, n, mean);
    }

    /// <summary>Scalar reference of <see cref="Sum"/>.</summary>
    internal static double SumReference<T>(T* p, long n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        for (long i = 0; i < n; i++) s += double.CreateTruncating(p[i]);
        return s;
    }

    /// <summary>Scalar reference of <see cref="SumSqDev"/>.</summary>
    internal static double SumSqDevReference<T>(T* p, long n, double mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        for (long i = 0; i < n; i++)
        {
            double d = double.CreateTruncating(p[i]) - mean;
            s += d * d;
        }
        return s;
    }

    private static double SumSqDevF32(float* p, long n, float mean, bool square)
    {
        double total = 0;
        for (long start = 0; start < n; start += Block)
        {
            int len = (int)Math.Min(Block, n - start);
            float* q = p + start;
            int i = 0;
            float blockSum = 0;
            if (SimdInfo.UseAvx512 && Vector512.IsHardwareAccelerated)
            {
                var m = Vector512.Create(mean);
                Vector512<float> a0 = default, a1 = default;
                for (; i + 32 <= len; i += 32)
                {
                    var d0 = Vector512.Load(q + i) - m;
                    var d1 = Vector512.Load(q + i + 16) - m;
                    a0 = square ? Vector512.FusedMultiplyAdd(d0, d0, a0) : a0 + d0;
                    a1 = square ? Vector512.FusedMultiplyAdd(d1, d1, a1) : a1 + d1;
                }
                blockSum += Vector512.Sum(a0 + a1);
            }
            {
                var m = Vector256.Create(mean);
                Vector256<float> a0 = default;
                for (; i + 8 <= len; i += 8)
                {
                    var d0 = Vector256.Load(q + i) - m;
                    a0 = square ? Vector256.FusedMultiplyAdd(d0, d0, a0) : a0 + d0;
                }
                blockSum += Vector256.Sum(a0);
            }
            for (; i < len; i++)
            {
                float d = q[i] - mean;
                blockSum += square ? d * d : d;
            }
            total += blockSum;
        }
        return total;
    }

    /// <summary>y = x·scale + shift over n contiguous elements.</summary>
    public static void Affine<T>(T* x, T* y, long n, T scale, T shift) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long i = 0;
        if (typeof(T) == typeof(float))
        {
            float* xf = (float*)x, yf = (float*)y;
            float sc = float.CreateTruncating(scale), sh = float.CreateTruncating(shift);
            if (SimdInfo.UseAvx512 && Vector512.IsHardwareAccelerated)
            {
                var vs = Vector512.Create(sc);
                var vb = Vector512.Create(sh);
                for (; i + 16 <= n; i += 16) Vector512.FusedMultiplyAdd(Vector512.Load(xf + i), vs, vb).Store(yf + i);
            }
            if (SimdInfo.UseAvx2)
            {
                var vs = Vector256.Create(sc);
                var vb = Vector256.Create(sh);
                for (; i + 8 <= n; i += 8) Vector256.FusedMultiplyAdd(Vector256.Load(xf + i), vs, vb).Store(yf + i);
            }
            for (; i < n; i++) yf[i] = MathF.FusedMultiplyAdd(xf[i], sc, sh);
            return;
        }
        for (; i < n; i++) y[i] = T.FusedMultiplyAdd(x[i], scale, shift);
    }

    /// <summary>y = ((x − mean)·rstd)·g + b over a row, with per-element g and b (either may be null).</summary>
    public static void NormalizeRow<T>(T* x, T* y, int n, T mean, T rstd, T* g, T* b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (typeof(T) == typeof(float))
        {
            float* xf = (float*)x, yf = (float*)y, gf = (float*)g, bf = (float*)b;
            float m = float.CreateTruncating(mean), r = float.CreateTruncating(rstd);
            if (SimdInfo.UseAvx512 && Vector512.IsHardwareAccelerated)
            {
                var vm = Vector512.Create(m);
                var vr = Vector512.Create(r);
                for (; i + 16 <= n; i += 16)
                {
                    var t = (Vector512.Load(xf + i) - vm) * vr;
                    if (gf != null) t *= Vector512.Load(gf + i);
                    if (bf != null) t += Vector512.Load(bf + i);
                    t.Store(yf + i);
                }
            }
            if (SimdInfo.UseAvx2)
            {
                var vm = Vector256.Create(m);
                var vr = Vector256.Create(r);
                for (; i + 8 <= n; i += 8)
                {
                    var t = (Vector256.Load(xf + i) - vm) * vr;
                    if (gf != null) t *= Vector256.Load(gf + i);
                    if (bf != null) t += Vector256.Load(bf + i);
                    t.Store(yf + i);
                }
            }
        }
        for (; i < n; i++)
        {
            T t = (x[i] - mean) * rstd;
            if (g != null) t *= g[i];
            if (b != null) t += b[i];
            y[i] = t;
        }
    }
}
