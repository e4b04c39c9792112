using DeepSeek.NN.Optim;
using static DeepSeek.NN.Optim.StateDictUtil;

namespace DeepSeek.NN.Amp;

/// <summary>
/// Dynamic loss scaling for F16 training (Micikevicius et al., "Mixed Precision Training", 2018; PyTorch's
/// GradScaler): the loss is multiplied by a large scale so small gradients survive in F16; before the optimizer
/// step the gradients are divided back, and a step whose gradients hold an inf/NaN is skipped and halves the
/// scale, while every <c>growthInterval</c> good steps in a row double it.
/// </summary>
/// <example><code>
/// var loss = model.Forward(x) ... ;
/// scaler.Scale(loss).Backward();
/// scaler.Step(optimizer);   // unscales, skips on overflow
/// scaler.Update();
/// optimizer.ZeroGrad();
/// </code></example>
public sealed class GradScaler
{
    private readonly Dictionary<Optimizer, bool> _foundInf = new(ReferenceEqualityComparer.Instance); // per optimizer unscaled this iteration
    private readonly HashSet<Optimizer> _stepped = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates a scaler (PyTorch's defaults: 2^16, ×2 every 2000 good steps, ×0.5 on overflow).</summary>
    public GradScaler(double initScale = 65536.0, double growthFactor = 2.0, double backoffFactor = 0.5, int growthInterval = 2000, bool enabled = true)
    {
        if (!(initScale > 0) || !double.IsFinite(initScale)) throw new ArgumentException($"GradScaler: initScale must be positive and finite, got {initScale}.");
        if (!(growthFactor > 1)) throw new ArgumentException($"GradScaler: growthFactor must be > 1, got {growthFactor}.");
        if (!(backoffFactor > 0 && backoffFactor < 1)) throw new ArgumentException($"GradScaler: backoffFactor must be in (0, 1), got {backoffFactor}.");
        if (growthInterval <= 0) throw new ArgumentException($"GradScaler: growthInterval must be positive, got {growthInterval}.");
        ScaleValue = initScale;
        GrowthFactor = growthFactor;
        BackoffFactor = backoffFactor;
        GrowthInterval = growthInterval;
        Enabled = enabled;
    }

    /// <summary>When false every method passes through (no scaling, plain optimizer steps).</summary>
    public bool Enabled { get; }

    /// <summary>The current loss scale.</summary>
    public double ScaleValue { get; private set; }

    /// <summary>Factor applied to the scale after <see cref="GrowthInterval"/> steps without overflow.</summary>
    public double GrowthFactor { get; private set; }

    /// <summary>Factor applied to the scale after a step with an overflow.</summary>
    public double BackoffFactor { get; private set; }

    /// <summary>Good steps in a row needed before the scale grows.</summary>
    public int GrowthInterval { get; private set; }

    /// <summary>Good steps since the scale last changed.</summary>
    public int GrowthTracker { get; private set; }

    /// <summary>Number of steps skipped because of inf/NaN gradients since creation.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>
    /// The loss times the current scale, recorded by autograd (call <c>Backward()</c> on the result). A half-precision
    /// loss is scaled in F32, as PyTorch's F32 scale tensor promotes it; the gradient flowing back into the F16
    /// graph is where overflow shows up.
    /// </summary>
    public Tensor Scale(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (!loss.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"GradScaler.Scale: the loss must be floating, got {loss.DType.Name()} with shape {loss.Shape}.");
        if (!Enabled) return loss.Mul(1.0);
        if (loss.DType is DType.F16 or DType.BF16)
        {
            using var wide = loss.To(DType.F32);
            return wide.Mul(ScaleValue);
        }
        return loss.Mul(ScaleValue);
    }

    /// <summary>
    /// Divides the gradients of <paramref name="optimizer"/>'s parameters by the scale in place and records
    /// whether any is inf/NaN. Call it before clipping gradients; at most once per optimizer between updates.
    /// </summary>
    public void Unscale(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!Enabled) return;
        if (_foundInf.ContainsKey(optimizer))
            throw new InvalidOperationException("GradScaler.Unscale: already called for this optimizer since the last Update().");
        if (_stepped.Contains(optimizer))
            throw new InvalidOperationException("GradScaler.Unscale: must come before Step() for this optimizer in an iteration.");
        double inv = 1.0 / ScaleValue;
        bool found = false;
        using var noGrad = Tensor.NoGrad();
        foreach (var p in optimizer.ParamGroups.SelectMany(g => g.Parameters))
        {
            if (p.Grad is not { } grad) continue;
            using var scope = Tensor.NewScope();
            if (!found && !AllFinite(grad)) found = true;
            grad.MulInPlace(inv);
        }
        _foundInf[optimizer] = found;
    }

