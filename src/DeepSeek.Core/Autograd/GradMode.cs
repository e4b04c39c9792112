namespace DeepSeek.Autograd;

/// <summary>
/// Whether ops record the autograd graph. On by default; <see cref="Tensor.NoGrad"/> turns it off for a block
/// (inference, optimizer updates). Flows with async calls like <see cref="TensorScope"/>.
/// </summary>
public static class GradMode
{
    private static readonly AsyncLocal<bool> Disabled = new();

    /// <summary>True when ops on tensors that require grad record graph nodes.</summary>
    public static bool IsEnabled => !Disabled.Value;

    /// <summary>Sets the mode until the returned guard is disposed (then the previous mode returns).</summary>
    public static GradModeGuard Set(bool enabled)
    {
        var g = new GradModeGuard(!Disabled.Value);
        Disabled.Value = !enabled;
        return g;
    }

    internal static void Restore(bool enabled) => Disabled.Value = !enabled;

    /// <summary>True when an op with this input must record a node.</summary>
    internal static bool ShouldRecord(Tensor a) => a.RequiresGrad && !Disabled.Value;

    /// <summary>True when an op with these inputs must record a node.</summary>
    internal static bool ShouldRecord(Tensor a, Tensor? b) => (a.RequiresGrad || (b?.RequiresGrad ?? false)) && !Disabled.Value;

    /// <summary>True when an op with these inputs must record a node.</summary>
    internal static bool ShouldRecord(IReadOnlyList<Tensor?> inputs)
    {
        if (Disabled.Value) return false;
        foreach (var t in inputs) if (t?.RequiresGrad == true) return true;
        return false;
    }
}

/// <summary>Restores the previous grad mode when disposed.</summary>
public readonly struct GradModeGuard : IDisposable
{
    private readonly bool _previous;
    internal GradModeGuard(bool previous) => _previous = previous;

    /// <summary>Restores the mode that was active before.</summary>
    public void Dispose() => GradMode.Restore(_previous);
}
