// F32 ↔ F16 through TensorPrimitives.ConvertToHalf/ConvertToSingle (F16C/AVX-512 inside; IEEE round-to-nearest-even,
// overflow to ±Inf, subnormals kept). F32 ↔ BF16 with integer SIMD: widening is a 16-bit shift; narrowing adds
// 0x7FFF + lsb before truncating (round to nearest even) and turns NaNs into quiet NaNs, bit-identical to BFloat16.RoundToBits.
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Elementwise;

internal static unsafe class HalfCasts
{
    public static void F32ToF16(float* s, Half* d, long n)
    {
        for (long i0 = 0; i0 < n; i0 += 1 << 20)
        {
            int m = (int)Math.Min(1 << 20, n - i0);
            TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(s + i0, m), new Span<Half>(d + i0, m));
        }
    }

    public static void F16ToF32(Half* s, float* d, long n)
    {
        for (long i0 = 0; i0 < n; i0 += 1 << 20)
        {
            int m = (int)Math.Min(1 << 20, n - i0);
            TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(s + i0, m), new Span<float>(d + i0, m));
        }
    }

    public static void F32ToBF16(float* s, ushort* d, long n, SimdLevel level)
    {
        long i = 0;
        uint* u = (uint*)s;
        if (level >= SimdLevel.Avx512)
        {
            for (; i <= n - 32; i += 32)
            {
                var lo = RoundBf16(Vector512.Load(u + i));
                var hi = RoundBf16(Vector512.Load(u + i + 16));
                Vector512.Narrow(lo, hi).Store(d + i);
            }
        }
        if (level >= SimdLevel.Avx2)
        {
            for (; i <= n - 16; i += 16)
            {
                var lo = RoundBf16(Vector256.Load(u + i));
                var hi = RoundBf16(Vector256.Load(u + i + 8));
                Vector256.Narrow(lo, hi).Store(d + i);
            }
        }
        for (; i < n; i++) d[i] = BFloat16.RoundToBits(s[i]);
    }

    private static Vector512<uint> RoundBf16(Vector512<uint> v)
    {
        var isNan = Vector512.GreaterThan(v & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        var rounded = (v + Vector512.Create(0x7FFFu) + ((v >> 16) & Vector512<uint>.One)) >> 16;
        return Vector512.ConditionalSelect(isNan, (v >> 16) | Vector512.Create(0x40u), rounded);
    }

    private static Vector256<uint> RoundBf16(Vector256<uint> v)
    {
        var isNan = Vector256.GreaterThan(v & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        var rounded = (v + Vector256.Create(0x7FFFu) + ((v >> 16) & Vector256<uint>.One)) >> 16;
        return Vector256.ConditionalSelect(isNan, (v >> 16) | Vector256.Create(0x40u), rounded);
    }

    public static void BF16ToF32(ushort* s, float* d, long n, SimdLevel level)
    {
        long i = 0;
        uint* u = (uint*)d;
        if (level >= SimdLevel.Avx512)
        {
            for (; i <= n - 32; i += 32)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Load(s + i));
                (lo << 16).Store(u + i);
                (hi << 16).Store(u + i + 16);
            }
        }
        if (level >= SimdLevel.Avx2)
        {
            for (; i <= n - 16; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(s + i));
                (lo << 16).Store(u + i);
                (hi << 16).Store(u + i + 8);
            }
        }
        for (; i < n; i++) u[i] = (uint)s[i] << 16;
    }

    /// <summary>Scalar reference for F32 → BF16.</summary>
    public static void F32ToBF16Reference(float* s, ushort* d, long n)
    {
        for (long i = 0; i < n; i++) d[i] = BFloat16.RoundToBits(s[i]);
    }
}
