namespace DeepSeek.NN.Optim;

/// <summary>
/// lr = ηmin + (base − ηmin)·(1 + cos(π·epoch/Tmax))/2 (SGDR without restarts, Loshchilov &amp; Hutter 2017;
/// PyTorch's CosineAnnealingLR closed form).
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly int _tMax;
    private readonly double _etaMin;

    /// <summary>Anneals from each base rate to <paramref name="etaMin"/> over <paramref name="tMax"/> steps.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax <= 0) throw new ArgumentException($"CosineAnnealingLR: tMax must be positive, got {tMax}.");
        _tMax = tMax;
        _etaMin = etaMin;
        Start();
    }

    /// <inheritdoc/>
    protected internal override double LrAt(int group, int epoch) =>
        _etaMin + (BaseLrs[group] - _etaMin) * (1 + Math.Cos(Math.PI * epoch / _tMax)) / 2;
}
