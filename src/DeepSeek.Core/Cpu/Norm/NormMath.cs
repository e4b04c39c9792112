// Building blocks of the normalization kernels: two-pass statistics (mean, then Σ(x − mean)²), avoiding E[x²] − E[x]²
// cancellation; F32 lanes sum x − x₀ (shifted data, Chan, Golub & LeVeque 1983) in float within 2048-element blocks,
// each flushed into a double (blocked summation, Higham, "Accuracy and Stability of Numerical Algorithms", §4.2).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Norm;

internal static unsafe class NormMath
{
    private const int Block = 2048;

    /// <summary>Σ x over n contiguous elements, in double.</summary>
    public static double Sum<T>(T* p, long n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && SimdInfo.UseAvx2 && n > 0)
        {
            // shifted data (Chan, Golub & LeVeque 1983): summing x − x₀ keeps float lanes exact-ish when |mean| ≫ std
            float shift = ((float*)p)[0];
            return (double)shift * n + SumSqDevF32((float*)p, n, shift, square: false);
        }
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

    /// <summary>
    /// y = (x − mean)·scale + shift over n contiguous elements. For F32 the mean is split into a float head and tail,
    /// so x − head is exact near the mean (Sterbenz) and data with |mean| ≫ std keeps its precision.
    /// </summary>
    public static void Normalize<T>(T* x, T* y, long n, double mean, double scale, double shift) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long i = 0;
        if (typeof(T) == typeof(float))
        {
            float* xf = (float*)x, yf = (float*)y;
            float mh = (float)mean, ml = (float)(mean - mh), sc = (float)scale, sh = (float)shift;
            if (SimdInfo.UseAvx512 && Vector512.IsHardwareAccelerated)
            {
                Vector512<float> vh = Vector512.Create(mh), vl = Vector512.Create(ml), vs = Vector512.Create(sc), vb = Vector512.Create(sh);
                for (; i + 16 <= n; i += 16) Vector512.FusedMultiplyAdd(Vector512.Load(xf + i) - vh - vl, vs, vb).Store(yf + i);
            }
            if (SimdInfo.UseAvx2)
            {
                Vector256<float> vh = Vector256.Create(mh), vl = Vector256.Create(ml), vs = Vector256.Create(sc), vb = Vector256.Create(sh);
                for (; i + 8 <= n; i += 8) Vector256.FusedMultiplyAdd(Vector256.Load(xf + i) - vh - vl, vs, vb).Store(yf + i);
            }
            for (; i < n; i++) yf[i] = MathF.FusedMultiplyAdd(xf[i] - mh - ml, sc, sh);
            return;
        }
        T m = T.CreateTruncating(mean), s = T.CreateTruncating(scale), b = T.CreateTruncating(shift);
        for (; i < n; i++) y[i] = T.FusedMultiplyAdd(x[i] - m, s, b);
    }

    /// <summary>
    /// y = x·scale + shift over n contiguous floats, with scale and shift each given as a float head and tail
    /// (value = head + tail): fma(x, sh, bh) + fma(x, sl, bl). The first FMA rounds only once, after x·scale and the
    /// shift have cancelled, so data with |mean| ≫ std keeps its precision (within about one ulp of y).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // tier-0 code does not inline the vector ops: 7× slower for the first calls
    public static void ScaleShift(float* x, float* y, long n, float scaleHead, float scaleTail, float shiftHead, float shiftTail)
    {
        long i = 0;
        if (SimdInfo.UseAvx512 && Vector512.IsHardwareAccelerated)
        {
            Vector512<float> sh = Vector512.Create(scaleHead), sl = Vector512.Create(scaleTail), bh = Vector512.Create(shiftHead), bl = Vector512.Create(shiftTail);
            for (; i + 32 <= n; i += 32)
            {
                var x0 = Vector512.Load(x + i);
                var x1 = Vector512.Load(x + i + 16);
                (Vector512.FusedMultiplyAdd(x0, sh, bh) + Vector512.FusedMultiplyAdd(x0, sl, bl)).Store(y + i);
                (Vector512.FusedMultiplyAdd(x1, sh, bh) + Vector512.FusedMultiplyAdd(x1, sl, bl)).Store(y + i + 16);
            }
        }
        if (SimdInfo.UseAvx2)
        {
            Vector256<float> sh = Vector256.Create(scaleHead), sl = Vector256.Create(scaleTail), bh = Vector256.Create(shiftHead), bl = Vector256.Create(shiftTail);
            for (; i + 8 <= n; i += 8)
            {
                var x0 = Vector256.Load(x + i);
                (Vector256.FusedMultiplyAdd(x0, sh, bh) + Vector256.FusedMultiplyAdd(x0, sl, bl)).Store(y + i);
            }
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], scaleHead, shiftHead) + MathF.FusedMultiplyAdd(x[i], scaleTail, shiftTail);
    }

    /// <summary>Scalar reference of <see cref="ScaleShift"/> (same operations, one element at a time).</summary>
    internal static void ScaleShiftReference(float* x, float* y, long n, float scaleHead, float scaleTail, float shiftHead, float shiftTail)
    {
        for (long i = 0; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], scaleHead, shiftHead) + MathF.FusedMultiplyAdd(x[i], scaleTail, shiftTail);
    }

    /// <summary>A double as a float head and the float nearest to the remainder.</summary>
    public static (float Head, float Tail) Split(double v)
    {
        float head = (float)v;
        return (head, (float)(v - head));
    }

    /// <summary>y = ((x − mean)·rstd)·g + b over a row, with per-element g and b (either may be null); mean split as in <see cref="Normalize"/>.</summary>
    public static void NormalizeRow<T>(T* x, T* y, int n, double mean, double rstd, T* g, T* b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (typeof(T) == typeof(float))
        {
            float* xf = (float*)x, yf = (float*)y, gf = (float*)g, bf = (float*)b;
            float mh = (float)mean, ml = (float)(mean - mh), r = (float)rstd;
            if (SimdInfo.UseAvx512 && Vector512.IsHardwareAccelerated)
            {
                Vector512<float> vh = Vector512.Create(mh), vl = Vector512.Create(ml), vr = Vector512.Create(r);
                for (; i + 16 <= n; i += 16)
                {
                    var t = (Vector512.Load(xf + i) - vh - vl) * vr;
                    if (gf != null) t *= Vector512.Load(gf + i);
                    if (bf != null) t += Vector512.Load(bf + i);
                    t.Store(yf + i);
                }
            }
            if (SimdInfo.UseAvx2)
            {
                Vector256<float> vh = Vector256.Create(mh), vl = Vector256.Create(ml), vr = Vector256.Create(r);
                for (; i + 8 <= n; i += 8)
                {
                    var t = (Vector256.Load(xf + i) - vh - vl) * vr;
                    if (gf != null) t *= Vector256.Load(gf + i);
                    if (bf != null) t += Vector256.Load(bf + i);
                    t.Store(yf + i);
                }
            }
            for (; i < n; i++)
            {
                float t = (xf[i] - mh - ml) * r;
                if (gf != null) t *= gf[i];
                if (bf != null) t += bf[i];
                yf[i] = t;
            }
            return;
        }
        T mt = T.CreateTruncating(mean), rt = T.CreateTruncating(rstd);
        for (; i < n; i++)
        {
            T t = (x[i] - mt) * rt;
            if (g != null) t *= g[i];
            if (b != null) t += b[i];
            y[i] = t;
        }
    }
}
