// Cumulative sum along one axis (inclusive or exclusive, forward or reverse, as ONNX CumSum). Each line keeps a
// running F64 (floats) or I64 (integers/Bool) total, so long F32 scans drift no more than one rounding per output.
using System.Numerics;

namespace DeepSeek.Backends.Cpu.Reduction;

internal static unsafe class CumSumKernel
{
    public static void Run(Tensor src, int axis, Tensor dst, bool exclusive, bool reverse)
    {
        var lp = LinePlan.Build(src, dst, axis);
        if (lp.Count * lp.SrcLength == 0) return;
        byte* s = CpuBackend.Ptr(src), d = CpuBackend.Ptr(dst);
        switch (src.DType)
        {
            case DType.F32: Lines((float*)s, lp, d, dst.DType, exclusive, reverse, true); break;
            case DType.F64: Lines((double*)s, lp, d, dst.DType, exclusive, reverse, true); break;
            case DType.I8: Lines((sbyte*)s, lp, d, dst.DType, exclusive, reverse, false); break;
            case DType.U8: case DType.Bool: Lines(s, lp, d, dst.DType, exclusive, reverse, false); break;
            case DType.I16: Lines((short*)s, lp, d, dst.DType, exclusive, reverse, false); break;
            case DType.I32: Lines((int*)s, lp, d, dst.DType, exclusive, reverse, false); break;
            case DType.I64: Lines((long*)s, lp, d, dst.DType, exclusive, reverse, false); break;
            default:
                throw new DTypeMismatchException($"CumSum: the CPU kernel takes f32, f64, integer or bool sources, got {src.DType.Name()} (shape {src.Shape}).");
        }
    }

    private static void Lines<T>(T* src, LinePlan lp, byte* dst, DType dt, bool exclusive, bool reverse, bool floating)
        where T : unmanaged, INumberBase<T>
    {
        nint sp = (nint)src, dp = (nint)dst;
        long n = lp.SrcLength;
        int es = dt.SizeOf();
        CpuParallel.For(lp.Count, n, (s, e) =>
        {
            var od = new Odometer(lp.OuterShape, lp.SrcOuter, lp.DstOuter, s);
            for (long o = s; o < e; o++, od.Next())
            {
                T* p = (T*)sp + od.Off0;
                byte* d = (byte*)dp + od.Off1 * es;
                if (floating && dt == DType.F32) LineF32(p, lp.SrcStride, (float*)d, lp.DstStride, n, exclusive, reverse);
                else if (floating) LineF64(p, lp.SrcStride, d, lp.DstStride * es, dt, n, exclusive, reverse);
                else LineI64(p, lp.SrcStride, d, lp.DstStride * es, dt, n, exclusive, reverse);
            }
        });
    }

    private static void LineF32<T>(T* p, long ps, float* d, long ds, long n, bool exclusive, bool reverse) where T : unmanaged, INumberBase<T>
    {
        double acc = 0;
        for (long k = 0; k < n; k++)
        {
            long i = reverse ? n - 1 - k : k;
            double x = double.CreateTruncating(p[i * ps]);
            if (!exclusive) acc += x;
            d[i * ds] = (float)acc;
            if (exclusive) acc += x;
        }
    }

    private static void LineF64<T>(T* p, long ps, byte* d, long dsBytes, DType dt, long n, bool exclusive, bool reverse) where T : unmanaged, INumberBase<T>
    {
        double acc = 0;
        for (long k = 0; k < n; k++)
        {
            long i = reverse ? n - 1 - k : k;
            double x = double.CreateTruncating(p[i * ps]);
            if (!exclusive) acc += x;
            CpuBackend.WriteDouble(d + i * dsBytes, dt, acc);
            if (exclusive) acc += x;
        }
    }

    private static void LineI64<T>(T* p, long ps, byte* d, long dsBytes, DType dt, long n, bool exclusive, bool reverse) where T : unmanaged, INumberBase<T>
    {
        long acc = 0;
        for (long k = 0; k < n; k++)
        {
            long i = reverse ? n - 1 - k : k;
            long x = long.CreateTruncating(p[i * ps]);
            if (!exclusive) acc += x;
            CpuBackend.WriteLong(d + i * dsBytes, dt, acc);
            if (exclusive) acc += x;
        }
    }
}
