// F32 reductions of one contiguous row. Sums widen each F32 vector to two F64 vectors and keep four F64 SIMD
// accumulators: the error is ≤ n·2⁻⁵³·Σ|x| before the final rounding to F32, so even sums with heavy cancellation
// come out correctly rounded in practice (F32 lanes would give n/lanes·2⁻²⁴·Σ|x|); memory-bound rows run at the
// same speed either way. Max/min use vmaxps/vminps and keep NaN sticky with a compare-select (PyTorch semantics).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu.Reduction;

internal static unsafe class F32Reduce
{
    /// <summary>Σ p[0..n) using the widest allowed SIMD path.</summary>
    public static double Sum(float* p, long n)
    {
        if (SimdInfo.UseAvx512) return Sum512(p, n);
        if (SimdInfo.UseAvx2) return Sum256(p, n);
        return SumReference(p, n);
    }

    /// <summary>Scalar reference: F64 accumulation.</summary>
    internal static double SumReference(float* p, long n)
    {
        double acc = 0;
        for (long i = 0; i < n; i++) acc += p[i];
        return acc;
    }

    private static double Sum512(float* p, long n)
    {
        Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
        long i = 0;
        for (; i + 32 <= n; i += 32)
        {
            var (l0, h0) = Vector512.Widen(Vector512.Load(p + i));
            var (l1, h1) = Vector512.Widen(Vector512.Load(p + i + 16));
            a0 += l0; a1 += h0; a2 += l1; a3 += h1;
        }
        double total = Vector512.Sum((a0 + a1) + (a2 + a3));
        for (; i < n; i++) total += p[i];
        return total;
    }

    private static double Sum256(float* p, long n)
    {
        Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
        long i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var (l0, h0) = Vector256.Widen(Vector256.Load(p + i));
            var (l1, h1) = Vector256.Widen(Vector256.Load(p + i + 8));
            a0 += l0; a1 += h0; a2 += l1; a3 += h1;
        }
        double total = Vector256.Sum((a0 + a1) + (a2 + a3));
        for (; i < n; i++) total += p[i];
        return total;
    }

    /// <summary>Maximum (or minimum) of p[0..n), n ≥ 1; NaN if any element is NaN.</summary>
    public static float Extreme(float* p, long n, bool max)
    {
        if (SimdInfo.UseAvx512 && n >= 64) return Extreme512(p, n, max);
        if (SimdInfo.UseAvx2 && n >= 32) return Extreme256(p, n, max);
        return ExtremeReference(p, n, max);
    }

    /// <summary>Scalar reference for <see cref="Extreme"/>.</summary>
    internal static float ExtremeReference(float* p, long n, bool max)
    {
        float m = p[0];
        for (long i = 0; i < n; i++)
        {
            float x = p[i];
            if (float.IsNaN(x)) return x;
            if (max ? x > m : x < m) m = x;
        }
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Step512(Vector512<float> acc, Vector512<float> v, bool max)
    {
        // vmaxps returns the second operand when either is NaN, so a NaN in v enters; the select keeps a NaN in acc.
        var m = max ? Avx512F.Max(acc, v) : Avx512F.Min(acc, v);
        return Vector512.ConditionalSelect(Vector512.Equals(acc, acc), m, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Step256(Vector256<float> acc, Vector256<float> v, bool max)
    {
        var m = max ? Avx.Max(acc, v) : Avx.Min(acc, v);
        return Vector256.ConditionalSelect(Vector256.Equals(acc, acc), m, acc);
    }

    private static float Extreme512(float* p, long n, bool max)
    {
        var a0 = Vector512.Load(p);
        Vector512<float> a1 = Vector512.Load(p + 16), a2 = Vector512.Load(p + 32), a3 = Vector512.Load(p + 48);
        long i = 64;
        for (; i + 64 <= n; i += 64)
        {
            a0 = Step512(a0, Vector512.Load(p + i), max);
            a1 = Step512(a1, Vector512.Load(p + i + 16), max);
            a2 = Step512(a2, Vector512.Load(p + i + 32), max);
            a3 = Step512(a3, Vector512.Load(p + i + 48), max);
        }
        for (; i + 16 <= n; i += 16) a0 = Step512(a0, Vector512.Load(p + i), max);
        if (i < n) a1 = Step512(a1, Vector512.Load(p + n - 16), max); // overlapping tail: max/min are idempotent
        var r = Step512(Step512(a0, a1, max), Step512(a2, a3, max), max);
        float* tmp = stackalloc float[16];
        r.Store(tmp);
        return ExtremeReference(tmp, 16, max);
    }

    private static float Extreme256(float* p, long n, bool max)
    {
        var a0 = Vector256.Load(p);
        Vector256<float> a1 = Vector256.Load(p + 8), a2 = Vector256.Load(p + 16), a3 = Vector256.Load(p + 24);
        long i = 32;
        for (; i + 32 <= n; i += 32)
        {
            a0 = Step256(a0, Vector256.Load(p + i), max);
            a1 = Step256(a1, Vector256.Load(p + i + 8), max);
            a2 = Step256(a2, Vector256.Load(p + i + 16), max);
            a3 = Step256(a3, Vector256.Load(p + i + 24), max);
        }
        for (; i + 8 <= n; i += 8) a0 = Step256(a0, Vector256.Load(p + i), max);
        if (i < n) a1 = Step256(a1, Vector256.Load(p + n - 8), max);
        var r = Step256(Step256(a0, a1, max), Step256(a2, a3, max), max);
        float* tmp = stackalloc float[8];
        r.Store(tmp);
        return ExtremeReference(tmp, 8, max);
    }
}
