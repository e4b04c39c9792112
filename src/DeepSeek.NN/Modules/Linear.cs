namespace DeepSeek.NN;

/// <summary>y = x·Wᵀ + b over the last dimension. W is [out, in], initialised like PyTorch (uniform ±1/√in).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer; <paramref name="generator"/> seeds the initial weights (default: <see cref="Generator.Default"/>).</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null, DType dtype = DType.F32)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"Linear: features must be positive, got in={inFeatures}, out={outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        double bound = 1.0 / Math.Sqrt(inFeatures);
        var g = generator ?? Generator.Default;
        Weight = RegisterParameter("weight", Tensor.Rand(new Shape(outFeatures, inFeatures), g, -bound, bound, dtype));
        Bias = RegisterParameter("bias", bias ? new Parameter(Tensor.Rand(new Shape(outFeatures), g, -bound, bound, dtype)) : null);
    }

    /// <summary>Input size.</summary>
    public int InFeatures { get; }

    /// <summary>Output size.</summary>
    public int OutFeatures { get; }

    /// <summary>[out, in] weight.</summary>
    public Parameter Weight { get; }

    /// <summary>[out] bias, or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        if (input.Shape[-1] != InFeatures)
            throw new ShapeMismatchException($"Linear: input of shape {input.Shape} has {input.Shape[-1]} features in its last dim, expected {InFeatures}.");
        var y = input.MatMul(Weight.Data.T);
        return Bias is null ? y : y + Bias;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={Bias is not null}";
}
