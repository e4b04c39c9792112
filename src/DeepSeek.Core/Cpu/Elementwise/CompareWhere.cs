// Comparisons (→ Bool bytes) and where-selection over strided rows. Comparisons use IEEE semantics (NaN is unequal to
// everything, so only Ne is true for it). F32 rows that are unit-stride compare 16 lanes at a time and narrow the lane
// masks to bytes; other rows run the generic scalar loop, which is also the reference.
using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>One comparison, as a static generic so each (dtype, op) pair gets its own loop.</summary>
internal interface ICompare
{
    static abstract bool Test<T>(T a, T b) where T : INumber<T>;
    static abstract Vector512<float> V512(Vector512<float> a, Vector512<float> b);
}

internal readonly struct EqCmp : ICompare
{
    public static bool Test<T>(T a, T b) where T : INumber<T> => a == b;
    public static Vector512<float> V512(Vector512<float> a, Vector512<float> b) => Vector512.Equals(a, b);
}

internal readonly struct NeCmp : ICompare
{
    public static bool Test<T>(T a, T b) where T : INumber<T> => a != b;
    public static Vector512<float> V512(Vector512<float> a, Vector512<float> b) => ~Vector512.Equals(a, b);
}

internal readonly struct LtCmp : ICompare
{
    public static bool Test<T>(T a, T b) where T : INumber<T> => a < b;
    public static Vector512<float> V512(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);
}

internal readonly struct LeCmp : ICompare
{
    public static bool Test<T>(T a, T b) where T : INumber<T> => a <= b;
    public static Vector512<float> V512(Vector512<float> a, Vector512<float> b) => Vector512.LessThanOrEqual(a, b);
}

internal readonly struct GtCmp : ICompare
{
    public static bool Test<T>(T a, T b) where T : INumber<T> => a > b;
    public static Vector512<float> V512(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);
}

internal readonly struct GeCmp : ICompare
{
    public static bool Test<T>(T a, T b) where T : INumber<T> => a >= b;
    public static Vector512<float> V512(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b);
}

/// <summary>Row kernel: operands (dst Bool, a, b).</summary>
internal readonly unsafe struct CompareRow<T, TC>(SimdLevel level) : IRowKernel
    where T : unmanaged, INumber<T> where TC : struct, ICompare
{
    public void Row(byte* d, long sd, byte* a, long sa, byte* b, long sb, long n)
    {
        long i = 0;
        if (typeof(T) == typeof(float) && level >= SimdLevel.Avx512 && sd == 1 && sa == 4 && sb == 4)
        {
            var one = Vector512.Create(1u);
            for (; i <= n - 64; i += 64)
            {
                var m0 = TC.V512(Vector512.Load((float*)a + i), Vector512.Load((float*)b + i)).AsUInt32() & one;
                var m1 = TC.V512(Vector512.Load((float*)a + i + 16), Vector512.Load((float*)b + i + 16)).AsUInt32() & one;
                var m2 = TC.V512(Vector512.Load((float*)a + i + 32), Vector512.Load((float*)b + i + 32)).AsUInt32() & one;
                var m3 = TC.V512(Vector512.Load((float*)a + i + 48), Vector512.Load((float*)b + i + 48)).AsUInt32() & one;
                Vector512.Narrow(Vector512.Narrow(m0, m1), Vector512.Narrow(m2, m3)).Store(d + i);
            }
        }
        for (; i < n; i++)
            d[i * sd] = TC.Test(*(T*)(a + i * sa), *(T*)(b + i * sb)) ? (byte)1 : (byte)0;
    }

    /// <summary>Scalar reference over unit-stride data.</summary>
    public static void Reference(T* a, T* b, byte* d, long n)
    {
        for (long i = 0; i < n; i++) d[i] = TC.Test(a[i], b[i]) ? (byte)1 : (byte)0;
    }
}

/// <summary>Row kernel for the select pass: operands (dst, cond, a); dst[i] = a[i] where cond[i] (dst already holds b).</summary>
internal readonly unsafe struct SelectRow<T> : IRowKernel where T : unmanaged
{
    public void Row(byte* d, long sd, byte* c, long sc, byte* a, long sa, long n)
    {
        for (long i = 0; i < n; i++)
            if (c[i * sc] != 0) *(T*)(d + i * sd) = *(T*)(a + i * sa);
    }
}
