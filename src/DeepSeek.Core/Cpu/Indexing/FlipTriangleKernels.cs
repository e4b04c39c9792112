// Flip: a copy through a negative-stride view of the source (the plan coalesces reversed contiguous dims into
// one reversed row, copied with memcpy + Span.Reverse). Tril/Triu: per matrix row, one copied segment and
// zero-filled remainder, rows spread over threads.
using static DeepSeek.Backends.Cpu.Indexing.IndexingSupport;

namespace DeepSeek.Backends.Cpu.Indexing;

internal static unsafe class FlipTriangleKernels
{
    public static void Flip(Tensor src, bool[] flip, Tensor dst)
    {
        int es = src.DType.SizeOf();
        int[] shape = src.ShapeArray;
        var ss = (long[])src.StridesArray.Clone();
        byte* s = CpuBackend.Ptr(src);
        for (int d = 0; d < shape.Length; d++)
        {
            if (!flip[d] || shape[d] <= 1) continue;
            s += (shape[d] - 1) * ss[d] * es;
            ss[d] = -ss[d];
        }
        var plan = StridedLoop.Build(shape, dst.StridesArray, es, ss, es, default, 0);
        StridedLoop.Run(plan, CpuBackend.Ptr(dst), s, null, new ReverseCopyRow(es));
    }

    private readonly struct ReverseCopyRow(int es) : IRowKernel
    {
        public void Row(byte* d, long sd, byte* s, long ss, byte* p2, long s2, long n)
        {
            if (sd == es && ss == -es)
            {
                long bytes = n * es;
                Buffer.MemoryCopy(s - (n - 1) * es, d, bytes, bytes);
                switch (es)
                {
                    case 1: new Span<byte>(d, (int)n).Reverse(); break;
                    case 2: new Span<ushort>(d, (int)n).Reverse(); break;
                    case 4: new Span<uint>(d, (int)n).Reverse(); break;
                    default: new Span<ulong>(d, (int)n).Reverse(); break;
                }
                return;
            }
            CopyRow(d, sd, s, ss, n, es);
        }
    }

    public static void Triangle(Tensor src, int diagonal, bool upper, Tensor dst)
    {
        int es = src.DType.SizeOf();
        int[] shape = src.ShapeArray;
        int rank = shape.Length;
        int rowsPer = shape[rank - 2], cols = shape[rank - 1];
        long total = dst.Numel;
        if (total == 0) return;
        long rows = total / cols;
        long[] ss = Bytes(src.StridesArray, es);
        int[] rowDims = shape[..(rank - 1)];
        long[] rowStrides = ss[..(rank - 1)];
        long cs = ss[rank - 1];
        nint s0 = (nint)CpuBackend.Ptr(src), d0 = (nint)CpuBackend.Ptr(dst);
        For(rows, cols, (start, end) =>
        {
            var odo = new Odometer(rowDims, start, rowStrides);
            for (long r = start; r < end; r++)
            {
                long i = r % rowsPer;
                var (lo, hi) = KeptColumns(i, diagonal, upper, cols);
                byte* d = (byte*)d0 + r * cols * es;
                byte* s = (byte*)s0 + odo.Off[0];
                new Span<byte>(d, (int)(lo * es)).Clear();
                CopyRow(d + lo * es, es, s + lo * cs, cs, hi - lo, es);
                new Span<byte>(d + hi * es, (int)((cols - hi) * es)).Clear();
                odo.Next();
            }
        });
    }

    /// <summary>Kept column range [lo, hi) of row <paramref name="i"/>: tril keeps j ≤ i + diagonal, triu keeps j ≥ i + diagonal.</summary>
    internal static (long Lo, long Hi) KeptColumns(long i, int diagonal, bool upper, long cols) => upper
        ? (Math.Clamp(i + diagonal, 0, cols), cols)
        : (0, Math.Clamp(i + diagonal + 1, 0, cols));
}
