using DeepSeek.Backends.Cpu.Reduction;

namespace DeepSeek.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void Reduce(ReduceOp op, Tensor src, int[] axes, Tensor dst)
    {
        CheckKeepDim("Reduce", src, axes, dst);
        if (src.DType == DType.F32 && dst.DType == DType.F32 && op is ReduceOp.Sum or ReduceOp.Mean or ReduceOp.Max or ReduceOp.Min
            && TrailingRows(src, axes, out long rows, out long n))
        {
            // the common contiguous case (global pooling, row sums) needs no plan: nothing is allocated per call
            F32ReduceInner.RunRows(op, Ptr<float>(src), rows, n, Ptr<float>(dst));
            return;
        }
        var plan = ReducePlan.Build(src, axes);
        if (plan.OutCount == 0) return;
        if (src.DType == DType.F32 && dst.DType == DType.F32 && op is ReduceOp.Sum or ReduceOp.Mean or ReduceOp.Max or ReduceOp.Min)
        {
            if (F32ReduceInner.Applies(plan)) { F32ReduceInner.Run(op, Ptr<float>(src), plan, Ptr<float>(dst)); return; }
            if (F32ReduceRows.Applies(plan)) { F32ReduceRows.Run(op, Ptr<float>(src), plan, Ptr<float>(dst)); return; }
        }
        GenericReduce.Run(op, src, plan, dst);
    }

    /// <inheritdoc/>
    public void Variance(Tensor src, int[] axes, int correction, bool std, Tensor dst)
    {
        CheckKeepDim("Variance", src, axes, dst);
        var plan = ReducePlan.Build(src, axes);
        if (plan.OutCount == 0) return;
        if (src.DType is not (DType.F32 or DType.F64))
            throw new DTypeMismatchException($"Variance: the CPU kernel takes f32 or f64 sources, got {src.DType.Name()} (shape {src.Shape}).");
        if (src.DType == DType.F32 && dst.DType == DType.F32 && F32ReduceInner.Applies(plan))
            F32Variance.Run(Ptr<float>(src), plan, correction, std, Ptr<float>(dst));
        else
            GenericReduce.Run(null, src, plan, dst, correction, std);
    }

    /// <inheritdoc/>
    public void ArgReduce(ArgReduceOp op, Tensor src, int axis, Tensor? values, Tensor indices)
    {
        if (indices.DType != DType.I64)
            throw new DTypeMismatchException($"ArgReduce: indices must be i64, got {indices.DType.Name()}.");
        if (src.Rank > 0 && src.ShapeArray[axis] == 0)
            throw new ShapeMismatchException($"ArgReduce: axis {axis} of shape {src.Shape} is empty.");
        if (values is not null && values.DType != src.DType)
            throw new DTypeMismatchException($"ArgReduce: values dtype {values.DType.Name()} differs from source dtype {src.DType.Name()}.");
        ArgReduceKernel.Run(op, src, axis, values, indices);
    }

    /// <inheritdoc/>
    public void Softmax(Tensor src, int axis, Tensor dst, bool log)
    {
        if (src.Shape != dst.Shape || src.DType != dst.DType)
            throw new ShapeMismatchException($"Softmax: destination {dst.Shape} {dst.DType.Name()} must match source {src.Shape} {src.DType.Name()}.");
        SoftmaxKernel.Run(src, axis, dst, log);
    }

    /// <inheritdoc/>
    public void CumSum(Tensor src, int axis, Tensor dst, bool exclusive, bool reverse)
    {
        if (src.Shape != dst.Shape)
            throw new ShapeMismatchException($"CumSum: destination shape {dst.Shape} differs from source shape {src.Shape}.");
        CumSumKernel.Run(src, axis, dst, exclusive, reverse);
    }

    /// <inheritdoc/>
    public void TopK(Tensor src, int k, int axis, bool largest, bool sorted, Tensor values, Tensor indices)
    {
        if (indices.DType != DType.I64 || values.DType != src.DType)
            throw new DTypeMismatchException($"TopK: expected values {src.DType.Name()} and indices i64, got {values.DType.Name()} and {indices.DType.Name()}.");
        int n = src.Rank == 0 ? 1 : src.ShapeArray[axis];
        if (k < 0 || k > n)
            throw new ArgumentException($"TopK: k = {k} is out of range for axis {axis} of size {n} (shape {src.Shape}).");
        TopKKernel.Run(src, k, axis, largest, values, indices);
    }

    // True when src is contiguous and axes are exactly its last dims (in order): rows × n elements, both non-empty
    private static bool TrailingRows(Tensor src, int[] axes, out long rows, out long n)
    {
        rows = 1;
        n = 1;
        int r = src.Rank, first = r - axes.Length;
        if (axes.Length == 0 || !src.IsContiguous) return false;
        for (int i = 0; i < axes.Length; i++) if (axes[i] != first + i) return false;
        for (int d = 0; d < r; d++)
        {
            if (d < first) rows *= src.ShapeArray[d];
            else n *= src.ShapeArray[d];
        }
        return rows > 0 && n > 0;
    }

    private static void CheckKeepDim(string op, Tensor src, int[] axes, Tensor dst)
    {
        if (KeepDimMatches(src, axes, dst)) return;
        var expect = (int[])src.ShapeArray.Clone();
        foreach (var a in axes)
        {
            if (a < 0 || a >= src.Rank)
                throw new AxisOutOfRangeException($"{op}: axis {a} is out of range for a source of rank {src.Rank}.");
            expect[a] = 1;
        }
        if (!dst.IsContiguous || dst.Shape != new Shape(expect))
            throw new ShapeMismatchException($"{op}: destination must be contiguous with the keep-dim shape {Shape.Format(expect)} (or it without the reduced dims), got {dst.Shape}.");
    }

    // the valid case of CheckKeepDim, tested without allocating
    // (or dst has the keep-dim shape with the reduced dims dropped: the same contiguous elements, keepdims=0)
    private static bool KeepDimMatches(Tensor src, int[] axes, Tensor dst)
    {
        if (!dst.IsContiguous) return false;
        foreach (var a in axes) if (a < 0 || a >= src.Rank) return false;
        if (dst.Rank == src.Rank)
        {
            for (int d = 0; d < src.Rank; d++)
            {
                bool reduced = Array.IndexOf(axes, d) >= 0;
                if (dst.ShapeArray[d] != (reduced ? 1 : src.ShapeArray[d])) return false;
            }
            return true;
        }
        int k = 0;
        for (int d = 0; d < src.Rank; d++)
        {
            if (Array.IndexOf(axes, d) >= 0) continue;
            if (k >= dst.Rank || dst.ShapeArray[k++] != src.ShapeArray[d]) return false;
        }
        return k == dst.Rank;
    }
}
