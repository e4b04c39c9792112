namespace DeepSeek.NN;

/// <summary>A loss as a module: <c>Forward((input, target))</c> or the shorter <see cref="Forward(Tensor, Tensor)"/>.</summary>
public abstract class Loss : Module<(Tensor Input, Tensor Target), Tensor>
{
    /// <summary>Creates the loss with its reduction.</summary>
    protected Loss(Reduction reduction) => Reduction = reduction;

    /// <summary>How the per-element losses are reduced.</summary>
    public Reduction Reduction { get; }

    /// <summary>Computes the loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    public Tensor Forward(Tensor input, Tensor target) => Forward((input, target));

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"reduction={Reduction}";
}

/// <summary>Cross-entropy over logits (torch.nn.CrossEntropyLoss); see <see cref="F.CrossEntropy"/>.</summary>
public sealed class CrossEntropyLoss : Loss
{
    private readonly Tensor? _weight;

    /// <summary>Creates the loss; <paramref name="weight"/> [C] (copied into a buffer named "weight") rescales each class.</summary>
    public CrossEntropyLoss(Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
        : base(reduction)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentException($"CrossEntropyLoss: labelSmoothing must be in [0, 1], got {labelSmoothing}.", nameof(labelSmoothing));
        _weight = RegisterBuffer("weight", weight?.Detach().Clone());
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>Target value that contributes neither loss nor weight.</summary>
    public int IgnoreIndex { get; }

    /// <summary>Label smoothing ε.</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward((Tensor Input, Tensor Target) x) =>
        F.CrossEntropy(x.Input, x.Target, _weight, IgnoreIndex, Reduction, LabelSmoothing);
}

/// <summary>Negative log-likelihood over log-probabilities (torch.nn.NLLLoss); see <see cref="F.NLLLoss"/>.</summary>
public sealed class NLLLoss : Loss
{
    private readonly Tensor? _weight;

    /// <summary>Creates the loss; <paramref name="weight"/> [C] (copied into a buffer named "weight") rescales each class.</summary>
    public NLLLoss(Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        _weight = RegisterBuffer("weight", weight?.Detach().Clone());
        IgnoreIndex = ignoreIndex;
    }

    /// <summary>Target value that contributes neither loss nor weight.</summary>
    public int IgnoreIndex { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward((Tensor Input, Tensor Target) x) => F.NLLLoss(x.Input, x.Target, _weight, IgnoreIndex, Reduction);
}

/// <summary>Mean squared error (torch.nn.MSELoss).</summary>
public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    protected override Tensor OnForward((Tensor Input, Tensor Target) x) => F.MSELoss(x.Input, x.Target, Reduction);
}

/// <summary>Mean absolute error (torch.nn.L1Loss).</summary>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    protected override Tensor OnForward((Tensor Input, Tensor Target) x) => F.L1Loss(x.Input, x.Target, Reduction);
}

/// <summary>Smooth L1 / Huber-like loss with threshold β (torch.nn.SmoothL1Loss).</summary>
public sealed class SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : Loss(reduction)
{
    /// <summary>Threshold between the quadratic and linear parts.</summary>
    public double Beta { get; } = beta;

    /// <inheritdoc/>
    protected override Tensor OnForward((Tensor Input, Tensor Target) x) => F.SmoothL1Loss(x.Input, x.Target, Reduction, Beta);
}

/// <summary>Binary cross-entropy on logits (torch.nn.BCEWithLogitsLoss); see <see cref="F.BCEWithLogitsLoss"/>.</summary>
public sealed class BCEWithLogitsLoss : Loss
{
    private readonly Tensor? _weight, _posWeight;

    /// <summary>Creates the loss; weight and posWeight are copied into buffers "weight" and "pos_weight".</summary>
    public BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : base(reduction)
    {
        _weight = RegisterBuffer("weight", weight?.Detach().Clone());
        _posWeight = RegisterBuffer("pos_weight", posWeight?.Detach().Clone());
    }

    /// <inheritdoc/>
    protected override Tensor OnForward((Tensor Input, Tensor Target) x) =>
        F.BCEWithLogitsLoss(x.Input, x.Target, _weight, _posWeight, Reduction);
}

/// <summary>Kullback–Leibler divergence over log-probability inputs (torch.nn.KLDivLoss); see <see cref="F.KLDiv"/>.</summary>
public sealed class KLDivLoss(Reduction reduction = Reduction.Mean, bool logTarget = false) : Loss(reduction)
{
    /// <summary>Whether the target holds log-probabilities.</summary>
    public bool LogTarget { get; } = logTarget;

    /// <inheritdoc/>
    protected override Tensor OnForward((Tensor Input, Tensor Target) x) => F.KLDiv(x.Input, x.Target, Reduction, LogTarget);
}
