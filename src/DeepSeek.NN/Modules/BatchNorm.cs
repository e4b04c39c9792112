namespace DeepSeek.NN;

/// <summary>
/// Batch normalization over the channel dim (torch.nn.BatchNorm*d). Parameters weight/bias [C] (ones/zeros) when affine;
/// buffers running_mean (zeros), running_var (ones) and num_batches_tracked (i64 scalar) when tracking running stats.
/// Training normalises with batch statistics and updates the running ones (momentum, or a cumulative average when
/// momentum is null); evaluation uses the running statistics.
/// </summary>
public abstract class BatchNormBase : Module<Tensor, Tensor>
{
    private readonly int[] _ranks;

    /// <summary>Creates the layer for inputs of the given ranks.</summary>
    protected BatchNormBase(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, DType dtype, params int[] ranks)
    {
        if (numFeatures <= 0) throw new ArgumentException($"{TypeName}: numFeatures must be positive, got {numFeatures}.", nameof(numFeatures));
        if (!(eps >= 0)) throw new ArgumentException($"{TypeName}: eps must be non-negative, got {eps}.", nameof(eps));
        if (momentum is double m && !(m >= 0 && m <= 1)) throw new ArgumentException($"{TypeName}: momentum must be in [0, 1] or null, got {m}.", nameof(momentum));
        _ranks = ranks;
        (NumFeatures, Eps, Momentum, Affine, TrackRunningStats) = (numFeatures, eps, momentum, affine, trackRunningStats);
        Weight = RegisterParameter("weight", affine ? new Parameter(Tensor.Ones(new Shape(numFeatures), dtype)) : null);
        Bias = RegisterParameter("bias", affine ? new Parameter(Tensor.Zeros(new Shape(numFeatures), dtype)) : null);
        RegisterBuffer("running_mean", trackRunningStats ? Tensor.Zeros(new Shape(numFeatures), dtype) : null);
        RegisterBuffer("running_var", trackRunningStats ? Tensor.Ones(new Shape(numFeatures), dtype) : null);
        RegisterBuffer("num_batches_tracked", trackRunningStats ? Tensor.Scalar(0, DType.I64) : null);
    }

    /// <summary>Channels C.</summary>
    public int NumFeatures { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public double Eps { get; }
    /// <summary>Running-statistics update factor; null means a cumulative moving average.</summary>
    public double? Momentum { get; }
    /// <summary>Whether weight and bias exist.</summary>
    public bool Affine { get; }
    /// <summary>Whether running statistics are kept.</summary>
    public bool TrackRunningStats { get; }
    /// <summary>[C] scale, or null.</summary>
    public Parameter? Weight { get; }
    /// <summary>[C] shift, or null.</summary>
    public Parameter? Bias { get; }
    /// <summary>[C] running mean, or null.</summary>
    public Tensor? RunningMean => Buffer("running_mean");
    /// <summary>[C] running (unbiased) variance, or null.</summary>
    public Tensor? RunningVar => Buffer("running_var");
    /// <summary>Number of training batches seen (i64 scalar), or null.</summary>
    public Tensor? NumBatchesTracked => Buffer("num_batches_tracked");

    private Tensor? Buffer(string name) => NamedBuffers(false).Where(b => b.Name == name).Select(b => b.Buffer).FirstOrDefault();

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!_ranks.Contains(input.Rank) || input.Size(1) != NumFeatures)
            throw new ShapeMismatchException($"{TypeName}: expected input of rank {string.Join(" or ", _ranks)} with {NumFeatures} channels in dim 1, got shape {input.Shape}.");
        double momentum = Momentum ?? 0;
        var rm = RunningMean;
        var rv = RunningVar;
        if (Training && TrackRunningStats)
        {
            var nbt = NumBatchesTracked!;
            using (Tensor.NoGrad()) nbt.AddInPlace(1);
            if (Momentum is null) momentum = 1.0 / nbt.ItemAsDouble();
        }
        bool useBatchStats = Training || rm is null;
        bool passStats = !Training || TrackRunningStats;
        return input.BatchNorm(passStats ? rm : null, passStats ? rv : null, Weight?.Data, Bias?.Data, useBatchStats, momentum, Eps);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={Eps}, momentum={(Momentum is double m ? m.ToString(System.Globalization.CultureInfo.InvariantCulture) : "None")}, affine={Affine}, track_running_stats={TrackRunningStats}";
}

/// <summary>Batch normalization over [N, C] or [N, C, L] (torch.nn.BatchNorm1d).</summary>
public sealed class BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
    bool trackRunningStats = true, DType dtype = DType.F32)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats, dtype, 2, 3);

/// <summary>Batch normalization over [N, C, H, W] (torch.nn.BatchNorm2d).</summary>
public sealed class BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
    bool trackRunningStats = true, DType dtype = DType.F32)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats, dtype, 4);