    /// <summary>True when every element of <paramref name="t"/> is finite (an inf or NaN makes x·0 NaN, and NaN survives the sum).</summary>
    internal static bool AllFinite(Tensor t)
    {
        using var scope = Tensor.NewScope();
        using var noGrad = Tensor.NoGrad();
        var zeroed = t.DType == DType.F64 ? t.Mul(0.0) : t.To(DType.F32).Mul(0.0);
        return double.IsFinite(zeroed.Sum().ItemAsDouble());
    }

    /// <summary>
    /// Unscales (unless <see cref="Unscale"/> already did) and runs <paramref name="optimizer"/>'s step unless a
    /// gradient was inf/NaN. Returns true when the step ran.
    /// </summary>
    public bool Step(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!Enabled)
        {
            optimizer.Step();
            return true;
        }
        if (_stepped.Contains(optimizer))
            throw new InvalidOperationException("GradScaler.Step: already called for this optimizer since the last Update().");
        if (!_foundInf.ContainsKey(optimizer)) Unscale(optimizer);
        _stepped.Add(optimizer);
        if (_foundInf[optimizer])
        {
            SkippedSteps++;
            return false;
        }
        optimizer.Step();
        return true;
    }

    /// <summary>
    /// Adjusts the scale after the iteration's steps: × backoff if any unscaled optimizer saw inf/NaN (and the
    /// good-step count restarts), else × growth once <see cref="GrowthInterval"/> good steps are reached.
    /// <paramref name="newScale"/> sets the scale directly instead.
    /// </summary>
    public void Update(double? newScale = null)
    {
        if (!Enabled) return;
        if (newScale is { } s)
        {
            if (!(s > 0) || !double.IsFinite(s)) throw new ArgumentException($"GradScaler.Update: newScale must be positive and finite, got {s}.");
            ScaleValue = s;
        }
        else
        {
            if (_foundInf.Count == 0)
                throw new InvalidOperationException("GradScaler.Update: no optimizer was unscaled or stepped since the last Update().");
            if (_foundInf.Values.Any(f => f))
            {
                ScaleValue *= BackoffFactor;
                GrowthTracker = 0;
            }
            else if (GrowthTracker + 1 == GrowthInterval)
            {
                double grown = ScaleValue * GrowthFactor;
                if (double.IsFinite(grown)) ScaleValue = grown;
                GrowthTracker = 0;
            }
            else GrowthTracker++;
        }
        _foundInf.Clear();
        _stepped.Clear();
    }

    /// <summary>"scale", "growth_factor", "backoff_factor", "growth_interval", "growth_tracker" as 0-d F64 tensors (the caller disposes them).</summary>
    public Dictionary<string, Tensor> StateDict() => new(StringComparer.Ordinal)
    {
        ["scale"] = Scalar(ScaleValue), ["growth_factor"] = Scalar(GrowthFactor), ["backoff_factor"] = Scalar(BackoffFactor),
        ["growth_interval"] = Scalar(GrowthInterval), ["growth_tracker"] = Scalar(GrowthTracker),
    };

    /// <summary>Restores <see cref="StateDict"/>'s values.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        double scale = Read(state, "scale", nameof(GradScaler));
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ModelFormatException($"GradScaler.LoadStateDict: 'scale' must be positive and finite, got {scale}.");
        ScaleValue = scale;
        GrowthFactor = Read(state, "growth_factor", nameof(GradScaler));
        BackoffFactor = Read(state, "backoff_factor", nameof(GradScaler));
        GrowthInterval = checked((int)ReadCount(state, "growth_interval", nameof(GradScaler)));
        GrowthTracker = checked((int)ReadCount(state, "growth_tracker", nameof(GradScaler)));
        _foundInf.Clear();
        _stepped.Clear();
    }
}
