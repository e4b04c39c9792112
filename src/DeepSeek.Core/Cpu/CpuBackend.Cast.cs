using DeepSeek.Backends.Cpu.Elementwise;

namespace DeepSeek.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void Cast(Tensor src, Tensor dst)
    {
        if (src.Shape != dst.Shape) throw new ShapeMismatchException($"Cast: source shape {src.Shape} differs from destination shape {dst.Shape}.");
        if (src.DType == dst.DType) { Copy(src, dst); return; }
        var plan = StridedLoop.For(dst, src);
        StridedLoop.Run(plan, Ptr(dst), Ptr(src), null, new CastRow(src.DType, dst.DType, SimdInfo.Level), 4);
    }

    // Scalar conversion through double (floats) or long (integers); exact for every value a dtype pair can hold
    // except I64 → F64 above 2^53, where the nearest double is taken.
    // Unit-stride rows of F32 ↔ F16/BF16 take the SIMD converters in Elementwise/HalfCasts.cs.
    private readonly struct CastRow(DType from, DType to, SimdLevel level) : IRowKernel
    {
        public void Row(byte* d, long sd, byte* s, long ss, byte* p2, long s2, long n)
        {
            if (ss == from.SizeOf() && sd == to.SizeOf() && level >= SimdLevel.Avx2)
            {
                switch ((from, to))
                {
                    case (DType.F32, DType.F16): HalfCasts.F32ToF16((float*)s, (Half*)d, n); return;
                    case (DType.F16, DType.F32): HalfCasts.F16ToF32((Half*)s, (float*)d, n); return;
                    case (DType.F32, DType.BF16): HalfCasts.F32ToBF16((float*)s, (ushort*)d, n, level); return;
                    case (DType.BF16, DType.F32): HalfCasts.BF16ToF32((ushort*)s, (float*)d, n, level); return;
                }
            }
            bool intPath = !from.IsFloatingPoint() && !to.IsFloatingPoint();
            for (long i = 0; i < n; i++)
            {
                byte* sp = s + i * ss, dp = d + i * sd;
                if (intPath) WriteLong(dp, to, ReadLong(sp, from));
                else if (to == DType.BF16 && from == DType.F32) *(ushort*)dp = BFloat16.RoundToBits(*(float*)sp);
                else if (to == DType.F16 && from == DType.F32) *(Half*)dp = (Half)(*(float*)sp);
                else WriteDouble(dp, to, ReadDouble(sp, from));
            }
        }
    }

    internal static double ReadDouble(byte* p, DType t) => t switch
    {
        DType.F32 => *(float*)p,
        DType.F64 => *(double*)p,
        DType.F16 => (double)*(Half*)p,
        DType.BF16 => BFloat16.FromBits(*(ushort*)p).ToSingle(),
        DType.I8 => *(sbyte*)p,
        DType.U8 => *p,
        DType.I16 => *(short*)p,
        DType.I32 => *(int*)p,
        DType.I64 => *(long*)p,
        DType.Bool => *p != 0 ? 1 : 0,
        _ => throw new NotSupportedException(t.ToString()),
    };

    internal static long ReadLong(byte* p, DType t) => t switch
    {
        DType.I8 => *(sbyte*)p,
        DType.U8 => *p,
        DType.I16 => *(short*)p,
        DType.I32 => *(int*)p,
        DType.I64 => *(long*)p,
        DType.Bool => *p != 0 ? 1 : 0,
        _ => (long)ReadDouble(p, t),
    };

    internal static void WriteDouble(byte* p, DType t, double v)
    {
        switch (t)
        {
            case DType.F32: *(float*)p = (float)v; break;
            case DType.F64: *(double*)p = v; break;
            case DType.F16: *(Half*)p = (Half)v; break;
            case DType.BF16: *(ushort*)p = BFloat16.RoundToBits((float)v); break;
            case DType.Bool: *p = v != 0 ? (byte)1 : (byte)0; break;
            default: WriteLong(p, t, double.IsNaN(v) ? 0 : (long)v); break;
        }
    }

    internal static void WriteLong(byte* p, DType t, long v)
    {
        switch (t)
        {
            case DType.I8: *(sbyte*)p = (sbyte)v; break;
            case DType.U8: *p = (byte)v; break;
            case DType.I16: *(short*)p = (short)v; break;
            case DType.I32: *(int*)p = (int)v; break;
            case DType.I64: *(long*)p = v; break;
            case DType.Bool: *p = v != 0 ? (byte)1 : (byte)0; break;
            default: WriteDouble(p, t, v); break;
        }
    }
}
