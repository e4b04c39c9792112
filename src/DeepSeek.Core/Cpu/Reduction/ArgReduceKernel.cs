// Arg-max/arg-min along one axis: a scan per line keeping the first extreme (first NaN wins, as in PyTorch).
// Contiguous F32 lines take two passes: the SIMD max/min of the row, then a scan for its first occurrence.
using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Reduction;

internal static unsafe class ArgReduceKernel
{
    public static void Run(ArgReduceOp op, Tensor src, int axis, Tensor? values, Tensor indices)
    {
        var lines = LinePlan.Build(src, indices, axis);
        byte* s = CpuBackend.Ptr(src);
        byte* v = values is null ? null : CpuBackend.Ptr(values);
        long* ix = CpuBackend.Ptr<long>(indices);
        bool max = op == ArgReduceOp.ArgMax;
        switch (src.DType)
        {
            case DType.F32: Lines((float*)s, lines, (float*)v, ix, max); break;
            case DType.F64: Lines((double*)s, lines, (double*)v, ix, max); break;
            case DType.I8: Lines((sbyte*)s, lines, (sbyte*)v, ix, max); break;
            case DType.U8: case DType.Bool: Lines(s, lines, v, ix, max); break;
            case DType.I16: Lines((short*)s, lines, (short*)v, ix, max); break;
            case DType.I32: Lines((int*)s, lines, (int*)v, ix, max); break;
            case DType.I64: Lines((long*)s, lines, (long*)v, ix, max); break;
            default:
                throw new DTypeMismatchException($"ArgReduce: the CPU kernel takes f32, f64, integer or bool sources, got {src.DType.Name()} (shape {src.Shape}).");
        }
    }

    private static void Lines<T>(T* src, LinePlan lp, T* values, long* indices, bool max) where T : unmanaged, INumber<T>
    {
        nint sp = (nint)src, vp = (nint)values, ip = (nint)indices;
        long n = lp.SrcLength, st = lp.SrcStride;
        CpuParallel.For(lp.Count, n, (s, e) =>
        {
            var od = new Odometer(lp.OuterShape, lp.SrcOuter, null, s);
            for (long o = s; o < e; o++, od.Next())
            {
                T* p = (T*)sp + od.Off0;
                long best = typeof(T) == typeof(float) && st == 1
                    ? ContiguousF32((float*)p, n, max)
                    : Reference(p, n, st, max);
                ((long*)ip)[o] = best;
                if (vp != 0) ((T*)vp)[o] = p[best * st];
            }
        });
    }

    /// <summary>Scalar reference: index of the first extreme of p[0], p[st], …, p[(n−1)·st] (n ≥ 1).</summary>
    internal static long Reference<T>(T* p, long n, long st, bool max) where T : unmanaged, INumber<T>
    {
        T bv = p[0];
        long best = 0;
        if (T.IsNaN(bv)) return 0;
        for (long i = 1; i < n; i++)
        {
            T x = p[i * st];
            if (T.IsNaN(x)) return i;
            if (max ? x > bv : x < bv) { bv = x; best = i; }
        }
        return best;
    }

    private static long ContiguousF32(float* p, long n, bool max)
    {
        float m = F32Reduce.Extreme(p, n, max);
        if (float.IsNaN(m))
        {
            for (long i = 0; i < n; i++) if (float.IsNaN(p[i])) return i;
        }
        return FirstEqual(p, n, m);
    }

    /// <summary>First i with p[i] == m under IEEE equality (so −0 matches +0), SIMD-scanned.</summary>
    internal static long FirstEqual(float* p, long n, float m)
    {
        long i = 0;
        if (SimdInfo.UseAvx512)
        {
            var vm = Vector512.Create(m);
            for (; i + 16 <= n; i += 16)
            {
                ulong bits = Vector512.Equals(Vector512.Load(p + i), vm).ExtractMostSignificantBits();
                if (bits != 0) return i + BitOperations.TrailingZeroCount(bits);
            }
        }
        else if (SimdInfo.UseAvx2)
        {
            var vm = Vector256.Create(m);
            for (; i + 8 <= n; i += 8)
            {
                uint bits = Vector256.Equals(Vector256.Load(p + i), vm).ExtractMostSignificantBits();
                if (bits != 0) return i + BitOperations.TrailingZeroCount(bits);
            }
        }
        for (; i < n; i++) if (p[i] == m) return i;
        return 0;
    }
}
