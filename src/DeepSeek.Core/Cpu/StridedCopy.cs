namespace DeepSeek.Backends.Cpu;

/// <summary>Strided copy and fill for any dtype, moving raw element bytes.</summary>
internal static unsafe class StridedCopy
{
    public static void Run(Tensor src, Tensor dst)
    {
        var plan = StridedLoop.For(dst, src);
        int es = dst.DType.SizeOf();
        StridedLoop.Run(plan, CpuBackend.Ptr(dst), CpuBackend.Ptr(src), null, new CopyRow(es));
    }

    public static void Fill(Tensor dst, ulong bits)
    {
        var plan = StridedLoop.For(dst);
        StridedLoop.Run(plan, CpuBackend.Ptr(dst), null, null, new FillRow(dst.DType.SizeOf(), bits));
    }

    private readonly struct CopyRow(int es) : IRowKernel
    {
        public void Row(byte* d, long sd, byte* s, long ss, byte* p2, long s2, long n)
        {
            if (sd == es && ss == es) { Buffer.MemoryCopy(s, d, n * es, n * es); return; }
            switch (es)
            {
                case 1: for (long i = 0; i < n; i++) d[i * sd] = s[i * ss]; break;
                case 2: for (long i = 0; i < n; i++) *(ushort*)(d + i * sd) = *(ushort*)(s + i * ss); break;
                case 4: for (long i = 0; i < n; i++) *(uint*)(d + i * sd) = *(uint*)(s + i * ss); break;
                default: for (long i = 0; i < n; i++) *(ulong*)(d + i * sd) = *(ulong*)(s + i * ss); break;
            }
        }
    }

    private readonly struct FillRow(int es, ulong bits) : IRowKernel
    {
        public void Row(byte* d, long sd, byte* p1, long s1, byte* p2, long s2, long n)
        {
            if (sd == es)
            {
                switch (es)
                {
                    case 1: new Span<byte>(d, (int)n).Fill((byte)bits); return;
                    case 2: new Span<ushort>(d, (int)n).Fill((ushort)bits); return;
                    case 4: new Span<uint>(d, (int)n).Fill((uint)bits); return;
                    default: new Span<ulong>(d, (int)n).Fill(bits); return;
                }
            }
            switch (es)
            {
                case 1: for (long i = 0; i < n; i++) d[i * sd] = (byte)bits; break;
                case 2: for (long i = 0; i < n; i++) *(ushort*)(d + i * sd) = (ushort)bits; break;
                case 4: for (long i = 0; i < n; i++) *(uint*)(d + i * sd) = (uint)bits; break;
                default: for (long i = 0; i < n; i++) *(ulong*)(d + i * sd) = bits; break;
            }
        }
    }
}
