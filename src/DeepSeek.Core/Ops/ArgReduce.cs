using DeepSeek.Backends;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>Flat (row-major) index of the largest element as a 0-d I64 tensor; first occurrence on ties, the first NaN if any. Not differentiable (integer output).</summary>
    public Tensor ArgMax() => ArgAll("ArgMax", ArgReduceOp.ArgMax);

    /// <summary>Index of the largest element along <paramref name="dim"/> (I64); first occurrence on ties, the first NaN if any. Not differentiable (integer output).</summary>
    public Tensor ArgMax(int dim, bool keepDim = false) => ArgCore("ArgMax", ArgReduceOp.ArgMax, dim, keepDim, false).Indices;

    /// <summary>Flat (row-major) index of the smallest element as a 0-d I64 tensor; first occurrence on ties, the first NaN if any. Not differentiable (integer output).</summary>
    public Tensor ArgMin() => ArgAll("ArgMin", ArgReduceOp.ArgMin);

    /// <summary>Index of the smallest element along <paramref name="dim"/> (I64); first occurrence on ties, the first NaN if any. Not differentiable (integer output).</summary>
    public Tensor ArgMin(int dim, bool keepDim = false) => ArgCore("ArgMin", ArgReduceOp.ArgMin, dim, keepDim, false).Indices;

    /// <summary>Largest values along <paramref name="dim"/> and their I64 indices (like torch.max(x, dim)). The values are differentiable: the gradient goes to the returned index.</summary>
    public (Tensor Values, Tensor Indices) MaxWithIndices(int dim, bool keepDim = false)
    {
        var (v, i) = ArgCore("MaxWithIndices", ArgReduceOp.ArgMax, dim, keepDim, true);
        return (v!, i);
    }

    /// <summary>Smallest values along <paramref name="dim"/> and their I64 indices (like torch.min(x, dim)). The values are differentiable: the gradient goes to the returned index.</summary>
    public (Tensor Values, Tensor Indices) MinWithIndices(int dim, bool keepDim = false)
    {
        var (v, i) = ArgCore("MinWithIndices", ArgReduceOp.ArgMin, dim, keepDim, true);
        return (v!, i);
    }

    private Tensor ArgAll(string op, ArgReduceOp aop)
    {
        CheckAlive(op);
        using var noGrad = NoGrad(); // indices are not differentiable; keep the helper views off the graph
        if (Numel == 0) throw new ShapeMismatchException($"{op}: the tensor of shape {Shape} is empty; there is no extreme element.");
        using var flat = Reshape(-1);
        using var idx = flat.ArgCore(op, aop, 0, false, false).Indices;
        return idx.Reshape();
    }

    private (Tensor? Values, Tensor Indices) ArgCore(string op, ArgReduceOp aop, int dim, bool keepDim, bool withValues)
    {
        CheckAlive(op);
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        var axes = Rank == 0 ? Array.Empty<int>() : [axis];
        CheckNotEmpty(op, axes);
        if (Autograd.GradMode.ShouldRecord(this))
        {
            (Tensor? Values, Tensor Indices) r;
            using (NoGrad()) r = ArgCore(op, aop, axis, keepDim, withValues);
            r.Values?.WithGradFn(new Autograd.IndexedValuesBackward(op, this, r.Indices, axis, KeepDimShape(axes)));
            return r;
        }
        if (DType is DType.F16 or DType.BF16)
        {
            using var x32 = To(DType.F32);
            var (v32, i32) = x32.ArgCore(op, aop, axis, keepDim, withValues);
            using (v32)
                return (v32?.To(DType), i32);
        }
        var keepShape = KeepDimShape(axes);
        var indices = Empty(keepShape, DType.I64, Device);
        var values = withValues ? Empty(keepShape, DType, Device) : null;
        Backend.ArgReduce(aop, this, Rank == 0 ? 0 : axis, values, indices);
        return (values is null ? null : FinishReduction(values, axes, keepDim), FinishReduction(indices, axes, keepDim));
    }
}
