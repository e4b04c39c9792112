// N-d padding (constant, reflect, replicate, circular; negative amounts crop), as torch.nn.functional.pad.
// Each dimension gets a map output index → source index (−1 = constant). Rows of the last dimension are split
// once into segments (constant runs, consecutive-source runs copied with memcpy, single mapped elements).
using static DeepSeek.Backends.Cpu.Indexing.IndexingSupport;

namespace DeepSeek.Backends.Cpu.Indexing;

internal static unsafe class PadKernel
{
    /// <summary>Source index for output index <paramref name="o"/> of a dim of size <paramref name="n"/> padded by <paramref name="before"/> (−1: constant).</summary>
    internal static int SourceIndex(int o, int n, int before, PadMode mode)
    {
        int i = o - before;
        if (i >= 0 && i < n) return i;
        return mode switch
        {
            PadMode.Constant => -1,
            PadMode.Replicate => i < 0 ? 0 : n - 1,
            PadMode.Reflect => i < 0 ? -i : 2 * (n - 1) - i,
            _ => ((i % n) + n) % n,
        };
    }

    private readonly record struct Segment(int DstStart, int SrcStart, int Length, bool Constant, bool Run);

    public static void Run(Tensor src, int[] before, int[] after, PadMode mode, double value, Tensor dst)
    {
        int es = src.DType.SizeOf();
        int rank = src.Rank;
        if (rank == 0) { Buffer.MemoryCopy(CpuBackend.Ptr(src), CpuBackend.Ptr(dst), es, es); return; }
        if (dst.Numel == 0) return;
        int[] inShape = src.ShapeArray, outShape = dst.ShapeArray;
        var maps = new int[rank][];
        for (int d = 0; d < rank; d++)
        {
            maps[d] = new int[outShape[d]];
            for (int o = 0; o < outShape[d]; o++) maps[d][o] = SourceIndex(o, inShape[d], before[d], mode);
        }
        var segments = Segments(maps[rank - 1]);
        ulong bits = Pattern(value, dst.DType);
        long[] ss = Bytes(src.StridesArray, es);
        long lastStride = ss[rank - 1];
        int rowLen = outShape[rank - 1];
        long rows = dst.Numel / rowLen;
        int[] outerDims = outShape[..(rank - 1)];
        nint s0 = (nint)CpuBackend.Ptr(src), d0 = (nint)CpuBackend.Ptr(dst);
        For(rows, rowLen, (start, end) =>
        {
            var idx = new int[rank - 1];
            long r = start;
            for (int d = rank - 2; d >= 0; d--) { idx[d] = (int)(r % outerDims[d]); r /= outerDims[d]; }
            for (long row = start; row < end; row++)
            {
                byte* d = (byte*)d0 + row * rowLen * es;
                long off = 0;
                bool constant = false;
                for (int k = 0; k < rank - 1; k++)
                {
                    int m = maps[k][idx[k]];
                    if (m < 0) { constant = true; break; }
                    off += m * ss[k];
                }
                if (constant) FillRow(d, rowLen, es, bits);
                else
                {
                    byte* s = (byte*)s0 + off;
                    foreach (var g in segments)
                    {
                        byte* dp = d + (long)g.DstStart * es;
                        if (g.Constant) FillRow(dp, g.Length, es, bits);
                        else if (g.Run) CopyRow(dp, es, s + g.SrcStart * lastStride, lastStride, g.Length, es);
                        else CopyElement(dp, s + g.SrcStart * lastStride, es);
                    }
                }
                for (int k = rank - 2; k >= 0; k--)
                {
                    if (++idx[k] < outerDims[k]) break;
                    idx[k] = 0;
                }
            }
        });
    }

    private static Segment[] Segments(int[] map)
    {
        var list = new List<Segment>();
        int o = 0;
        while (o < map.Length)
        {
            int e = o + 1;
            if (map[o] < 0)
            {
                while (e < map.Length && map[e] < 0) e++;
                list.Add(new Segment(o, 0, e - o, true, false));
            }
            else
            {
                while (e < map.Length && map[e] == map[e - 1] + 1) e++;
                list.Add(new Segment(o, map[o], e - o, false, e - o > 1));
            }
            o = e;
        }
        return list.ToArray();
    }

    /// <summary>Scalar reference: every output element mapped through <see cref="SourceIndex"/> independently (contiguous tensors, as doubles).</summary>
    internal static double[] Reference(double[] src, int[] inShape, int[] before, int[] after, PadMode mode, double value)
    {
        int rank = inShape.Length;
        var outShape = new int[rank];
        for (int d = 0; d < rank; d++) outShape[d] = inShape[d] + before[d] + after[d];
        long n = 1;
        foreach (var s in outShape) n *= s;
        var result = new double[n];
        var inStr = new Shape(inShape).ContiguousStrides();
        for (long p = 0; p < n; p++)
        {
            long r = p, off = 0;
            bool constant = false;
            for (int d = rank - 1; d >= 0; d--)
            {
                int o = (int)(r % outShape[d]);
                r /= outShape[d];
                int m = SourceIndex(o, inShape[d], before[d], mode);
                if (m < 0) constant = true;
                else off += m * inStr[d];
            }
            result[p] = constant ? value : src[off];
        }
        return result;
    }
}
