// scatter_add and index_add (the embedding/gather backward). Generic path: walk the non-axis positions in
// parallel (distinct non-axis coordinates never hit the same destination, so no atomics) and the axis inline.
// index_add over contiguous blocks splits the columns across threads and adds rows with TensorPrimitives.Add.
using System.Numerics;
using System.Numerics.Tensors;
using static DeepSeek.Backends.Cpu.Indexing.IndexingSupport;

namespace DeepSeek.Backends.Cpu.Indexing;

internal static unsafe class ScatterKernels
{
    public static void ScatterAdd(Tensor dst, int axis, Tensor index, Tensor src)
    {
        var a = new Args("ScatterAdd", dst, axis, index, src, index.StridesArray, index.ShapeArray);
        Dispatch(dst.DType, ref a, blocks: false);
    }

    /// <summary>IndexAdd; <paramref name="allowBlocks"/> false forces the generic element path (the reference in tests).</summary>
    public static void IndexAdd(Tensor dst, int axis, Tensor index, Tensor src, bool allowBlocks = true)
    {
        var idxStrides = new long[src.Rank];
        idxStrides[axis] = index.StridesArray[0];
        var a = new Args("IndexAdd", dst, axis, index, src, idxStrides, src.ShapeArray);
        bool blocks = allowBlocks
            && TailContiguous(src.ShapeArray, src.StridesArray, axis + 1)
            && TailContiguous(dst.ShapeArray, dst.StridesArray, axis + 1);
        Dispatch(dst.DType, ref a, blocks);
    }

    private readonly struct Args(string op, Tensor dst, int axis, Tensor index, Tensor src, long[] idxStrides, int[] shape)
    {
        public readonly string Op = op;
        public readonly Tensor Dst = dst, Index = index, Src = src;
        public readonly int Axis = axis;
        public readonly long[] IdxStrides = idxStrides;
        public readonly int[] Shape = shape;
    }

    private static void Dispatch(DType dtype, ref Args a, bool blocks)
    {
        switch (dtype)
        {
            case DType.F32: Run<float>(a, blocks); break;
            case DType.F64: Run<double>(a, blocks); break;
            case DType.I8: Run<sbyte>(a, blocks); break;
            case DType.U8: Run<byte>(a, blocks); break;
            case DType.I16: Run<short>(a, blocks); break;
            case DType.I32: Run<int>(a, blocks); break;
            case DType.I64: Run<long>(a, blocks); break;
            default: throw new DTypeMismatchException($"{a.Op}: the CPU kernel adds f32, f64 and integer tensors, got {dtype.Name()} (the op layer computes f16/bf16 in f32).");
        }
    }

    private static void Run<T>(in Args a, bool blocks) where T : unmanaged, INumber<T>
    {
        if (blocks) IndexAddBlocks<T>(a);
        else ScatterStrided<T>(a);
    }

    private static void ScatterStrided<T>(in Args a) where T : unmanaged, INumber<T>
    {
        int[] shape = a.Shape;
        int axis = a.Axis, es = sizeof(T);
        long n = 1;
        foreach (var d in shape) n *= d;
        if (n == 0) return;
        bool i64 = a.Index.DType == DType.I64;
        int ies = i64 ? 8 : 4;
        long[] sd = a.Dst.StridesArray, ss = a.Src.StridesArray, si = a.IdxStrides;
        int[] outerDims = Without(shape, axis);
        long[] od = Bytes(Without(sd, axis), es), oi = Bytes(Without(si, axis), ies), os = Bytes(Without(ss, axis), es);
        long len = shape[axis], da = sd[axis] * es, ia = si[axis] * ies, sa = ss[axis] * es;
        long size = a.Dst.ShapeArray[axis];
        string op = a.Op;
        nint d0 = (nint)CpuBackend.Ptr(a.Dst), i0 = (nint)CpuBackend.Ptr(a.Index), s0 = (nint)CpuBackend.Ptr(a.Src);
        For(n / len, len, (start, end) =>
        {
            var odo = new Odometer(outerDims, start, od, oi, os);
            for (long w = start; w < end; w++)
            {
                byte* d = (byte*)d0 + odo.Off[0], ip = (byte*)i0 + odo.Off[1], s = (byte*)s0 + odo.Off[2];
                for (long j = 0; j < len; j++)
                {
                    long i = ReadChecked(ip + j * ia, i64, size, op, axis);
                    *(T*)(d + i * da) += *(T*)(s + j * sa);
                }
                odo.Next();
            }
        });
    }

    // dst[o, index[k], c] += src[o, k, c] with contiguous inner blocks; threads own disjoint column ranges.
    private static void IndexAddBlocks<T>(in Args a) where T : unmanaged, INumber<T>
    {
        int[] shape = a.Shape;
        int axis = a.Axis, es = sizeof(T);
        long inner = Prod(shape, axis + 1, shape.Length), outer = Prod(shape, 0, axis), k = shape[axis];
        if (inner * outer * k == 0) return;
        bool i64 = a.Index.DType == DType.I64;
        long idxStride = a.IdxStrides[axis] * (i64 ? 8 : 4);
        int[] outerDims = shape[..axis];
        long[] od = Bytes(a.Dst.StridesArray.AsSpan(0, axis), es), os = Bytes(a.Src.StridesArray.AsSpan(0, axis), es);
        long da = a.Dst.StridesArray[axis] * es, sa = a.Src.StridesArray[axis] * es;
        long size = a.Dst.ShapeArray[axis];
        string op = a.Op;
        nint d0 = (nint)CpuBackend.Ptr(a.Dst), i0 = (nint)CpuBackend.Ptr(a.Index), s0 = (nint)CpuBackend.Ptr(a.Src);
        For(inner, outer * k, (c0, c1) =>
        {
            int width = (int)(c1 - c0);
            var odo = new Odometer(outerDims, 0, od, os);
            for (long o = 0; o < outer; o++)
            {
                for (long j = 0; j < k; j++)
                {
                    long i = ReadChecked((byte*)i0 + j * idxStride, i64, size, op, axis);
                    var drow = new Span<T>((byte*)d0 + odo.Off[0] + i * da + c0 * es, width);
                    var srow = new ReadOnlySpan<T>((byte*)s0 + odo.Off[1] + j * sa + c0 * es, width);
                    TensorPrimitives.Add(drow, srow, drow);
                }
                odo.Next();
            }
        });
    }
}
