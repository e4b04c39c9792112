namespace DeepSeek.NN;

/// <summary>max(x, 0) (torch.nn.ReLU).</summary>
public sealed class ReLU : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.Relu();
}

/// <summary>x for x ≥ 0, slope·x otherwise (torch.nn.LeakyReLU, default slope 0.01).</summary>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module<Tensor, Tensor>
{
    /// <summary>Slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.LeakyRelu(NegativeSlope);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"negative_slope={NegativeSlope}";
}

/// <summary>Gaussian error linear unit, exact or tanh-approximated (torch.nn.GELU).</summary>
public sealed class GELU(GeluApproximation approximate = GeluApproximation.None) : Module<Tensor, Tensor>
{
    /// <summary>Which formula is used.</summary>
    public GeluApproximation Approximate { get; } = approximate;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.Gelu(Approximate);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"approximate='{(Approximate == GeluApproximation.Tanh ? "tanh" : "none")}'";
}

/// <summary>x·σ(x) (torch.nn.SiLU).</summary>
public sealed class SiLU : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.Silu();
}

/// <summary>tanh(x) (torch.nn.Tanh).</summary>
public sealed class Tanh : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.Tanh();
}

/// <summary>1/(1 + e^−x) (torch.nn.Sigmoid).</summary>
public sealed class Sigmoid : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.Sigmoid();
}

/// <summary>x·relu6(x + 3)/6 (torch.nn.Hardswish).</summary>
public sealed class Hardswish : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.HardSwish();
}

/// <summary>relu6(x + 3)/6 (torch.nn.Hardsigmoid).</summary>
public sealed class Hardsigmoid : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.HardSigmoid();
}

/// <summary>Softmax along <see cref="Dim"/> (torch.nn.Softmax).</summary>
public sealed class Softmax(int dim) : Module<Tensor, Tensor>
{
    /// <summary>The normalised dimension.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.Softmax(Dim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Log-softmax along <see cref="Dim"/> (torch.nn.LogSoftmax).</summary>
public sealed class LogSoftmax(int dim) : Module<Tensor, Tensor>
{
    /// <summary>The normalised dimension.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.LogSoftmax(Dim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Returns its input (torch.nn.Identity); a placeholder where an architecture has an optional layer.</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input;
}

/// <summary>Flattens dims <see cref="StartDim"/>..<see cref="EndDim"/> into one (torch.nn.Flatten; defaults 1 and −1 keep the batch dim).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module<Tensor, Tensor>
{
    /// <summary>First flattened dim.</summary>
    public int StartDim { get; } = startDim;

    /// <summary>Last flattened dim.</summary>
    public int EndDim { get; } = endDim;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.Flatten(StartDim, EndDim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}

/// <summary>Inverted dropout (torch.nn.Dropout): active only in training mode; see <see cref="F.Dropout"/>.</summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer; <paramref name="generator"/> seeds the masks (default <see cref="Generator.Default"/>).</summary>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        F.CheckProbability("Dropout", p);
        P = p;
        _generator = generator;
    }

    /// <summary>Probability of zeroing an element.</summary>
    public double P { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => F.Dropout(input, P, Training, _generator);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"p={P}";
}
