namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// Converts to <paramref name="dtype"/> (a new tensor, also when the dtype is unchanged). Floats to F16/BF16
    /// round to nearest even; floats to integers truncate toward zero; anything to Bool is x ≠ 0.
    /// </summary>
    public Tensor To(DType dtype)
    {
        CheckAlive("To");
        if (Tracing.OpTrace.Current is { } tr)
            return TraceOne(tr, "Cast", [this], () => To(dtype), new() { ["to"] = OnnxTypeCode(dtype) });
        var result = Empty(Shape, dtype, Device);
        Backend.Cast(this, result);
        if (dtype.IsFloatingPoint() && Autograd.GradMode.ShouldRecord(this)) result.WithGradFn(new Autograd.CastBackward(this));
        return result;
    }
}
