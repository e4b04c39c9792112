namespace DeepSeek.Backends;

/// <summary>What <see cref="IReductionKernels.Reduce"/> computes over the reduced axes.</summary>
public enum ReduceOp
{
    /// <summary>Sum (0 over no elements). Floats accumulate in F64; integers in I64.</summary>
    Sum,
    /// <summary>Arithmetic mean (NaN over no elements). Floating only.</summary>
    Mean,
    /// <summary>Product (1 over no elements).</summary>
    Prod,
    /// <summary>Maximum; NaN if any element is NaN.</summary>
    Max,
    /// <summary>Minimum; NaN if any element is NaN.</summary>
    Min,
    /// <summary>log(Σ exp(x)), computed as m + log(Σ exp(x − m)) with m the maximum. Floating only.</summary>
    LogSumExp,
}

/// <summary>Which extreme <see cref="IReductionKernels.ArgReduce"/> looks for.</summary>
public enum ArgReduceOp
{
    /// <summary>Index of the largest element (the first NaN if any; first occurrence on ties).</summary>
    ArgMax,
    /// <summary>Index of the smallest element (the first NaN if any; first occurrence on ties).</summary>
    ArgMin,
}

/// <summary>
/// Reductions over axes (sum, mean, prod, max, min, logsumexp, variance), arg-reductions, softmax, cumulative sum and top-k.
/// Sources may be any strided view; destinations are contiguous tensors allocated by the op layer.
/// Source dtypes a kernel must accept: F32, F64, the integer types and Bool (stored as 0/1 bytes); the op layer
/// upcasts F16/BF16 to F32 before calling and rounds results back.
/// </summary>
public interface IReductionKernels
{
    /// <summary>
    /// Reduces <paramref name="src"/> over <paramref name="axes"/> (distinct, normalized to [0, rank)) into
    /// <paramref name="dst"/>, which has the keep-dim shape (the source shape with every reduced axis set to 1) or
    /// that shape with the reduced axes dropped (keepdims = 0: the same contiguous elements).
    /// Floating sources give a floating result; integer/Bool sources accumulate in I64 (Sum, Prod) or keep their
    /// values (Max, Min). The result is converted to <paramref name="dst"/>'s dtype.
    /// </summary>
    void Reduce(ReduceOp op, Tensor src, int[] axes, Tensor dst);

    /// <summary>
    /// Variance (or standard deviation when <paramref name="std"/>) of a floating <paramref name="src"/> over
    /// <paramref name="axes"/>: Σ(x − mean)² / max(0, N − <paramref name="correction"/>), two-pass in F64.
    /// <paramref name="dst"/> has the keep-dim shape.
    /// </summary>
    void Variance(Tensor src, int[] axes, int correction, bool std, Tensor dst);

    /// <summary>
    /// Index of the extreme element along <paramref name="axis"/> into I64 <paramref name="indices"/> (keep-dim shape),
    /// and optionally its value into <paramref name="values"/> (same shape, source dtype). The axis must not be empty.
    /// </summary>
    void ArgReduce(ArgReduceOp op, Tensor src, int axis, Tensor? values, Tensor indices);

    /// <summary>
    /// Softmax (or log-softmax when <paramref name="log"/>) of floating <paramref name="src"/> along <paramref name="axis"/>
    /// into <paramref name="dst"/> (same shape and dtype), subtracting the maximum first so large logits do not overflow.
    /// </summary>
    void Softmax(Tensor src, int axis, Tensor dst, bool log);

    /// <summary>
    /// Cumulative sum along <paramref name="axis"/> into <paramref name="dst"/> (same shape; F32/F64 for floating sources,
    /// I64 for integer/Bool sources). <paramref name="exclusive"/> leaves out the element itself (ONNX CumSum);
    /// <paramref name="reverse"/> sums from the end.
    /// </summary>
    void CumSum(Tensor src, int axis, Tensor dst, bool exclusive, bool reverse);

    /// <summary>
    /// The <paramref name="k"/> largest (or smallest) elements along <paramref name="axis"/> into <paramref name="values"/>
    /// (source dtype) and their I64 <paramref name="indices"/>; both have the source shape with the axis set to k.
    /// Results are always in order (best first), ties keep the lower index first and NaN counts as the largest value.
    /// <paramref name="sorted"/> = false allows any order (this CPU kernel still sorts).
    /// </summary>
    void TopK(Tensor src, int k, int axis, bool largest, bool sorted, Tensor values, Tensor indices);
}
