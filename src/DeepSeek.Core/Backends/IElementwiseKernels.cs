namespace DeepSeek.Backends;

/// <summary>Pointwise unary/binary math, comparisons, where, clamp and dtype casts.</summary>
public interface IElementwiseKernels
{
    /// <summary>Converts <paramref name="src"/> into <paramref name="dst"/> (same shape, any strides, any dtypes).
    /// Floats to F16/BF16 round to nearest even; floats to integers truncate toward zero; anything to Bool is x ≠ 0.</summary>
    void Cast(Tensor src, Tensor dst);
}
