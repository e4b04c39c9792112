// MobileNetV3 building blocks (Howard et al. 2019, "Searching for MobileNetV3"; Hu et al. 2018 for squeeze-excitation)
// with torchvision's names (torchvision.ops.Conv2dNormActivation, SqueezeExcitation, models.mobilenetv3.InvertedResidual).
using DeepSeek.NN;

namespace DeepSeek.Models.Vision;

/// <summary>Which activation a MobileNetV3 layer uses.</summary>
public enum MobileNetActivation
{
    /// <summary>No activation (the projection conv).</summary>
    None,
    /// <summary>ReLU ("RE" in the paper's tables).</summary>
    ReLU,
    /// <summary>Hard-swish ("HS").</summary>
    Hardswish,
}

/// <summary>
/// Conv2d (no bias) → BatchNorm2d(eps 0.001, momentum 0.01) → optional activation, registered as children "0", "1", "2"
/// like torchvision's Conv2dNormActivation (a Sequential); padding is (k − 1)/2·dilation.
/// </summary>
public sealed class Conv2dNormActivation : Module<Tensor, Tensor>
{
    private readonly Conv2d _conv;
    private readonly BatchNorm2d _norm;
    private readonly Module<Tensor, Tensor>? _activation;

    /// <summary>Creates the layer.</summary>
    public Conv2dNormActivation(int inChannels, int outChannels, int kernelSize, int stride = 1, int groups = 1, int dilation = 1,
        MobileNetActivation activation = MobileNetActivation.ReLU, Generator? generator = null, DType dtype = DType.F32)
    {
        int pad = (kernelSize - 1) / 2 * dilation;
        _conv = RegisterModule("0", new Conv2d(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (pad, pad),
            (dilation, dilation), groups, bias: false, generator: generator, dtype: dtype));
        _norm = RegisterModule("1", new BatchNorm2d(outChannels, eps: 0.001, momentum: 0.01, dtype: dtype));
        _activation = activation switch
        {
            MobileNetActivation.ReLU => RegisterModule<Module<Tensor, Tensor>>("2", new ReLU()),
            MobileNetActivation.Hardswish => RegisterModule<Module<Tensor, Tensor>>("2", new Hardswish()),
            _ => null,
        };
    }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        var y = _norm.Forward(_conv.Forward(input));
        return _activation is null ? y : _activation.Forward(y);
    }
}

/// <summary>
/// Squeeze-and-excitation with 1×1 convolutions (torchvision SqueezeExcitation): x · hardsigmoid(fc2(relu(fc1(avgpool(x))))),
/// children avgpool, fc1, fc2, activation, scale_activation.
/// </summary>
public sealed class SqueezeExcitation : Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Conv2d _fc1, _fc2;
    private readonly ReLU _activation;
    private readonly Hardsigmoid _scaleActivation;

    /// <summary>Creates the layer.</summary>
    public SqueezeExcitation(int inputChannels, int squeezeChannels, Generator? generator = null, DType dtype = DType.F32)
    {
        _avgpool = RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        _fc1 = RegisterModule("fc1", new Conv2d(inputChannels, squeezeChannels, 1, generator: generator, dtype: dtype));
        _fc2 = RegisterModule("fc2", new Conv2d(squeezeChannels, inputChannels, 1, generator: generator, dtype: dtype));
        _activation = RegisterModule("activation", new ReLU());
        _scaleActivation = RegisterModule("scale_activation", new Hardsigmoid());
    }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        var s = _fc1.Forward(_avgpool.Forward(input));
        s = _scaleActivation.Forward(_fc2.Forward(_activation.Forward(s)));
        return input * s;
    }
}

/// <summary>One row of a MobileNetV3 table (torchvision InvertedResidualConfig), channels already scaled by the width multiplier.</summary>
/// <param name="InputChannels">Block input channels.</param>
/// <param name="Kernel">Depthwise kernel size.</param>
/// <param name="ExpandedChannels">Channels after the 1×1 expansion.</param>
/// <param name="OutChannels">Block output channels.</param>
/// <param name="UseSe">Whether a squeeze-excitation layer follows the depthwise conv.</param>
/// <param name="Activation">ReLU or hard-swish.</param>
/// <param name="Stride">Depthwise stride.</param>
/// <param name="Dilation">Depthwise dilation (a dilated block uses stride 1).</param>
public sealed record InvertedResidualConfig(int InputChannels, int Kernel, int ExpandedChannels, int OutChannels, bool UseSe,
    MobileNetActivation Activation, int Stride, int Dilation)
{
    /// <summary>torchvision's _make_divisible: round to the nearest multiple of <paramref name="divisor"/> (at least the divisor), never below 90 % of v.</summary>
    public static int MakeDivisible(double v, int divisor = 8)
    {
        int n = Math.Max(divisor, (int)(v + divisor / 2.0) / divisor * divisor);
        if (n < 0.9 * v) n += divisor;
        return n;
    }

    /// <summary>A table row with channels scaled by <paramref name="widthMult"/> (torchvision's adjust_channels).</summary>
    public static InvertedResidualConfig Scaled(int input, int kernel, int expanded, int output, bool se, bool hardswish, int stride, int dilation, double widthMult) =>
        new(MakeDivisible(input * widthMult), kernel, MakeDivisible(expanded * widthMult), MakeDivisible(output * widthMult), se,
            hardswish ? MobileNetActivation.Hardswish : MobileNetActivation.ReLU, stride, dilation);
}

/// <summary>
/// MobileNetV3 inverted residual (torchvision InvertedResidual): a "block" Sequential of optional 1×1 expansion,
/// k×k depthwise conv, optional squeeze-excitation and a linear 1×1 projection; a skip connection when stride is 1 and
/// the channel count is unchanged.
/// </summary>
public sealed class InvertedResidual : Module<Tensor, Tensor>
{
    private readonly Sequential _block;

    /// <summary>Creates the block from one table row.</summary>
    public InvertedResidual(InvertedResidualConfig cnf, Generator? generator = null, DType dtype = DType.F32)
    {
        ArgumentNullException.ThrowIfNull(cnf);
        if (cnf.Stride is < 1 or > 2) throw new ArgumentException($"InvertedResidual: illegal stride {cnf.Stride} (expected 1 or 2).");
        UseResConnect = cnf.Stride == 1 && cnf.InputChannels == cnf.OutChannels;
        _block = RegisterModule("block", new Sequential());
        if (cnf.ExpandedChannels != cnf.InputChannels)
            _block.Add(new Conv2dNormActivation(cnf.InputChannels, cnf.ExpandedChannels, 1, activation: cnf.Activation, generator: generator, dtype: dtype));
        int stride = cnf.Dilation > 1 ? 1 : cnf.Stride;
        _block.Add(new Conv2dNormActivation(cnf.ExpandedChannels, cnf.ExpandedChannels, cnf.Kernel, stride, cnf.ExpandedChannels, cnf.Dilation,
            cnf.Activation, generator, dtype));
        if (cnf.UseSe)
            _block.Add(new SqueezeExcitation(cnf.ExpandedChannels, InvertedResidualConfig.MakeDivisible(cnf.ExpandedChannels / 4), generator, dtype));
        _block.Add(new Conv2dNormActivation(cnf.ExpandedChannels, cnf.OutChannels, 1, activation: MobileNetActivation.None, generator: generator, dtype: dtype));
    }

    /// <summary>Whether the input is added to the block's output.</summary>
    public bool UseResConnect { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        var y = _block.Forward(input);
        return UseResConnect ? y + input : y;
    }
}
