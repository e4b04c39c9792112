// where(mask, value, src) for any dtype. 4-byte elements with a contiguous byte mask take a SIMD path that
// widens 16 (AVX-512) or 8 (AVX2) mask bytes to 32-bit lanes and blends; a broadcast mask row is a fill or a
// copy; everything else is a scalar select per element (also the reference for the tests).
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static DeepSeek.Backends.Cpu.Indexing.IndexingSupport;

namespace DeepSeek.Backends.Cpu.Indexing;

internal static unsafe class MaskedFillKernel
{
    public static void Run(Tensor src, Tensor mask, double value, Tensor dst, SimdLevel level)
    {
        var plan = StridedLoop.For(dst, src, mask);
        StridedLoop.Run(plan, CpuBackend.Ptr(dst), CpuBackend.Ptr(src), CpuBackend.Ptr(mask),
            new SelectRow(dst.DType.SizeOf(), Pattern(value, dst.DType), level));
    }

    private readonly struct SelectRow(int es, ulong bits, SimdLevel level) : IRowKernel
    {
        public void Row(byte* d, long sd, byte* s, long ss, byte* m, long sm, long n)
        {
            if (sm == 0 && sd == es)
            {
                if (*m != 0) FillRow(d, n, es, bits);
                else CopyRow(d, sd, s, ss, n, es);
                return;
            }
            long i = 0;
            if (es == 4 && sd == 4 && ss == 4 && sm == 1) i = Simd32(d, s, m, n, (uint)bits, level);
            Scalar(d + i * sd, sd, s + i * ss, ss, m + i * sm, sm, n - i, es, bits);
        }
    }

    /// <summary>Vector blend for 4-byte elements; returns how many elements it handled.</summary>
    private static long Simd32(byte* d, byte* s, byte* m, long n, uint bits, SimdLevel level)
    {
        long i = 0;
        if (level >= SimdLevel.Avx512)
        {
            var fill = Vector512.Create(bits);
            for (; i + 16 <= n; i += 16)
            {
                var mv = Avx512F.ConvertToVector512Int32(Vector128.Load(m + i)).AsUInt32();
                var sel = Vector512.Equals(mv, Vector512<uint>.Zero);
                Vector512.ConditionalSelect(sel, Vector512.Load((uint*)(s + i * 4)), fill).Store((uint*)(d + i * 4));
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            var fill = Vector256.Create(bits);
            for (; i + 8 <= n; i += 8)
            {
                var mv = Avx2.ConvertToVector256Int32(m + i).AsUInt32();
                var sel = Vector256.Equals(mv, Vector256<uint>.Zero);
                Vector256.ConditionalSelect(sel, Vector256.Load((uint*)(s + i * 4)), fill).Store((uint*)(d + i * 4));
            }
        }
        return i;
    }

    /// <summary>Scalar reference: one select per element.</summary>
    internal static void Scalar(byte* d, long sd, byte* s, long ss, byte* m, long sm, long n, int es, ulong bits)
    {
        for (long i = 0; i < n; i++)
        {
            byte* dp = d + i * sd;
            if (m[i * sm] != 0)
            {
                switch (es)
                {
                    case 1: *dp = (byte)bits; break;
                    case 2: *(ushort*)dp = (ushort)bits; break;
                    case 4: *(uint*)dp = (uint)bits; break;
                    default: *(ulong*)dp = bits; break;
                }
            }
            else CopyElement(dp, s + i * ss, es);
        }
    }
}
