namespace DeepSeek.NN.Optim;

/// <summary>
/// lr = base · (start + (end − start)·min(epoch, totalIters)/totalIters) (PyTorch's LinearLR): a linear ramp of
/// the multiplicative factor, then constant.
/// </summary>
public class LinearLR : LRScheduler
{
    private readonly double _start, _end;
    private readonly int _totalIters;

    /// <summary>Ramps the factor from <paramref name="startFactor"/> to <paramref name="endFactor"/> over <paramref name="totalIters"/> steps.</summary>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentException($"{Name}: startFactor must be in (0, 1], got {startFactor}.");
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new ArgumentException($"{Name}: endFactor must be in [0, 1], got {endFactor}.");
        if (totalIters <= 0) throw new ArgumentException($"{Name}: the number of steps must be positive, got {totalIters}.");
        _start = startFactor;
        _end = endFactor;
        _totalIters = totalIters;
        Start();
    }

    /// <inheritdoc/>
    protected internal override double LrAt(int group, int epoch) =>
        BaseLrs[group] * (_start + (_end - _start) * Math.Min(epoch, _totalIters) / _totalIters);
}

/// <summary>Linear warmup: the rate rises linearly from startFactor·base to base over warmupSteps steps, then stays.</summary>
public sealed class LinearWarmup : LinearLR
{
    /// <summary>Warms every group up over <paramref name="warmupSteps"/> steps starting at <paramref name="startFactor"/>·base.</summary>
    public LinearWarmup(Optimizer optimizer, int warmupSteps, double startFactor = 1e-3)
        : base(optimizer, startFactor, 1.0, warmupSteps) { }
}
