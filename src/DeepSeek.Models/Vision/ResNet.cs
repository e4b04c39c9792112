// ResNet (He et al. 2015) with torchvision's module tree and parameter names (torchvision.models.resnet):
// conv1/bn1/relu/maxpool stem, layer1..layer4 of BasicBlock or Bottleneck, avgpool, fc.
using DeepSeek.NN;

namespace DeepSeek.Models.Vision;

/// <summary>
/// A ResNet classifier over [N, 3, H, W] images returning [N, num_classes] logits. Its state dict has exactly
/// torchvision's names ("conv1.weight", "layer2.0.downsample.1.running_mean", "fc.bias", …), so a torchvision
/// <c>state_dict()</c> saved with safetensors loads strictly. Build with <see cref="ResNet18"/>, <see cref="ResNet50"/>,
/// …, <see cref="Create"/> or <see cref="FromPretrained"/>.
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>
{
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly ReLU _relu;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential[] _layers;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Linear _fc;

    /// <summary>
    /// Builds the network described by <paramref name="config"/> (family ResNet) with torchvision's initialisation
    /// seeded by <paramref name="generator"/>: convs kaiming_normal(fan_out, relu), BN 1/0, fc torch's default uniform.
    /// </summary>
    public ResNet(VisionConfig config, Generator? generator = null, DType dtype = DType.F32)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (config.Family != VisionFamily.ResNet)
            throw new ArgumentException($"ResNet: config architecture '{config.Architecture}' is not a ResNet.", nameof(config));
        Config = config;
        var g = generator ?? Generator.Default;
        var (bottleneck, defaultLayers) = Table(config.Architecture);
        var layers = config.Layers ?? defaultLayers;
        var dilate = config.ReplaceStrideWithDilation ?? [false, false, false];
        if (!bottleneck && (config.Groups != 1 || config.WidthPerGroup != 64))
            throw new ArgumentException($"ResNet ({config.Architecture}): BasicBlock supports only groups=1 and width_per_group=64, got {config.Groups} and {config.WidthPerGroup}.");
        int expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        int b = config.BaseChannels;

        int inplanes = b, dilation = 1;
        _conv1 = RegisterModule("conv1", new Conv2d(3, b, 7, 2, 3, bias: false, generator: g, dtype: dtype));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(b, dtype: dtype));
        _relu = RegisterModule("relu", new ReLU());
        _maxpool = RegisterModule("maxpool", new MaxPool2d(3, 2, 1));
        _layers = new Sequential[4];
        for (int s = 0; s < 4; s++)
        {
            int planes = b << s, stride = s == 0 ? 1 : 2;
            int previousDilation = dilation;
            if (s > 0 && dilate[s - 1]) { dilation *= stride; stride = 1; }
            Sequential? down = null;
            if (stride != 1 || inplanes != planes * expansion)
                down = new Sequential(new Conv2d(inplanes, planes * expansion, 1, stride, bias: false, generator: g, dtype: dtype),
                    new BatchNorm2d(planes * expansion, dtype: dtype));
            var stage = new Sequential(Block(bottleneck, inplanes, planes, stride, down, previousDilation));
            inplanes = planes * expansion;
            for (int i = 1; i < layers[s]; i++) stage.Add(Block(bottleneck, inplanes, planes, 1, null, dilation));
            _layers[s] = RegisterModule($"layer{s + 1}", stage);
        }
        _avgpool = RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        _fc = RegisterModule("fc", new Linear(b * 8 * expansion, config.NumClasses, generator: g, dtype: dtype));

        VisionWeights.Initialize(this, g, linearNormal: false);
        if (config.ZeroInitResidual)
            foreach (var (_, m) in NamedModules())
            {
                if (m is Bottleneck bo) Init.Zeros(bo.LastNorm.Weight!);
                else if (m is BasicBlock bb) Init.Zeros(bb.LastNorm.Weight!);
            }

        Module<Tensor, Tensor> Block(bool bottle, int inp, int planes, int stride, Sequential? down, int dil) => bottle
            ? new Bottleneck(inp, planes, stride, down, config.Groups, config.WidthPerGroup, dil, g, dtype)
            : new BasicBlock(inp, planes, stride, down, 1, 64, dil, g, dtype);
    }

    /// <summary>The configuration the network was built from.</summary>
    public VisionConfig Config { get; }

    /// <summary>Number of output classes.</summary>
    public int NumClasses => Config.NumClasses;

    /// <summary>Block kind (true for Bottleneck) and blocks per stage of a torchvision ResNet name.</summary>
    internal static (bool Bottleneck, int[] Layers) Table(string architecture) => architecture switch
    {
        "resnet18" => (false, [2, 2, 2, 2]),
        "resnet34" => (false, [3, 4, 6, 3]),
        "resnet50" => (true, [3, 4, 6, 3]),
        "resnet101" => (true, [3, 4, 23, 3]),
        "resnet152" => (true, [3, 8, 36, 3]),
        _ => throw new ArgumentException($"ResNet: unknown architecture '{architecture}'; known: resnet18, resnet34, resnet50, resnet101, resnet152."),
    };

    /// <summary>Builds a torchvision-shaped ResNet by name ("resnet18" … "resnet152").</summary>
    public static ResNet Create(string architecture, int numClasses = 1000, Generator? generator = null) =>
        new(new VisionConfig { Architecture = architecture, NumClasses = numClasses }, generator);

    /// <summary>ResNet-18 (BasicBlock, [2, 2, 2, 2]; 11,689,512 parameters with 1000 classes).</summary>
    public static ResNet ResNet18(int numClasses = 1000, Generator? generator = null) => Create("resnet18", numClasses, generator);

    /// <summary>ResNet-34 (BasicBlock, [3, 4, 6, 3]).</summary>
    public static ResNet ResNet34(int numClasses = 1000, Generator? generator = null) => Create("resnet34", numClasses, generator);

    /// <summary>ResNet-50 (Bottleneck, [3, 4, 6, 3]; 25,557,032 parameters with 1000 classes).</summary>
    public static ResNet ResNet50(int numClasses = 1000, Generator? generator = null) => Create("resnet50", numClasses, generator);

    /// <summary>ResNet-101 (Bottleneck, [3, 4, 23, 3]).</summary>
    public static ResNet ResNet101(int numClasses = 1000, Generator? generator = null) => Create("resnet101", numClasses, generator);

    /// <summary>ResNet-152 (Bottleneck, [3, 8, 36, 3]).</summary>
    public static ResNet ResNet152(int numClasses = 1000, Generator? generator = null) => Create("resnet152", numClasses, generator);

    /// <summary>
    /// Loads a ResNet from a folder with <c>config.json</c> (see <see cref="VisionConfig"/>) and <c>model.safetensors</c>
    /// holding a torchvision-named state dict (strict: missing or unexpected keys are errors). Returns the model in eval mode.
    /// </summary>
    public static ResNet FromPretrained(string dir) =>
        VisionWeights.Load(dir, "ResNet.FromPretrained", VisionFamily.ResNet, c => new ResNet(c, new Generator(0)));

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> into <paramref name="dir"/> (created if needed).</summary>
    public void SavePretrained(string dir) => VisionWeights.Save(this, Config, dir);

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        VisionChecks.CheckImage("ResNet", input);
        var x = _maxpool.Forward(_relu.Forward(_bn1.Forward(_conv1.Forward(input))));
        foreach (var layer in _layers) x = layer.Forward(x);
        return _fc.Forward(_avgpool.Forward(x).Flatten(1));
    }
}
