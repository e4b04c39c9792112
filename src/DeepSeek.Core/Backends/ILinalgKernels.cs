namespace DeepSeek.Backends;

/// <summary>Matrix multiplication: GEMM, batched GEMM and linear layers.</summary>
public interface ILinalgKernels
{
    /// <summary>
    /// Batched matrix product dst[..., M, N] = a[..., M, K] · b[..., K, N]. <paramref name="a"/> and <paramref name="b"/>
    /// have the same rank (≥ 2) and identical batch dims (already broadcast: stride-0 batch dims are allowed); either may
    /// be any strided view (a transposed view is consumed as a transposed operand without a copy).
    /// <paramref name="dst"/> is contiguous and of the same dtype (F32 or F64).
    /// </summary>
    void MatMul(Tensor a, Tensor b, Tensor dst);

    /// <summary>
    /// Fully connected layer dst[..., out] = x[..., in] · w[out, in]ᵀ + bias[out]. <paramref name="x"/> and
    /// <paramref name="w"/> may be strided views, <paramref name="bias"/> is 1-d or null, <paramref name="dst"/> is contiguous;
    /// all share one dtype (F32 or F64). The bias is added in the GEMM's epilogue.
    /// </summary>
    void Linear(Tensor x, Tensor w, Tensor? bias, Tensor dst);

    /// <summary>
    /// <see cref="Linear(Tensor, Tensor, Tensor?, Tensor)"/> with a fused epilogue: dst = act(x · wᵀ + bias + residual),
    /// applied to each output tile while it is in cache. The residual has dst's shape and dtype (any strides).
    /// </summary>
    void Linear(Tensor x, Tensor w, Tensor? bias, Tensor dst, in Epilogue epilogue);

    /// <summary>
    /// dst[..., N] = act(x[..., K] · B + bias[N] + residual) with B [K, N] packed once by <see cref="PackedWeights.ForMatMul"/>
    /// (or a Linear weight by <see cref="PackedWeights.ForLinear"/>, B = wᵀ); F32 only. <paramref name="x"/> may be any
    /// strided view; <paramref name="dst"/> is contiguous. Safe to call from several threads with the same packed weight.
    /// </summary>
    void Linear(Tensor x, PackedWeights w, Tensor? bias, Tensor dst, in Epilogue epilogue);
}
