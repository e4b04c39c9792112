namespace DeepSeek.NN.Optim;

/// <summary>How <see cref="OneCycleLR"/> moves between two rates within a phase.</summary>
public enum AnnealStrategy
{
    /// <summary>Cosine: end + (start − end)·(1 + cos(π·pct))/2.</summary>
    Cos,
    /// <summary>Linear: start + (end − start)·pct.</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy (Smith &amp; Topin, 2018; PyTorch's OneCycleLR): the rate rises from maxLr/divFactor to
/// maxLr over the first pctStart of <c>totalSteps</c>, then anneals to initial/finalDivFactor; momentum (SGD's
/// "momentum" or Adam's "beta1") cycles inversely between maxMomentum and baseMomentum when enabled.
/// Stepping more than totalSteps times is an error.
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    private readonly int _totalSteps;
    private readonly (double End, int From, int To)[] _phaseEnds; // (end step, start-value index, end-value index)
    private readonly AnnealStrategy _anneal;
    private readonly double[][] _lrValues;   // per group: initial, max, min
    private readonly double[]? _momValues;   // momentum paired with initial, max, min rate
    private readonly string? _momKey;

    /// <summary>Creates the schedule with one peak rate for every group.</summary>
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos,
        double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false, bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95)
        : this(optimizer, Enumerable.Repeat(maxLr, optimizer?.ParamGroups.Count ?? 0).ToArray(), totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase, cycleMomentum, baseMomentum, maxMomentum) { }

    /// <summary>Creates the schedule with a peak rate per group.</summary>
    public OneCycleLR(Optimizer optimizer, IReadOnlyList<double> maxLrs, int totalSteps, double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos,
        double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false, bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95)
        : base(optimizer, InitialLrs(optimizer, maxLrs, divFactor))
    {
        if (totalSteps <= 0) throw new ArgumentException($"OneCycleLR: totalSteps must be positive, got {totalSteps}.");
        if (!(pctStart >= 0 && pctStart <= 1)) throw new ArgumentException($"OneCycleLR: pctStart must be in [0, 1], got {pctStart}.");
        if (!(finalDivFactor > 0)) throw new ArgumentException($"OneCycleLR: finalDivFactor must be positive, got {finalDivFactor}.");
        _totalSteps = totalSteps;
        _anneal = annealStrategy;
        _phaseEnds = threePhase
            ? [(pctStart * totalSteps - 1, 0, 1), (2 * pctStart * totalSteps - 2, 1, 0), (totalSteps - 1, 0, 2)]
            : [(pctStart * totalSteps - 1, 0, 1), (totalSteps - 1, 1, 2)];
        var groups = optimizer.ParamGroups;
        _lrValues = new double[groups.Count][];
        for (int g = 0; g < groups.Count; g++)
        {
            double initial = maxLrs[g] / divFactor, min = initial / finalDivFactor;
            _lrValues[g] = [initial, maxLrs[g], min];
            groups[g]["initial_lr"] = initial;
            groups[g]["max_lr"] = maxLrs[g];
            groups[g]["min_lr"] = min;
        }
        if (cycleMomentum)
        {
            _momKey = groups[0].Has("momentum") ? "momentum" : groups[0].Has("beta1") ? "beta1"
                : throw new ArgumentException($"OneCycleLR: {optimizer.Name} has neither 'momentum' nor 'beta1' to cycle; pass cycleMomentum: false.");
            _momValues = [maxMomentum, baseMomentum, maxMomentum];
        }
        Start();
    }

    private static double[] InitialLrs(Optimizer optimizer, IReadOnlyList<double> maxLrs, double divFactor)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(maxLrs);
        if (maxLrs.Count != optimizer.ParamGroups.Count)
            throw new ArgumentException($"OneCycleLR: got {maxLrs.Count} max rates for {optimizer.ParamGroups.Count} parameter groups.");
        if (!(divFactor > 0)) throw new ArgumentException($"OneCycleLR: divFactor must be positive, got {divFactor}.");
        return maxLrs.Select(m => m / divFactor).ToArray();
    }

    /// <summary>Total number of steps in the cycle.</summary>
    public int TotalSteps => _totalSteps;

    /// <inheritdoc/>
    protected internal override double LrAt(int group, int epoch)
    {
        var v = _lrValues[group];
        return Interpolate(epoch, i => i == 0 ? BaseLrs[group] : v[i]);
    }

    private double Interpolate(int step, Func<int, double> value)
    {
        if (step > _totalSteps)
            throw new InvalidOperationException($"OneCycleLR: tried to step {step} times; the schedule has {_totalSteps} total steps.");
        double start = 0;
        for (int i = 0; i < _phaseEnds.Length; i++)
        {
            var (end, from, to) = _phaseEnds[i];
            if (step <= end || i == _phaseEnds.Length - 1)
            {
                double pct = (step - start) / (end - start);
                double a = value(from), b = value(to);
                return _anneal == AnnealStrategy.Cos ? b + (a - b) / 2 * (Math.Cos(Math.PI * pct) + 1) : (b - a) * pct + a;
            }
            start = end;
        }
        throw new InvalidOperationException("OneCycleLR: no phase matched."); // unreachable: the last phase always matches
    }

    private protected override void OnApplied(int epoch)
    {
        if (_momValues is null || _momKey is null) return;
        double m = Interpolate(epoch, i => _momValues[i]);
        foreach (var g in Optimizer.ParamGroups) g[_momKey] = m;
    }
}
