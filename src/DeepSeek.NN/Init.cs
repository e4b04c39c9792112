namespace DeepSeek.NN;

/// <summary>The activation that follows a layer, for <see cref="Init.CalculateGain"/> (torch.nn.init.calculate_gain).</summary>
public enum Nonlinearity
{
    /// <summary>Identity: gain 1.</summary>
    Linear,
    /// <summary>Convolution without activation: gain 1.</summary>
    Conv,
    /// <summary>Sigmoid: gain 1.</summary>
    Sigmoid,
    /// <summary>Tanh: gain 5/3.</summary>
    Tanh,
    /// <summary>ReLU: gain √2.</summary>
    Relu,
    /// <summary>Leaky ReLU with negative slope a: gain √(2/(1 + a²)).</summary>
    LeakyRelu,
    /// <summary>SELU: gain 3/4.</summary>
    Selu,
}

/// <summary>Which fan a Kaiming initialiser preserves: the forward pass's (fan_in) or the backward pass's (fan_out).</summary>
public enum FanMode
{
    /// <summary>Preserve the variance of activations in the forward pass.</summary>
    FanIn,
    /// <summary>Preserve the variance of gradients in the backward pass.</summary>
    FanOut,
}

/// <summary>
/// Weight initialisers with torch.nn.init's formulas (He et al. 2015 for Kaiming, Glorot and Bengio 2010 for Xavier).
/// Each fills the tensor (or <see cref="Parameter"/>) in place without recording a gradient and returns it;
/// randomness comes from <c>generator</c> (default <see cref="Generator.Default"/>), so a seed reproduces the values.
/// </summary>
public static class Init
{
    /// <summary>The recommended gain for <paramref name="nonlinearity"/>; <paramref name="param"/> is the leaky ReLU slope (default 0.01).</summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double? param = null)
    {
        switch (nonlinearity)
        {
            case Nonlinearity.Linear: case Nonlinearity.Conv: case Nonlinearity.Sigmoid: return 1.0;
            case Nonlinearity.Tanh: return 5.0 / 3.0;
            case Nonlinearity.Relu: return Math.Sqrt(2.0);
            case Nonlinearity.Selu: return 0.75;
            case Nonlinearity.LeakyRelu:
                double a = param ?? 0.01;
                if (double.IsNaN(a) || double.IsInfinity(a))
                    throw new ArgumentException($"Init.CalculateGain: negative slope must be finite, got {a}.", nameof(param));
                return Math.Sqrt(2.0 / (1 + a * a));
            default: throw new ArgumentException($"Init.CalculateGain: unknown nonlinearity {nonlinearity}.", nameof(nonlinearity));
        }
    }

    /// <summary>
    /// (fan_in, fan_out) of a weight shaped [out, in, k…] like torch: fan_in = size(1)·∏k, fan_out = size(0)·∏k.
    /// For a grouped convolution the weight is [out, in/groups, kh, kw], so fan_in is in/groups·kh·kw.
    /// </summary>
    public static (long FanIn, long FanOut) CalculateFans(Shape shape)
    {
        if (shape.Rank < 2)
            throw new ShapeMismatchException($"Init: fan in and fan out need a tensor with at least 2 dims, got shape {shape}.");
        long receptive = 1;
        for (int i = 2; i < shape.Rank; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>Fills with samples from U(low, high).</summary>
    public static Tensor Uniform(Tensor tensor, double low = 0, double high = 1, Generator? generator = null)
    {
        Check("Uniform", tensor);
        if (!(low <= high) || double.IsInfinity(low) || double.IsInfinity(high))
            throw new ArgumentException($"Init.Uniform: need finite low ≤ high, got low={low}, high={high}.");
        using var r = Tensor.Rand(tensor.Shape, generator, low, high, tensor.DType, tensor.Device);
        return Write(tensor, r);
    }

    /// <summary>Fills with samples from N(mean, std²).</summary>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        Check("Normal", tensor);
        if (!(std >= 0) || double.IsInfinity(std) || !double.IsFinite(mean))
            throw new ArgumentException($"Init.Normal: need finite mean and std ≥ 0, got mean={mean}, std={std}.");
        using var r = Tensor.RandN(tensor.Shape, generator, mean, std, tensor.DType, tensor.Device);
        return Write(tensor, r);
    }

    /// <summary>Fills with <paramref name="value"/>.</summary>
    public static Tensor Constant(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.CheckAliveForInit("Constant");
        using var r = Tensor.Full(tensor.Shape, value, tensor.DType, tensor.Device);
        return Write(tensor, r);
    }

    /// <summary>Fills with zeros.</summary>
    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0);

    /// <summary>Fills with ones.</summary>
    public static Tensor Ones(Tensor tensor) => Constant(tensor, 1);

    /// <summary>Xavier/Glorot uniform: U(−b, b) with b = gain·√(6/(fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        Check("XavierUniform", tensor);
        var (fi, fo) = CalculateFans(tensor.Shape);
        double bound = gain * Math.Sqrt(6.0 / Math.Max(1, fi + fo));
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Xavier/Glorot normal: N(0, std²) with std = gain·√(2/(fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        Check("XavierNormal", tensor);
        var (fi, fo) = CalculateFans(tensor.Shape);
        return Normal(tensor, 0, gain * Math.Sqrt(2.0 / Math.Max(1, fi + fo)), generator);
    }

    /// <summary>
    /// Kaiming/He uniform: U(−b, b) with b = gain·√(3/fan), gain from <paramref name="nonlinearity"/> and slope
    /// <paramref name="a"/> (torch's defaults: a = 0, fan_in, leaky_relu → gain √2).
    /// </summary>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        Check("KaimingUniform", tensor);
        double std = KaimingStd(tensor, a, mode, nonlinearity);
        double bound = Math.Sqrt(3.0) * std;
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Kaiming/He normal: N(0, std²) with std = gain/√fan.</summary>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        Check("KaimingNormal", tensor);
        return Normal(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity), generator);
    }

    private static double KaimingStd(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity)
    {
        var (fi, fo) = CalculateFans(tensor.Shape);
        long fan = mode == FanMode.FanIn ? fi : fo;
        if (fan == 0)
            throw new ShapeMismatchException($"Init.Kaiming: cannot initialise a tensor of shape {tensor.Shape} with zero {mode}.");
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }

    private static void Check(string op, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.CheckAliveForInit(op);
        if (!tensor.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"Init.{op}: needs a floating tensor, got {tensor.DType.Name()} with shape {tensor.Shape}.");
    }

    private static void CheckAliveForInit(this Tensor t, string op)
    {
        if (t.IsDisposed) throw new TensorDisposedException($"Init.{op}: the tensor was disposed.");
    }

    private static Tensor Write(Tensor tensor, Tensor values)
    {
        using var noGrad = Tensor.NoGrad();
        tensor.CopyFrom(values);
        return tensor;
    }
}
