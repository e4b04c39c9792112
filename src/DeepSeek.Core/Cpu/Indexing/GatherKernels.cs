// index_select / embedding and torch.gather. IndexSelect copies whole contiguous blocks (embedding rows) with
// Buffer.MemoryCopy, one (outer, k) block per work item; everything else goes through a generic strided gather
// that walks the non-axis dims with an odometer and the axis dim in an inner loop. Raw element bytes, any dtype.
using static DeepSeek.Backends.Cpu.Indexing.IndexingSupport;

namespace DeepSeek.Backends.Cpu.Indexing;

internal static unsafe class GatherKernels
{
    /// <summary>Blocks smaller than this many bytes take the element-wise path.</summary>
    private const int MinBlockBytes = 32;

    /// <summary>
    /// IndexSelect; an index of rank ≠ 1 selects by its elements in row-major order (dst's axis dim replaced by the
    /// index's shape). <paramref name="allowBlocks"/> false forces the generic element path (the reference in tests).
    /// </summary>
    public static void IndexSelect(Tensor src, int axis, Tensor index, Tensor dst, bool allowBlocks = true)
    {
        int es = src.DType.SizeOf();
        bool i64 = index.DType == DType.I64;
        int[] shape = src.ShapeArray;
        long[] ss = src.StridesArray;
        long size = shape[axis];
        long inner = Prod(shape, axis + 1, shape.Length);
        bool flatIndex = index.Rank == 1 || index.IsContiguous;
        if (allowBlocks && flatIndex && dst.IsContiguous && inner * es >= MinBlockBytes && TailContiguous(shape, ss, axis + 1))
        {
            long k = index.Rank == 1 ? index.ShapeArray[0] : index.Numel;
            long idxStride = index.Rank == 1 ? index.StridesArray[0] * index.DType.SizeOf() : index.DType.SizeOf();
            BlockSelect(CpuBackend.Ptr(src), ss, shape, axis, CpuBackend.Ptr(index), idxStride, i64, k, CpuBackend.Ptr(dst), inner, es);
            return;
        }
        if (index.Rank != 1)
        {
            // the generic path walks dst's shape with a 1-d index: flatten both (views, or a copy of a strided index)
            var flat = (int[])dst.ShapeArray[..axis].Concat([checked((int)index.Numel)]).Concat(dst.ShapeArray[(axis + index.Rank)..]).ToArray();
            using var i1 = index.Reshape(checked((int)index.Numel));
            using var d1 = dst.Reshape(flat);
            IndexSelect(src, axis, i1, d1, allowBlocks);
            return;
        }
        // Generic: a gather whose index is the 1-d index broadcast along every other dimension.
        var idxStrides = new long[shape.Length];
        idxStrides[axis] = index.StridesArray[0];
        GatherStrided("IndexSelect", CpuBackend.Ptr(src), ss, size, CpuBackend.Ptr(index), idxStrides, i64,
            CpuBackend.Ptr(dst), dst.StridesArray, dst.ShapeArray, axis, es);
    }

    /// <summary>Block copy: dst[o, j, :] = src[o, index[j], :] with a contiguous inner block of <paramref name="inner"/> elements.</summary>
    private static void BlockSelect(byte* src, long[] ss, int[] shape, int axis, byte* idx, long idxStride, bool i64, long k, byte* dst, long inner, int es)
    {
        var body = new Blocks
        {
            Src = src, Idx = idx, Dst = dst, Shape = shape, Strides = ss, Axis = axis, Es = es, I64 = i64, K = k,
            IdxStride = idxStride, Size = shape[axis], AxisStride = ss[axis] * es, Block = inner * es,
        };
        For(Prod(shape, 0, axis) * k, inner, ref body);
    }

    // Work items w = o·K + j over the outer positions o (dims before the axis) and the index entries j.
    private struct Blocks : IRangeBody
    {
        public byte* Src, Idx, Dst;
        public int[] Shape;
        public long[] Strides;
        public int Axis, Es;
        public bool I64;
        public long K, IdxStride, Size, AxisStride, Block;

        public readonly void Run(long start, long end)
        {
            // odometer over the outer dims, in place (byte offset of outer position o)
            Span<long> pos = Axis <= 16 ? stackalloc long[Axis] : new long[Axis];
            long o = start / K, off = 0;
            for (int d = Axis - 1; d >= 0; d--)
            {
                pos[d] = o % Shape[d];
                o /= Shape[d];
                off += pos[d] * Strides[d] * Es;
            }
            long j = start % K;
            for (long w = start; w < end; w++)
            {
                long i = ReadChecked(Idx + j * IdxStride, I64, Size, "IndexSelect", Axis);
                Buffer.MemoryCopy(Src + off + i * AxisStride, Dst + w * Block, Block, Block);
                if (++j < K) continue;
                j = 0;
                for (int d = Axis - 1; d >= 0; d--)
                {
                    off += Strides[d] * Es;
                    if (++pos[d] < Shape[d]) break;
                    off -= Strides[d] * Es * Shape[d];
                    pos[d] = 0;
                }
            }
        }
    }

    public static void Gather(Tensor src, int axis, Tensor index, Tensor dst) =>
        GatherStrided("Gather", CpuBackend.Ptr(src), src.StridesArray, src.ShapeArray[axis], CpuBackend.Ptr(index), index.StridesArray,
            index.DType == DType.I64, CpuBackend.Ptr(dst), dst.StridesArray, dst.ShapeArray, axis, src.DType.SizeOf());

    /// <summary>
    /// Generic gather over iteration <paramref name="shape"/> (element strides per operand): dst[p] = src[p with p[axis] = index[p]].
    /// Parallel over the non-axis positions; the axis dimension is the inner loop.
    /// </summary>
    internal static void GatherStrided(string op, byte* src, long[] ss, long srcAxisSize, byte* idx, long[] si, bool i64,
        byte* dst, long[] sd, int[] shape, int axis, int es)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        if (n == 0) return;
        int ies = i64 ? 8 : 4;
        int[] outerDims = Without(shape, axis);
        long[] os = Bytes(Without(ss, axis), es), oi = Bytes(Without(si, axis), ies), od = Bytes(Without(sd, axis), es);
        long len = shape[axis], sa = ss[axis] * es, ia = si[axis] * ies, da = sd[axis] * es;
        nint s0 = (nint)src, i0 = (nint)idx, d0 = (nint)dst;
        For(n / len, len, (start, end) =>
        {
            var odo = new Odometer(outerDims, start, os, oi, od);
            for (long w = start; w < end; w++)
            {
                byte* s = (byte*)s0 + odo.Off[0], ip = (byte*)i0 + odo.Off[1], d = (byte*)d0 + odo.Off[2];
                for (long j = 0; j < len; j++)
                {
                    long i = ReadChecked(ip + j * ia, i64, srcAxisSize, op, axis);
                    CopyElement(d + j * da, s + i * sa, es);
                }
                odo.Next();
            }
        });
    }
}
