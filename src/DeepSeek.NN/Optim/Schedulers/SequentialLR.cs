namespace DeepSeek.NN.Optim;

/// <summary>
/// Runs schedulers one after another (PyTorch's SequentialLR): scheduler k is active from milestone k−1 and
/// sees its own step count restarting at 0 there. All must drive the same optimizer.
/// </summary>
public sealed class SequentialLR : LRScheduler
{
    private readonly LRScheduler[] _schedulers;
    private readonly int[] _milestones;

    /// <summary>Chains <paramref name="schedulers"/>, switching at <paramref name="milestones"/> (one fewer, increasing).</summary>
    public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<int> milestones) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count == 0) throw new ArgumentException("SequentialLR: at least one scheduler is needed.");
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException($"SequentialLR: {schedulers.Count} schedulers need {schedulers.Count - 1} milestones, got {milestones.Count}.");
        for (int i = 0; i < milestones.Count; i++)
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1]))
                throw new ArgumentException($"SequentialLR: milestones must be positive and increasing, got [{string.Join(", ", milestones)}].");
        foreach (var s in schedulers)
            if (!ReferenceEquals(s.Optimizer, optimizer))
                throw new ArgumentException($"SequentialLR: {s.Name} drives a different optimizer than the one given.");
        _schedulers = schedulers.ToArray();
        _milestones = milestones.ToArray();
        Start();
    }

    /// <summary>The chained schedulers.</summary>
    public IReadOnlyList<LRScheduler> Schedulers => _schedulers;

    /// <inheritdoc/>
    protected internal override double LrAt(int group, int epoch)
    {
        int k = _milestones.Count(m => m <= epoch);
        return _schedulers[k].LrAt(group, k == 0 ? epoch : epoch - _milestones[k - 1]);
    }
}
