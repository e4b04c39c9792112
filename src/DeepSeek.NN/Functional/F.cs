namespace DeepSeek.NN;

/// <summary>
/// Functional forms of the layers and losses (torch.nn.functional). Each function runs in its own tensor scope:
/// intermediates are freed on return and only the result moves to the caller's scope; autograd keeps what it needs.
/// </summary>
public static partial class F
{
    /// <summary>Runs <paramref name="body"/> in a fresh scope and keeps only its result.</summary>
    internal static Tensor Scoped(Func<Tensor> body)
    {
        using var scope = Tensor.NewScope();
        return scope.MoveToParent(body());
    }

    /// <summary>Applies <paramref name="reduction"/> to per-element losses (BatchMean is refused: it belongs to KLDiv).</summary>
    internal static Tensor Reduce(string op, Tensor loss, Reduction reduction) => reduction switch
    {
        Reduction.None => loss,
        Reduction.Sum => loss.Sum(),
        Reduction.Mean => loss.Mean(),
        _ => throw new ArgumentException($"{op}: reduction {reduction} is not supported (BatchMean is only for KLDiv).", nameof(reduction)),
    };

    internal static void Alive(string op, Tensor t, string what)
    {
        ArgumentNullException.ThrowIfNull(t, what);
        if (t.IsDisposed) throw new TensorDisposedException($"{op}: {what} was disposed.");
    }

    internal static void Floating(string op, Tensor t, string what)
    {
        if (!t.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"{op}: {what} must be floating, got {t.DType.Name()} with shape {t.Shape}.");
    }

    internal static void SameDevice(string op, Tensor a, Tensor b, string what)
    {
        if (a.Device != b.Device)
            throw new DeviceMismatchException($"{op}: {what} is on {b.Device}, the input on {a.Device}.");
    }

    /// <summary>Checks that a regression-style target matches the input: same shape, same device, and a floating dtype.</summary>
    internal static void PairwiseChecks(string op, Tensor input, Tensor target)
    {
        Alive(op, input, "input");
        Alive(op, target, "target");
        Floating(op, input, "input");
        Floating(op, target, "target");
        SameDevice(op, input, target, "target");
        if (input.Shape != target.Shape)
            throw new ShapeMismatchException($"{op}: target shape {target.Shape} must equal the input shape {input.Shape}.");
    }

    /// <summary>Brings <paramref name="t"/> to <paramref name="dtype"/> (a view-free no-op when it already is).</summary>
    internal static Tensor As(Tensor t, DType dtype) => t.DType == dtype ? t : t.To(dtype);
}
