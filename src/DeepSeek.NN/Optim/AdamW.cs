namespace DeepSeek.NN.Optim;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, 2019): Adam with decoupled weight decay, PyTorch's update p ← p·(1 − lr·wd)
/// applied before the Adam step (which then uses the raw gradient). Weight decay defaults to 0.01.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer over one group of <paramref name="parameters"/>; betas default to (0.9, 0.999).</summary>
    public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8, double weightDecay = 0.01, bool amsgrad = false)
        : this(OneGroup(parameters), lr, betas, eps, weightDecay, amsgrad) { }

    /// <summary>Creates the optimizer over parameter groups; options a group lacks take these values.</summary>
    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8, double weightDecay = 0.01, bool amsgrad = false)
        : base(groups, lr, betas, eps, weightDecay, amsgrad, decoupled: true) { }
}
