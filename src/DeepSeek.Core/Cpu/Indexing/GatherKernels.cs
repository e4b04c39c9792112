// index_select / embedding and torch.gather. IndexSelect copies whole contiguous blocks (embedding rows) with
// Buffer.MemoryCopy, one (outer, k) block per work item; everything else goes through a generic strided gather
// that walks the non-axis dims with an odometer and the axis dim in an inner loop. Raw element bytes, any dtype.
using static DeepSeek.Backends.Cpu.Indexing.IndexingSupport;

namespace DeepSeek.Backends.Cpu.Indexing;

internal static unsafe class GatherKernels
{
    /// <summary>Blocks smaller than this many bytes take the element-wise path.</summary>
    private const int MinBlockBytes = 32;

    /// <summary>IndexSelect; <paramref name="allowBlocks"/> false forces the generic element path (the reference in tests).</summary>
    public static void IndexSelect(Tensor src, int axis, Tensor index, Tensor dst, bool allowBlocks = true)
    {
        int es = src.DType.SizeOf();
        bool i64 = index.DType == DType.I64;
        int[] shape = src.ShapeArray;
        long[] ss = src.StridesArray;
        long k = index.ShapeArray[0], size = shape[axis];
        long inner = Prod(shape, axis + 1, shape.Length);
        if (allowBlocks && inner * es >= MinBlockBytes && TailContiguous(shape, ss, axis + 1))
        {
            BlockSelect(CpuBackend.Ptr(src), ss, shape, axis, CpuBackend.Ptr(index), index.StridesArray[0] * index.DType.SizeOf(), i64, k, CpuBackend.Ptr(dst), inner, es);
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
        int[] outerDims = shape[..axis];
        long[] outerStrides = Bytes(ss.AsSpan(0, axis), es);
        long outer = Prod(shape, 0, axis), size = shape[axis];
        long axisStride = ss[axis] * es, block = inner * es;
        nint s0 = (nint)src, i0 = (nint)idx, d0 = (nint)dst;
        For(outer * k, inner, (start, end) =>
        {
            var odo = new Odometer(outerDims, start / k, outerStrides);
            long j = start % k;
            for (long w = start; w < end; w++)
            {
                long i = ReadChecked((byte*)i0 + j * idxStride, i64, size, "IndexSelect", axis);
                Buffer.MemoryCopy((byte*)s0 + odo.Off[0] + i * axisStride, (byte*)d0 + w * block, block, block);
                if (++j == k) { j = 0; odo.Next(); }
            }
        });
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
