using DeepSeek.Backends;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>Sum of all elements as a 0-d tensor. Integer and Bool inputs give I64.</summary>
    public Tensor Sum() => ReduceCore("Sum", ReduceOp.Sum, null, false);

    /// <summary>Sum over <paramref name="dim"/> (negative counts from the end). Integer and Bool inputs give I64.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => ReduceCore("Sum", ReduceOp.Sum, [dim], keepDim);

    /// <summary>
    /// Sum over the distinct axes <paramref name="dims"/> (an empty list means all axes, as in PyTorch), dropping them
    /// unless <paramref name="keepDim"/>. Integer and Bool inputs give I64; F32 sums accumulate in F64 and round once.
    /// </summary>
    public Tensor Sum(int[] dims, bool keepDim = false) => ReduceCore("Sum", ReduceOp.Sum, dims, keepDim);

    /// <summary>Mean of all elements as a 0-d tensor (floating inputs only).</summary>
    public Tensor Mean() => ReduceCore("Mean", ReduceOp.Mean, null, false);

    /// <summary>Mean over <paramref name="dim"/> (floating inputs only).</summary>
    public Tensor Mean(int dim, bool keepDim = false) => ReduceCore("Mean", ReduceOp.Mean, [dim], keepDim);

    /// <summary>Mean over the axes <paramref name="dims"/> (floating inputs only; empty list = all axes).</summary>
    public Tensor Mean(int[] dims, bool keepDim = false) => ReduceCore("Mean", ReduceOp.Mean, dims, keepDim);

    /// <summary>Product of all elements as a 0-d tensor. Integer and Bool inputs give I64 (wrapping on overflow).</summary>
    public Tensor Prod() => ReduceCore("Prod", ReduceOp.Prod, null, false);

    /// <summary>Product over <paramref name="dim"/>. Integer and Bool inputs give I64.</summary>
    public Tensor Prod(int dim, bool keepDim = false) => ReduceCore("Prod", ReduceOp.Prod, [dim], keepDim);

    /// <summary>Product over the axes <paramref name="dims"/> (empty list = all axes). Integer and Bool inputs give I64.</summary>
    public Tensor Prod(int[] dims, bool keepDim = false) => ReduceCore("Prod", ReduceOp.Prod, dims, keepDim);

    /// <summary>Largest element as a 0-d tensor of the input dtype; NaN if any element is NaN. The input must not be empty.</summary>
    public Tensor Max() => ReduceCore("Max", ReduceOp.Max, null, false);

    /// <summary>Largest values over <paramref name="dim"/> (input dtype). For the indices too, use <see cref="MaxWithIndices"/>.</summary>
    public Tensor Max(int dim, bool keepDim = false) => ReduceCore("Max", ReduceOp.Max, [dim], keepDim);

    /// <summary>Largest values over the axes <paramref name="dims"/> (input dtype; empty list = all axes).</summary>
    public Tensor Max(int[] dims, bool keepDim = false) => ReduceCore("Max", ReduceOp.Max, dims, keepDim);

    /// <summary>Smallest element as a 0-d tensor of the input dtype; NaN if any element is NaN. The input must not be empty.</summary>
    public Tensor Min() => ReduceCore("Min", ReduceOp.Min, null, false);

    /// <summary>Smallest values over <paramref name="dim"/> (input dtype). For the indices too, use <see cref="MinWithIndices"/>.</summary>
    public Tensor Min(int dim, bool keepDim = false) => ReduceCore("Min", ReduceOp.Min, [dim], keepDim);

    /// <summary>Smallest values over the axes <paramref name="dims"/> (input dtype; empty list = all axes).</summary>
    public Tensor Min(int[] dims, bool keepDim = false) => ReduceCore("Min", ReduceOp.Min, dims, keepDim);

    /// <summary>log Σ exp(x) over all elements, computed stably (floating inputs only).</summary>
    public Tensor LogSumExp() => ReduceCore("LogSumExp", ReduceOp.LogSumExp, null, false);

    /// <summary>log Σ exp(x) over <paramref name="dim"/>, computed stably (floating inputs only).</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false) => ReduceCore("LogSumExp", ReduceOp.LogSumExp, [dim], keepDim);

    /// <summary>log Σ exp(x) over the axes <paramref name="dims"/>, computed stably (floating inputs only; empty list = all axes).</summary>
    public Tensor LogSumExp(int[] dims, bool keepDim = false) => ReduceCore("LogSumExp", ReduceOp.LogSumExp, dims, keepDim);

    private Tensor ReduceCore(string op, ReduceOp rop, int[]? dims, bool keepDim)
    {
        CheckAlive(op);
        if (rop is ReduceOp.Sum or ReduceOp.Mean or ReduceOp.LogSumExp && DeepSeek.Autocast.Widens(this))
            return Widened(x => x.ReduceCore(op, rop, dims, keepDim));
        var axes = ReductionAxes(op, dims);
        if (rop is ReduceOp.Mean or ReduceOp.LogSumExp) OpChecks.Floating(op, this);
        if (rop is ReduceOp.Max or ReduceOp.Min) CheckNotEmpty(op, axes);
        if (rop is ReduceOp.Sum or ReduceOp.Mean && axes.Length > 0 && Tracing.OpTrace.Current is { } tr)
            return TraceReduce(tr, rop == ReduceOp.Mean, axes, keepDim, () => ReduceCore(op, rop, axes, keepDim));
        if (DType.IsFloatingPoint() && Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = ReduceCore(op, rop, axes, keepDim);
            return r.WithGradFn(new Autograd.ReduceBackward(rop, this, r, axes));
        }
        if (DType is DType.F16 or DType.BF16)
        {
            using var x32 = To(DType.F32);
            using var r32 = x32.ReduceCore(op, rop, axes, true);
            using var keep = r32.To(DType);
            return DropReduced(keep, axes, keepDim);
        }
        var outType = rop is ReduceOp.Sum or ReduceOp.Prod && !DType.IsFloatingPoint() ? DType.I64 : DType;
        var dst = Empty(KeepDimShape(axes), outType, Device);
        Backend.Reduce(rop, this, axes, dst);
        return FinishReduction(dst, axes, keepDim);
    }

    /// <summary>Validates and normalizes reduction axes: null or empty = all; negatives wrap; duplicates are rejected.</summary>
    internal int[] ReductionAxes(string op, int[]? dims)
    {
        if (dims is null || dims.Length == 0) return Enumerable.Range(0, Rank).ToArray();
        var seen = new bool[Math.Max(Rank, 1)];
        var axes = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            int a = Shape.NormalizeAxis(dims[i], Rank, op);
            if (seen[a])
                throw new ArgumentException($"{op}: dim {a} appears more than once in dims [{string.Join(", ", dims)}] (tensor of rank {Rank}, shape {Shape}).");
            seen[a] = true;
            axes[i] = a;
        }
        return Rank == 0 ? [] : axes;
    }

    private void CheckNotEmpty(string op, int[] axes)
    {
        foreach (var a in axes)
            if (_shape[a] == 0)
                throw new ShapeMismatchException($"{op}: cannot reduce over empty axis {a} of shape {Shape}; the {op.ToLowerInvariant()} of no elements is undefined.");
        if (Rank == 0 && Numel == 0)
            throw new ShapeMismatchException($"{op}: the tensor of shape {Shape} is empty.");
    }

    private int[] KeepDimShape(int[] axes)
    {
        var shape = (int[])_shape.Clone();
        foreach (var a in axes) shape[a] = 1;
        return shape;
    }

    /// <summary>Returns a keep-dim result as is, or as a view without the reduced axes (the keep-dim tensor is disposed).</summary>
    private static Tensor FinishReduction(Tensor keep, int[] axes, bool keepDim)
    {
        if (keepDim) return keep;
        using (keep) return DropReduced(keep, axes, false);
    }

    private static Tensor DropReduced(Tensor keep, int[] axes, bool keepDim)
    {
        if (keepDim) return keep.Reshape(keep._shape);
        var shape = keep._shape.Where((_, i) => Array.IndexOf(axes, i) < 0).ToArray();
        return keep.Reshape(shape);
    }
}
