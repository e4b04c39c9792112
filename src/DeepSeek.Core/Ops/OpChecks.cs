namespace DeepSeek;

/// <summary>Argument checks shared by the op surface. Every message names the op and what it saw.</summary>
internal static class OpChecks
{
    public static void Alive(string op, Tensor t) => t.CheckAlive(op);

    public static void Alive(string op, Tensor a, Tensor b)
    {
        a.CheckAlive(op);
        b.CheckAlive(op);
    }

    public static void SameDevice(string op, Tensor a, Tensor b)
    {
        if (a.Device != b.Device)
            throw new DeviceMismatchException($"{op}: tensors are on different devices ({a.Device} with shape {a.Shape}, {b.Device} with shape {b.Shape}); move one with To(device).");
    }

    public static void SameDType(string op, Tensor a, Tensor b)
    {
        if (a.DType != b.DType)
            throw new DTypeMismatchException($"{op}: dtypes differ ({a.DType.Name()} with shape {a.Shape}, {b.DType.Name()} with shape {b.Shape}); cast one with To(dtype).");
    }

    public static void Floating(string op, Tensor t)
    {
        if (!t.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"{op}: expected a floating tensor (f32, f64, f16, bf16), got {t.DType.Name()} with shape {t.Shape}.");
    }

    public static void DTypeIn(string op, Tensor t, params DType[] allowed)
    {
        if (Array.IndexOf(allowed, t.DType) < 0)
            throw new DTypeMismatchException($"{op}: dtype {t.DType.Name()} (shape {t.Shape}) is not supported; expected one of {string.Join(", ", allowed.Select(d => d.Name()))}.");
    }

    public static void Rank(string op, Tensor t, int rank, string what = "input")
    {
        if (t.Rank != rank)
            throw new ShapeMismatchException($"{op}: {what} must be {rank}-d, got shape {t.Shape}.");
    }

    /// <summary>Broadcast views of <paramref name="a"/> and <paramref name="b"/> to their common shape (caller disposes).</summary>
    public static (Tensor A, Tensor B, Shape Out) Broadcast(string op, Tensor a, Tensor b)
    {
        var shape = Shape.Broadcast(a.Shape, b.Shape, op);
        return (a.BroadcastTo(shape), b.BroadcastTo(shape), shape);
    }
}
