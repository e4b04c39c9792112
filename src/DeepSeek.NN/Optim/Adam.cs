namespace DeepSeek.NN.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba, 2015) with PyTorch's update: g += wd·p (L2, coupled); m = β₁m + (1 − β₁)g;
/// v = β₂v + (1 − β₂)g²; v̂ = amsgrad ? max(v̂, v) : v; p ← p − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε).
/// </summary>
public class Adam : Optimizer
{
    private readonly bool _decoupled;

    /// <summary>Creates the optimizer over one group of <paramref name="parameters"/>; betas default to (0.9, 0.999).</summary>
    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(OneGroup(parameters), lr, betas, eps, weightDecay, amsgrad) { }

    /// <summary>Creates the optimizer over parameter groups; options a group lacks take these values.</summary>
    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(groups, lr, betas, eps, weightDecay, amsgrad, decoupled: false) { }

    private protected Adam(IEnumerable<ParamGroup> groups, double lr, (double Beta1, double Beta2)? betas, double eps, double weightDecay, bool amsgrad, bool decoupled)
        : base(groups, MakeDefaults(lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad))
    {
        _decoupled = decoupled;
    }

    private static Dictionary<string, double> MakeDefaults(double lr, (double B1, double B2) betas, double eps, double wd, bool amsgrad) => new()
    {
        ["lr"] = lr, ["beta1"] = betas.B1, ["beta2"] = betas.B2, ["eps"] = eps,
        ["weight_decay"] = wd, ["amsgrad"] = amsgrad ? 1 : 0,
    };

    /// <inheritdoc/>
    protected override bool TracksStep => true;

    /// <inheritdoc/>
    protected override void ValidateGroup(ParamGroup group, int index)
    {
        base.ValidateGroup(group, index);
        if (!(group["eps"] >= 0)) throw new ArgumentException($"{Name}: invalid eps {group["eps"]} in group {index} (must be ≥ 0).");
        for (int b = 1; b <= 2; b++)
        {
            double beta = group["beta" + b];
            if (!(beta >= 0 && beta < 1)) throw new ArgumentException($"{Name}: invalid beta{b} {beta} in group {index} (must be in [0, 1)).");
        }
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        double lr = group.Lr, wd = group.WeightDecay, beta1 = group["beta1"], beta2 = group["beta2"], eps = group["eps"];
        long step = ++state.Step;
        if (_decoupled) { if (wd != 0) param.MulInPlace(1 - lr * wd); }
        else if (wd != 0) grad = grad.Add(param, wd);

        var expAvg = state.GetOrCreate("exp_avg", () => Tensor.ZerosLike(param));
        var expAvgSq = state.GetOrCreate("exp_avg_sq", () => Tensor.ZerosLike(param));
        expAvg.MulInPlace(beta1).AddInPlace(grad, 1 - beta1);
        expAvgSq.MulInPlace(beta2).AddInPlace(grad.Square(), 1 - beta2);

        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step));
        var second = expAvgSq;
        if (group.Flag("amsgrad"))
        {
            var maxSq = state.GetOrCreate("max_exp_avg_sq", () => Tensor.ZerosLike(param));
            maxSq.CopyFrom(maxSq.Maximum(expAvgSq));
            second = maxSq;
        }
        var denom = second.Sqrt().Div(biasCorrection2Sqrt).Add(eps);
        param.AddInPlace(expAvg.Div(denom), -lr / biasCorrection1);
    }
}
