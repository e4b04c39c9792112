namespace DeepSeek.NN.Optim;

/// <summary>lr = base · γ^epoch (PyTorch's ExponentialLR).</summary>
public sealed class ExponentialLR : LRScheduler
{
    private readonly double _gamma;

    /// <summary>Multiplies every group's rate by <paramref name="gamma"/> each step.</summary>
    public ExponentialLR(Optimizer optimizer, double gamma) : base(optimizer)
    {
        if (!(gamma > 0)) throw new ArgumentException($"ExponentialLR: gamma must be positive, got {gamma}.");
        _gamma = gamma;
        Start();
    }

    /// <inheritdoc/>
    protected internal override double LrAt(int group, int epoch) => BaseLrs[group] * Math.Pow(_gamma, epoch);
}
