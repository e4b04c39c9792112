// ResNet residual blocks (He et al. 2015, "Deep Residual Learning"), with torchvision's module names and its
// ResNet v1.5 placement of the stride on the Bottleneck's 3×3 conv (torchvision.models.resnet).
using DeepSeek.NN;

namespace DeepSeek.Models.Vision;

/// <summary>
/// Two 3×3 convolutions with batch norm and a skip connection (torchvision BasicBlock, expansion 1): children conv1,
/// bn1, relu, conv2, bn2 and, when the shape changes, downsample (1×1 conv + BN as "downsample.0"/"downsample.1").
/// </summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    /// <summary>Output channels per plane.</summary>
    public const int Expansion = 1;

    private readonly Conv2d _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly ReLU _relu;
    private readonly Sequential? _downsample;

    /// <summary>Creates the block (torchvision's arguments; BasicBlock supports only groups 1, width 64, dilation 1).</summary>
    public BasicBlock(int inplanes, int planes, int stride = 1, Sequential? downsample = null, int groups = 1, int baseWidth = 64,
        int dilation = 1, Generator? generator = null, DType dtype = DType.F32)
    {
        if (groups != 1 || baseWidth != 64)
            throw new ArgumentException($"BasicBlock: only supports groups=1 and base_width=64, got groups={groups}, base_width={baseWidth}.");
        if (dilation > 1)
            throw new ArgumentException($"BasicBlock: dilation > 1 is not supported (got {dilation}); use Bottleneck blocks for dilated ResNets.");
        _conv1 = RegisterModule("conv1", new Conv2d(inplanes, planes, 3, stride, 1, bias: false, generator: generator, dtype: dtype));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(planes, dtype: dtype));
        _relu = RegisterModule("relu", new ReLU());
        _conv2 = RegisterModule("conv2", new Conv2d(planes, planes, 3, 1, 1, bias: false, generator: generator, dtype: dtype));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(planes, dtype: dtype));
        if (downsample is not null) _downsample = RegisterModule("downsample", downsample);
    }

    /// <summary>The last batch norm of the residual branch (zeroed by zero_init_residual).</summary>
    public BatchNorm2d LastNorm => _bn2;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        var y = _relu.Forward(_bn1.Forward(_conv1.Forward(input)));
        y = _bn2.Forward(_conv2.Forward(y));
        var identity = _downsample is null ? input : _downsample.Forward(input);
        return (y + identity).Relu();
    }
}

/// <summary>
/// 1×1 reduce, 3×3 (strided, grouped, dilated), 1×1 expand (×4) with batch norm and a skip connection (torchvision
/// Bottleneck): children conv1, bn1, conv2, bn2, conv3, bn3, relu and optional downsample.
/// </summary>
public sealed class Bottleneck : Module<Tensor, Tensor>
{
    /// <summary>Output channels per plane.</summary>
    public const int Expansion = 4;

    private readonly Conv2d _conv1, _conv2, _conv3;
    private readonly BatchNorm2d _bn1, _bn2, _bn3;
    private readonly ReLU _relu;
    private readonly Sequential? _downsample;

    /// <summary>Creates the block; the inner width is ⌊planes·baseWidth/64⌋·groups as in torchvision.</summary>
    public Bottleneck(int inplanes, int planes, int stride = 1, Sequential? downsample = null, int groups = 1, int baseWidth = 64,
        int dilation = 1, Generator? generator = null, DType dtype = DType.F32)
    {
        int width = (int)(planes * (baseWidth / 64.0)) * groups;
        if (width < 1) throw new ArgumentException($"Bottleneck: inner width ⌊{planes}·{baseWidth}/64⌋·{groups} is zero.");
        _conv1 = RegisterModule("conv1", new Conv2d(inplanes, width, 1, bias: false, generator: generator, dtype: dtype));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(width, dtype: dtype));
        _conv2 = RegisterModule("conv2", new Conv2d(width, width, (3, 3), (stride, stride), (dilation, dilation), (dilation, dilation),
            groups, bias: false, generator: generator, dtype: dtype));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(width, dtype: dtype));
        _conv3 = RegisterModule("conv3", new Conv2d(width, planes * Expansion, 1, bias: false, generator: generator, dtype: dtype));
        _bn3 = RegisterModule("bn3", new BatchNorm2d(planes * Expansion, dtype: dtype));
        _relu = RegisterModule("relu", new ReLU());
        if (downsample is not null) _downsample = RegisterModule("downsample", downsample);
    }

    /// <summary>The last batch norm of the residual branch (zeroed by zero_init_residual).</summary>
    public BatchNorm2d LastNorm => _bn3;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        var y = _relu.Forward(_bn1.Forward(_conv1.Forward(input)));
        y = _relu.Forward(_bn2.Forward(_conv2.Forward(y)));
        y = _bn3.Forward(_conv3.Forward(y));
        var identity = _downsample is null ? input : _downsample.Forward(input);
        return (y + identity).Relu();
    }
}
