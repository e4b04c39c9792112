namespace DeepSeek;

// Index-driven ops: index_select, embedding, gather, scatter_add, index_add, one_hot. Indices are I32 or I64;
// every index is checked by the kernel and a bad one throws IndexOutOfRangeException naming the op, the value
// and the valid range. Negative indices are errors (as in PyTorch's gather/index_select/embedding), not
// counted from the end: an index tensor is data, and silently wrapping a corrupt -1 hides bugs.
public sealed partial class Tensor
{
    /// <summary>
    /// Entries of this tensor along <paramref name="dim"/> picked by the 1-d I32/I64 <paramref name="index"/> (torch.index_select):
    /// the result has this shape with dimension <paramref name="dim"/> replaced by index's length. Any dtype.
    /// </summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        const string op = "IndexSelect";
        ArgumentNullException.ThrowIfNull(index);
        OpChecks.Alive(op, this, index);
        OpChecks.SameDevice(op, this, index);
        CheckIndexDType(op, index);
        if (Rank == 0) throw new ShapeMismatchException($"{op}: input must have at least one dimension, got a scalar (shape []).");
        if (index.Rank > 1) throw new ShapeMismatchException($"{op}: index must be 1-d, got shape {index.Shape}.");
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        if (index.Rank == 1 && Tracing.OpTrace.Current is { } tr) return TraceGather(tr, this, index, axis, () => IndexSelect(axis, index));
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = IndexSelect(axis, index);
            return r.WithGradFn(new Autograd.IndexSelectBackward(this, axis, index));
        }
        using var idx = index.Rank == 0 ? index.Reshape(1) : index.View(index._shape, index._strides, index.Offset);
        var shape = (int[])_shape.Clone();
        shape[axis] = idx._shape[0];
        return RunKernel(Empty(shape, DType, Device), dst => Backend.IndexSelect(this, axis, idx, dst));
    }

    /// <summary>
    /// Looks up rows of <paramref name="weight"/> [num, dim] for every entry of <paramref name="indices"/> (I32/I64, any shape):
    /// the result has shape indices.shape + [dim] and weight's dtype (torch.nn.functional.embedding).
    /// Differentiable with respect to the weight: rows looked up several times accumulate their gradients.
    /// </summary>
    public static Tensor Embedding(Tensor indices, Tensor weight)
    {
        const string op = "Embedding";
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        OpChecks.Alive(op, indices, weight);
        OpChecks.SameDevice(op, indices, weight);
        CheckIndexDType(op, indices);
        OpChecks.Rank(op, weight, 2, "weight");
        if (Tracing.OpTrace.Current is { } tr) return TraceGather(tr, weight, indices, 0, () => Embedding(indices, weight));
        if (Autograd.GradMode.ShouldRecord(weight))
        {
            Tensor r;
            using (NoGrad()) r = Embedding(indices, weight);
            return r.WithGradFn(new Autograd.EmbeddingBackward(indices, weight));
        }
        var shape = new int[indices.Rank + 1];
        indices._shape.CopyTo(shape, 0);
        shape[^1] = weight._shape[1];
        var result = Empty(shape, weight.DType, weight.Device);
        using var flat = indices.Reshape(-1);
        using var rows = result.ViewAs(flat._shape[0], weight._shape[1]);
        try
        {
            return RunKernel(result, _ => result.Backend.IndexSelect(weight, 0, flat, rows));
        }
        catch (IndexOutOfRangeException e) when (e.Message.StartsWith("IndexSelect:", StringComparison.Ordinal))
        {
            throw new IndexOutOfRangeException($"{op}: weight {weight.Shape} has {weight._shape[0]} rows;" + e.Message["IndexSelect:".Length..], e);
        }
    }

    /// <summary>
    /// torch.gather: out[i][j][k] = this[index[i][j][k]][j][k] for <paramref name="dim"/> = 0 (and likewise for other dims).
    /// <paramref name="index"/> (I32/I64) has this tensor's rank and size ≤ this size in every dimension but <paramref name="dim"/>;
    /// the result has index's shape. Any dtype.
    /// </summary>
    public Tensor Gather(int dim, Tensor index)
    {
        const string op = "Gather";
        ArgumentNullException.ThrowIfNull(index);
        OpChecks.Alive(op, this, index);
        OpChecks.SameDevice(op, this, index);
        CheckIndexDType(op, index);
        if (Rank == 0) throw new ShapeMismatchException($"{op}: input must have at least one dimension, got a scalar (shape []).");
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        if (index.Rank != Rank)
            throw new ShapeMismatchException($"{op}: index must have the input's rank {Rank}, got index shape {index.Shape} for input shape {Shape}.");
        for (int d = 0; d < Rank; d++)
            if (d != axis && index._shape[d] > _shape[d])
                throw new ShapeMismatchException($"{op}: index shape {index.Shape} exceeds input shape {Shape} at dimension {d} (only dimension {axis} may be larger).");
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = Gather(axis, index);
            return r.WithGradFn(new Autograd.GatherBackward(this, axis, index));
        }
        return RunKernel(Empty(index.Shape, DType, Device), dst => Backend.Gather(this, axis, index, dst));
    }

    /// <summary>
    /// Out-of-place torch.scatter_add: a copy of this tensor where, for every position p of <paramref name="index"/>,
    /// result[p with coordinate <paramref name="dim"/> = index[p]] += <paramref name="src"/>[p]. index, src and this share the rank;
    /// index.size(d) ≤ src.size(d) for all d and ≤ this.size(d) for d ≠ dim. Numeric dtypes (F16/BF16 accumulate in F32).
    /// </summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor src)
    {
        const string op = "ScatterAdd";
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(src);
        OpChecks.Alive(op, this, index);
        src.CheckAlive(op);
        OpChecks.SameDevice(op, this, index);
        OpChecks.SameDevice(op, this, src);
        CheckIndexDType(op, index);
        OpChecks.SameDType(op, this, src);
        if (Rank == 0) throw new ShapeMismatchException($"{op}: input must have at least one dimension, got a scalar (shape []).");
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        if (index.Rank != Rank || src.Rank != Rank)
            throw new ShapeMismatchException($"{op}: input {Shape}, index {index.Shape} and src {src.Shape} must have the same rank.");
        for (int d = 0; d < Rank; d++)
        {
            if (index._shape[d] > src._shape[d])
                throw new ShapeMismatchException($"{op}: index shape {index.Shape} exceeds src shape {src.Shape} at dimension {d}.");
            if (d != axis && index._shape[d] > _shape[d])
                throw new ShapeMismatchException($"{op}: index shape {index.Shape} exceeds input shape {Shape} at dimension {d} (only dimension {axis} may be larger).");
        }
        if (Autograd.GradMode.ShouldRecord(this, src))
        {
            Tensor r;
            using (NoGrad()) r = ScatterAdd(axis, index, src);
            return r.WithGradFn(new Autograd.ScatterAddBackward(this, axis, index, src));
        }
        // The kernel walks index's shape; src is read through a view of that shape.
        using var srcView = src.Slice0(index._shape);
        return AccumulateInto(op, srcView, (acc, s) => acc.Backend.ScatterAdd(acc, axis, index, s));
    }

    /// <summary>
    /// Out-of-place torch.index_add: a copy of this tensor where result[…, index[k], …] += <paramref name="source"/>[…, k, …]
    /// along <paramref name="dim"/>. <paramref name="index"/> is 1-d (I32/I64); source has this shape with dimension dim
    /// replaced by index's length. Duplicate indices accumulate (this is the embedding backward). Numeric dtypes.
    /// </summary>
    public Tensor IndexAdd(int dim, Tensor index, Tensor source)
    {
        const string op = "IndexAdd";
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        OpChecks.Alive(op, this, index);
        source.CheckAlive(op);
        OpChecks.SameDevice(op, this, index);
        OpChecks.SameDevice(op, this, source);
        CheckIndexDType(op, index);
        OpChecks.SameDType(op, this, source);
        if (Rank == 0) throw new ShapeMismatchException($"{op}: input must have at least one dimension, got a scalar (shape []).");
        if (index.Rank > 1) throw new ShapeMismatchException($"{op}: index must be 1-d, got shape {index.Shape}.");
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        using var idx = index.Rank == 0 ? index.Reshape(1) : index.View(index._shape, index._strides, index.Offset);
        var expected = (int[])_shape.Clone();
        expected[axis] = idx._shape[0];
        if (source.Shape != new Shape(expected))
            throw new ShapeMismatchException($"{op}: source shape {source.Shape} does not match {Shape.Format(expected)} (input shape {Shape} with dimension {axis} = index length {idx._shape[0]}).");
        if (Autograd.GradMode.ShouldRecord(this, source))
        {
            Tensor r;
            using (NoGrad()) r = IndexAdd(axis, index, source);
            return r.WithGradFn(new Autograd.IndexAddBackward(this, axis, index, source));
        }
        return AccumulateInto(op, source, (acc, s) => acc.Backend.IndexAdd(acc, axis, idx, s));
    }

    /// <summary>
    /// One-hot encoding of I32/I64 class values (torch.nn.functional.one_hot): an I64 tensor of shape this.shape + [numClasses]. Not differentiable.
    /// <paramref name="numClasses"/> = -1 infers max + 1. A negative value or one ≥ numClasses throws naming the value.
    /// </summary>
    public Tensor OneHot(int numClasses = -1)
    {
        const string op = "OneHot";
        CheckAlive(op);
        CheckIndexDType(op, this);
        if (numClasses < -1) throw new ArgumentException($"{op}: numClasses must be -1 (infer) or ≥ 0, got {numClasses}.", nameof(numClasses));
        if (Numel == 0)
        {
            if (numClasses == -1) throw new ArgumentException($"{op}: cannot infer the number of classes from an empty tensor (shape {Shape}); pass numClasses.", nameof(numClasses));
        }
        else
        {
            var (min, max) = Backend.IntegerRange(this);
            if (min < 0) throw new IndexOutOfRangeException($"{op}: class values must be non-negative, found {min} (shape {Shape}).");
            if (numClasses == -1)
            {
                if (max >= int.MaxValue) throw new ArgumentException($"{op}: largest class value {max} is too large to infer a class count.");
                numClasses = (int)max + 1;
            }
            else if (max >= numClasses)
                throw new IndexOutOfRangeException($"{op}: class value {max} is out of range for {numClasses} classes (valid values are 0 … {numClasses - 1}).");
        }
        var shape = new int[Rank + 1];
        _shape.CopyTo(shape, 0);
        shape[^1] = numClasses;
        return RunKernel(Empty(shape, DType.I64, Device), dst => Backend.OneHot(this, dst));
    }

    private static void CheckIndexDType(string op, Tensor index)
    {
        if (index.DType is not (DType.I32 or DType.I64))
            throw new DTypeMismatchException($"{op}: indices must be i32 or i64, got {index.DType.Name()} with shape {index.Shape}.");
    }

    /// <summary>Runs <paramref name="kernel"/> on a fresh output, disposing the output when the kernel throws.</summary>
    private static Tensor RunKernel(Tensor output, Action<Tensor> kernel)
    {
        try
        {
            kernel(output);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>A view of the leading corner [0:shape[0], 0:shape[1], …] of this tensor.</summary>
    private Tensor Slice0(int[] shape) => View(shape, _strides, Offset);

    /// <summary>Copies this tensor into an accumulator (F32 for F16/BF16), lets <paramref name="add"/> add into it and casts back.</summary>
    private Tensor AccumulateInto(string op, Tensor src, Action<Tensor, Tensor> add)
    {
        if (DType == DType.Bool)
            throw new DTypeMismatchException($"{op}: bool tensors cannot be accumulated (shape {Shape}); cast to an integer dtype first.");
        if (DType is DType.F16 or DType.BF16)
        {
            using var acc32 = To(DType.F32);
            using var src32 = src.To(DType.F32);
            add(acc32, src32);
            return acc32.To(DType);
        }
        return RunKernel(Clone(), acc => add(acc, src));
    }
}
