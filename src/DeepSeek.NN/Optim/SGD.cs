namespace DeepSeek.NN.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay,
/// with PyTorch's update: d = g + wd·p; b = d (first step) else μ·b + (1 − τ)·d; d = nesterov ? d + μ·b : b;
/// p ← p − lr·d.
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>Creates the optimizer over one group of <paramref name="parameters"/>.</summary>
    public SGD(IEnumerable<Parameter> parameters, double lr = 1e-3, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : this(OneGroup(parameters), lr, momentum, dampening, weightDecay, nesterov) { }

    /// <summary>Creates the optimizer over parameter groups; options a group lacks take these values.</summary>
    public SGD(IEnumerable<ParamGroup> groups, double lr = 1e-3, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(groups, new Dictionary<string, double>
        {
            ["lr"] = lr, ["momentum"] = momentum, ["dampening"] = dampening,
            ["weight_decay"] = weightDecay, ["nesterov"] = nesterov ? 1 : 0,
        })
    { }

    /// <inheritdoc/>
    protected override void ValidateGroup(ParamGroup group, int index)
    {
        base.ValidateGroup(group, index);
        if (!(group["momentum"] >= 0)) throw new ArgumentException($"SGD: invalid momentum {group["momentum"]} in group {index} (must be ≥ 0).");
        if (group.Flag("nesterov") && (group["momentum"] <= 0 || group["dampening"] != 0))
            throw new ArgumentException($"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum {group["momentum"]} and dampening {group["dampening"]} in group {index}.");
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        double lr = group.Lr, wd = group.WeightDecay, momentum = group["momentum"], dampening = group["dampening"];
        var d = wd != 0 ? grad.Add(param, wd) : grad;
        if (momentum != 0)
        {
            var buf = state.Get("momentum_buffer");
            if (buf is null) state.Set("momentum_buffer", buf = d.Clone());
            else buf.MulInPlace(momentum).AddInPlace(d, 1 - dampening);
            d = group.Flag("nesterov") ? d.Add(buf, momentum) : buf;
        }
        param.AddInPlace(d, -lr);
    }
}
