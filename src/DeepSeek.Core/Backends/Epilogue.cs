// What a convolution or GEMM kernel does to its output tile while the tile is still in cache (oneDNN "post-ops",
// cuBLASLt epilogues): y = act(acc + bias + residual). The activation formulas are ONNX's (operator docs for Relu, Clip,
// LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Gelu) plus SiLU = x·sigmoid(x) (Elfwing et al. 2018).
namespace DeepSeek.Backends;

/// <summary>The activation an <see cref="Epilogue"/> applies last.</summary>
public enum EpilogueActivation
{
    /// <summary>Identity.</summary>
    None,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>min(max(x, Alpha), Beta): Alpha = min, Beta = max (Relu6 is Clip(0, 6)).</summary>
    Clip,
    /// <summary>x for x ≥ 0, Alpha·x otherwise.</summary>
    LeakyRelu,
    /// <summary>1 / (1 + e^−x).</summary>
    Sigmoid,
    /// <summary>max(0, min(1, Alpha·x + Beta)).</summary>
    HardSigmoid,
    /// <summary>x · max(0, min(1, x/6 + 1/2)).</summary>
    HardSwish,
    /// <summary>x · sigmoid(x) (also called Swish).</summary>
    Silu,
    /// <summary>tanh(x).</summary>
    Tanh,
    /// <summary>x/2 · (1 + erf(x/√2)).</summary>
    Gelu,
    /// <summary>x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    GeluTanh,
}

/// <summary>
/// Post-processing fused into a convolution or GEMM kernel: the kernel adds its bias (a separate argument), then
/// <see cref="Residual"/> (a tensor of the output's shape, any strides), then applies <see cref="Activation"/> with
/// parameters <see cref="Alpha"/> / <see cref="Beta"/>: y = act(acc + bias + residual).
/// </summary>
/// <param name="Activation">The activation applied last.</param>
/// <param name="Alpha">First activation parameter (Clip min, LeakyRelu and HardSigmoid alpha).</param>
/// <param name="Beta">Second activation parameter (Clip max, HardSigmoid beta).</param>
/// <param name="Residual">Optional tensor added before the activation; same shape and dtype as the output.</param>
public readonly record struct Epilogue(EpilogueActivation Activation = EpilogueActivation.None, float Alpha = 0, float Beta = 0,
    Tensor? Residual = null)
{
    /// <summary>Nothing to do beyond the bias.</summary>
    public static Epilogue None => default;

    /// <summary>ReLU.</summary>
    public static Epilogue Relu => new(EpilogueActivation.Relu);

    /// <summary>Clamp to [<paramref name="min"/>, <paramref name="max"/>] (Relu6 = Clip(0, 6)).</summary>
    public static Epilogue Clip(float min, float max) => new(EpilogueActivation.Clip, min, max);

    /// <summary>Leaky ReLU with negative slope <paramref name="alpha"/> (ONNX default 0.01).</summary>
    public static Epilogue LeakyRelu(float alpha = 0.01f) => new(EpilogueActivation.LeakyRelu, alpha);

    /// <summary>Logistic sigmoid.</summary>
    public static Epilogue Sigmoid => new(EpilogueActivation.Sigmoid);

    /// <summary>Hard sigmoid max(0, min(1, alpha·x + beta)) (ONNX defaults 0.2, 0.5).</summary>
    public static Epilogue HardSigmoid(float alpha = 0.2f, float beta = 0.5f) => new(EpilogueActivation.HardSigmoid, alpha, beta);

    /// <summary>Hard swish x·HardSigmoid(x) with alpha = 1/6, beta = 1/2 (MobileNetV3).</summary>
    public static Epilogue HardSwish => new(EpilogueActivation.HardSwish);

    /// <summary>SiLU / Swish x·sigmoid(x).</summary>
    public static Epilogue Silu => new(EpilogueActivation.Silu);

    /// <summary>Hyperbolic tangent.</summary>
    public static Epilogue Tanh => new(EpilogueActivation.Tanh);

    /// <summary>Exact (erf) GELU.</summary>
    public static Epilogue Gelu => new(EpilogueActivation.Gelu);

    /// <summary>tanh-approximated GELU.</summary>
    public static Epilogue GeluTanh => new(EpilogueActivation.GeluTanh);

    /// <summary>This epilogue with <paramref name="residual"/> added before the activation.</summary>
    public Epilogue WithResidual(Tensor? residual) => this with { Residual = residual };

    /// <summary>True when there is no residual and no activation.</summary>
    public bool IsIdentity => Activation == EpilogueActivation.None && Residual is null;

    /// <summary>
    /// The activation of one value in double precision: the reference the vectorised kernels are tested against
    /// (NaN propagates through every activation).
    /// </summary>
    public double Activate(double x) => Activation switch
    {
        EpilogueActivation.None => x,
        EpilogueActivation.Relu => double.IsNaN(x) ? x : Math.Max(x, 0),
        EpilogueActivation.Clip => double.IsNaN(x) ? x : Math.Min(Math.Max(x, Alpha), Beta),
        EpilogueActivation.LeakyRelu => x >= 0 ? x : Alpha * x,
        EpilogueActivation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        EpilogueActivation.HardSigmoid => double.IsNaN(x) ? x : Math.Max(0, Math.Min(1, Alpha * x + Beta)),
        EpilogueActivation.HardSwish => double.IsNaN(x) ? x : x * Math.Max(0, Math.Min(1, x / 6 + 0.5)),
        EpilogueActivation.Silu => x / (1 + Math.Exp(-x)),
        EpilogueActivation.Tanh => Math.Tanh(x),
        EpilogueActivation.Gelu => 0.5 * x * Cpu.Elementwise.ErfMath.Erfc(-x / Math.Sqrt(2)),
        EpilogueActivation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        _ => throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "unknown epilogue activation"),
    };

    /// <inheritdoc/>
    public override string ToString() => Activation switch
    {
        EpilogueActivation.Clip => $"Clip({Alpha}, {Beta})",
        EpilogueActivation.LeakyRelu => $"LeakyRelu({Alpha})",
        EpilogueActivation.HardSigmoid => $"HardSigmoid({Alpha}, {Beta})",
        _ => Activation.ToString(),
    } + (Residual is null ? "" : $" + residual{Residual.Shape}");
}
