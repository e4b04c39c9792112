namespace DeepSeek.NN.Optim;

/// <summary>lr = base · γ^⌊epoch / stepSize⌋ (PyTorch's StepLR).</summary>
public sealed class StepLR : LRScheduler
{
    private readonly int _stepSize;
    private readonly double _gamma;

    /// <summary>Decays every group's rate by <paramref name="gamma"/> every <paramref name="stepSize"/> steps.</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize <= 0) throw new ArgumentException($"StepLR: stepSize must be positive, got {stepSize}.");
        _stepSize = stepSize;
        _gamma = gamma;
        Start();
    }

    /// <inheritdoc/>
    protected internal override double LrAt(int group, int epoch) => BaseLrs[group] * Math.Pow(_gamma, epoch / _stepSize);
}
