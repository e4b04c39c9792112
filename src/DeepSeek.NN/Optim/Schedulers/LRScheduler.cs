using static DeepSeek.NN.Optim.StateDictUtil;

namespace DeepSeek.NN.Optim;

/// <summary>
/// Base of the learning-rate schedulers: each group's rate is a closed-form function of its base rate and the
/// step count (PyTorch's <c>_get_closed_form_lr</c>), so the schedule does not drift and can resume exactly.
/// Creating a scheduler sets step 0's rates; call <see cref="Step"/> after each <see cref="Optimizer.Step"/>.
/// Subclasses call <see cref="Start"/> at the end of their constructor.
/// Base rates are each group's "initial_lr" (set from "lr" on first use, so schedulers can be chained).
/// </summary>
public abstract class LRScheduler
{
    private double[] _lastLr;

    /// <summary>Attaches to <paramref name="optimizer"/>; base rates are the groups' "initial_lr" (set from "lr" when absent).</summary>
    protected LRScheduler(Optimizer optimizer)
        : this(optimizer, (optimizer ?? throw new ArgumentNullException(nameof(optimizer))).ParamGroups.Select(g => g.SetDefault("initial_lr", g.Lr)).ToArray()) { }

    /// <summary>Attaches with explicit base rates (one per group).</summary>
    private protected LRScheduler(Optimizer optimizer, double[] baseLrs)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        BaseLrs = baseLrs;
        _lastLr = (double[])baseLrs.Clone();
    }

    /// <summary>Sets step 0 and applies its rates; the last line of every subclass constructor.</summary>
    protected void Start()
    {
        LastEpoch = 0;
        Apply();
    }

    /// <summary>The optimizer whose "lr" options this scheduler writes.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Each group's base learning rate.</summary>
    public IReadOnlyList<double> BaseLrs { get; private set; }

    /// <summary>Number of <see cref="Step"/> calls so far (0 right after construction).</summary>
    public int LastEpoch { get; private set; }

    /// <summary>Name used in errors.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>The rate of group <paramref name="group"/> at step <paramref name="epoch"/>.</summary>
    protected internal abstract double LrAt(int group, int epoch);

    /// <summary>Advances one step and writes the new rates into the optimizer's groups.</summary>
    public void Step()
    {
        LastEpoch++;
        Apply();
    }

    /// <summary>The rates this scheduler last set, one per group.</summary>
    public IReadOnlyList<double> GetLastLr() => _lastLr;

    private void Apply()
    {
        var groups = Optimizer.ParamGroups;
        if (groups.Count != BaseLrs.Count)
            throw new InvalidOperationException($"{Name}: the optimizer has {groups.Count} parameter groups, the scheduler was made for {BaseLrs.Count}.");
        var lrs = new double[groups.Count];
        for (int g = 0; g < groups.Count; g++) lrs[g] = LrAt(g, LastEpoch);
        for (int g = 0; g < groups.Count; g++) groups[g].Lr = lrs[g];
        _lastLr = lrs;
        OnApplied(LastEpoch);
    }

    /// <summary>Called after the rates of step <paramref name="epoch"/> were written (schedulers that also set other options).</summary>
    private protected virtual void OnApplied(int epoch) { }

    /// <summary>"last_epoch" and "base_lrs.{g}" as 0-d F64 tensors (the caller disposes them).</summary>
    public virtual Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["last_epoch"] = Scalar(LastEpoch) };
        for (int g = 0; g < BaseLrs.Count; g++) d[$"base_lrs.{Str(g)}"] = Scalar(BaseLrs[g]);
        return d;
    }

    /// <summary>Restores the step count and base rates from <see cref="StateDict"/> and re-applies that step's rates.</summary>
    public virtual void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        long epoch = ReadCount(state, "last_epoch", Name);
        var baseLrs = new double[BaseLrs.Count];
        for (int g = 0; g < baseLrs.Length; g++) baseLrs[g] = Read(state, $"base_lrs.{Str(g)}", Name);
        if (state.ContainsKey($"base_lrs.{Str(baseLrs.Length)}"))
            throw new ModelFormatException($"{Name}.LoadStateDict: the dict has more than the {baseLrs.Length} base rates of this optimizer's groups.");
        BaseLrs = baseLrs;
        LastEpoch = checked((int)epoch);
        Apply();
    }

    /// <summary>Linear warmup from <paramref name="startFactor"/>·lr to lr over <paramref name="warmupSteps"/>, then cosine annealing to <paramref name="etaMin"/> at <paramref name="totalSteps"/>.</summary>
    public static SequentialLR WarmupCosine(Optimizer optimizer, int warmupSteps, int totalSteps, double etaMin = 0, double startFactor = 1e-3)
    {
        if (warmupSteps <= 0 || totalSteps <= warmupSteps)
            throw new ArgumentException($"WarmupCosine: need 0 < warmupSteps < totalSteps, got warmupSteps={warmupSteps}, totalSteps={totalSteps}.");
        var warmup = new LinearLR(optimizer, startFactor, 1.0, warmupSteps);
        var cosine = new CosineAnnealingLR(optimizer, totalSteps - warmupSteps, etaMin);
        return new SequentialLR(optimizer, [warmup, cosine], [warmupSteps]);
    }
}
