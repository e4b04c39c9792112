namespace DeepSeek.NN;

/// <summary>Layer normalization over the trailing <see cref="NormalizedShape"/> dims (torch.nn.LayerNorm): weight ones, bias zeros.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    private readonly int[] _shape;

    /// <summary>Normalises over the last dim of size <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.F32)
        : this([normalizedShape], eps, elementwiseAffine, bias, dtype) { }

    /// <summary>Normalises over the trailing dims <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.F32)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d <= 0))
            throw new ArgumentException($"LayerNorm: normalizedShape must be non-empty with positive sizes, got [{string.Join(", ", normalizedShape)}].", nameof(normalizedShape));
        if (!(eps >= 0)) throw new ArgumentException($"LayerNorm: eps must be non-negative, got {eps}.", nameof(eps));
        _shape = (int[])normalizedShape.Clone();
        Eps = eps;
        var s = new Shape(_shape);
        Weight = RegisterParameter("weight", elementwiseAffine ? new Parameter(Tensor.Ones(s, dtype)) : null);
        Bias = RegisterParameter("bias", elementwiseAffine && bias ? new Parameter(Tensor.Zeros(s, dtype)) : null);
    }

    /// <summary>The normalised trailing dims.</summary>
    public IReadOnlyList<int> NormalizedShape => _shape;
    /// <summary>Added to the variance before the square root.</summary>
    public double Eps { get; }
    /// <summary>Scale shaped like <see cref="NormalizedShape"/>, or null.</summary>
    public Parameter? Weight { get; }
    /// <summary>Shift shaped like <see cref="NormalizedShape"/>, or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.LayerNorm(_shape, Weight?.Data, Bias?.Data, Eps);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"({string.Join(", ", _shape)},), eps={Eps}, elementwise_affine={Weight is not null}";
}

/// <summary>Group normalization over [N, C, …] (torch.nn.GroupNorm): per-channel weight ones, bias zeros.</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer; <paramref name="numChannels"/> must be divisible by <paramref name="numGroups"/>.</summary>
    public GroupNorm(int numGroups, int numChannels, double eps = 1e-5, bool affine = true, DType dtype = DType.F32)
    {
        if (numGroups <= 0 || numChannels <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm: numChannels ({numChannels}) must be a positive multiple of numGroups ({numGroups}).");
        if (!(eps >= 0)) throw new ArgumentException($"GroupNorm: eps must be non-negative, got {eps}.", nameof(eps));
        (NumGroups, NumChannels, Eps) = (numGroups, numChannels, eps);
        Weight = RegisterParameter("weight", affine ? new Parameter(Tensor.Ones(new Shape(numChannels), dtype)) : null);
        Bias = RegisterParameter("bias", affine ? new Parameter(Tensor.Zeros(new Shape(numChannels), dtype)) : null);
    }

    /// <summary>Number of channel groups.</summary>
    public int NumGroups { get; }
    /// <summary>Channels C.</summary>
    public int NumChannels { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public double Eps { get; }
    /// <summary>[C] scale, or null.</summary>
    public Parameter? Weight { get; }
    /// <summary>[C] shift, or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2 || input.Size(1) != NumChannels)
            throw new ShapeMismatchException($"GroupNorm: expected input [N, {NumChannels}, ...], got shape {input.Shape}.");
        return input.GroupNorm(NumGroups, Weight?.Data, Bias?.Data, Eps);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumGroups}, {NumChannels}, eps={Eps}, affine={Weight is not null}";
}
