namespace DeepSeek;

/// <summary>
/// Mixed precision on the CPU, like torch.autocast: inside <see cref="Tensor.Autocast"/>, matrix products and
/// convolutions (MatMul, Mm, Bmm, Linear, Conv1d/2d, ConvTranspose2d) take F32 inputs rounded to the autocast
/// dtype (BF16 by default) and return that dtype — the kernels accumulate in F32; precision-sensitive ops
/// (Softmax, LogSoftmax, Sum, Mean, LogSumExp, Var, Std, BatchNorm, LayerNorm, GroupNorm) take reduced-precision
/// inputs up to F32 and return F32. Every other op runs in its inputs' dtype with the usual promotion.
/// Casts are recorded by autograd, so F32 parameters get F32 gradients.
/// </summary>
public static class Autocast
{
    private static readonly AsyncLocal<DType?> State = new();

    /// <summary>The reduced dtype of the innermost active autocast region, or null when none is active.</summary>
    public static DType? Current => State.Value;

    /// <summary>Starts a region; disposing the guard restores the previous state.</summary>
    public static AutocastGuard Enable(DType dtype = DType.BF16)
    {
        if (dtype is not (DType.BF16 or DType.F16))
            throw new DTypeMismatchException($"Autocast: dtype must be bf16 or f16, got {dtype.Name()}.");
        var g = new AutocastGuard(State.Value);
        State.Value = dtype;
        return g;
    }

    /// <summary>Turns autocast off inside an op that has already converted its inputs.</summary>
    internal static AutocastGuard Suspend()
    {
        var g = new AutocastGuard(State.Value);
        State.Value = null;
        return g;
    }

    internal static void Restore(DType? previous) => State.Value = previous;

    /// <summary>True when a lower-precision op must convert its F32 inputs to <paramref name="dtype"/>.</summary>
    internal static bool Lowers(Tensor a, Tensor? b, Tensor? c, out DType dtype)
    {
        dtype = State.Value ?? DType.F32;
        if (State.Value is null) return false;
        return a.DType == DType.F32 && (b is null || b.DType == DType.F32) && (c is null || c.DType == DType.F32);
    }

    /// <summary>True when a precision-sensitive op must take its reduced-precision input up to F32.</summary>
    internal static bool Widens(Tensor x) => State.Value is not null && x.DType is DType.BF16 or DType.F16;
}

/// <summary>Restores the previous autocast state when disposed.</summary>
public readonly struct AutocastGuard : IDisposable
{
    private readonly DType? _previous;
    internal AutocastGuard(DType? previous) => _previous = previous;

    /// <summary>Restores the state that was active before.</summary>
    public void Dispose() => Autocast.Restore(_previous);
}

public sealed partial class Tensor
{
    /// <summary>Runs matmul/conv in <paramref name="dtype"/> until disposed (see <see cref="DeepSeek.Autocast"/>): <c>using (Tensor.Autocast()) { … }</c>.</summary>
    public static AutocastGuard Autocast(DType dtype = DType.BF16) => DeepSeek.Autocast.Enable(dtype);

    /// <summary>Runs <paramref name="op"/> on the inputs converted to the autocast dtype (autocast suspended inside).</summary>
    private static Tensor Lowered(Tensor a, Tensor? b, Tensor? c, DType dtype, Func<Tensor, Tensor?, Tensor?, Tensor> op)
    {
        using var suspend = DeepSeek.Autocast.Suspend();
        using var a2 = a.To(dtype);
        using var b2 = b?.To(dtype);
        using var c2 = c?.To(dtype);
        return op(a2, b2, c2);
    }

    /// <summary>Runs a normalization on this tensor and its affine parameters widened to F32.</summary>
    private Tensor WidenedNorm(Tensor? weight, Tensor? bias, Func<Tensor, Tensor?, Tensor?, Tensor> op)
    {
        using var suspend = DeepSeek.Autocast.Suspend();
        using var x = To(DType.F32);
        using var w = weight is { DType: not DType.F32 } ? weight.To(DType.F32) : null;
        using var b = bias is { DType: not DType.F32 } ? bias.To(DType.F32) : null;
        return op(x, w ?? weight, b ?? bias);
    }

    /// <summary>Runs <paramref name="op"/> on this tensor widened to F32 (autocast suspended inside).</summary>
    private Tensor Widened(Func<Tensor, Tensor> op)
    {
        using var suspend = DeepSeek.Autocast.Suspend();
        using var x = To(DType.F32);
        return op(x);
    }
}
