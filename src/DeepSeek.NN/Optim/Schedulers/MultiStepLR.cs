namespace DeepSeek.NN.Optim;

/// <summary>lr = base · γ^(number of milestones ≤ epoch) (PyTorch's MultiStepLR; a repeated milestone decays twice).</summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly int[] _milestones;
    private readonly double _gamma;

    /// <summary>Decays every group's rate by <paramref name="gamma"/> at each of <paramref name="milestones"/> (non-decreasing step numbers).</summary>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = milestones.ToArray();
        for (int i = 1; i < _milestones.Length; i++)
            if (_milestones[i] < _milestones[i - 1])
                throw new ArgumentException($"MultiStepLR: milestones must be non-decreasing, got [{string.Join(", ", _milestones)}].");
        _gamma = gamma;
        Start();
    }

    /// <inheritdoc/>
    protected internal override double LrAt(int group, int epoch) => BaseLrs[group] * Math.Pow(_gamma, _milestones.Count(m => m <= epoch));
}
