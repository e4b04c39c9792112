// VGG (Simonyan and Zisserman 2014, configurations A/B/D/E = VGG-11/13/16/19) with torchvision's module tree
// (torchvision.models.vgg): features.N (3×3 conv [+ BN] + ReLU, "M" = 2×2 max pool), avgpool 7×7, classifier.0/3/6.
using DeepSeek.NN;

namespace DeepSeek.Models.Vision;

/// <summary>
/// A VGG classifier over [N, 3, H, W] images (H, W ≥ 32) returning [N, num_classes] logits, with torchvision's
/// parameter names ("features.0.weight", "classifier.6.bias", …; with batch norm "features.1.running_mean", …).
/// </summary>
public sealed class Vgg : Module<Tensor, Tensor>
{
    private readonly Sequential _features, _classifier;
    private readonly AdaptiveAvgPool2d _avgpool;

    /// <summary>
    /// Builds the network described by <paramref name="config"/> (family VGG; "_bn" names add batch norm) with
    /// torchvision's initialisation seeded by <paramref name="generator"/>: convs kaiming_normal(fan_out, relu) with
    /// zero bias, BN 1/0, Linear N(0, 0.01) with zero bias. Conv widths scale with base_channels (64 in torchvision).
    /// </summary>
    public Vgg(VisionConfig config, Generator? generator = null, DType dtype = DType.F32)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (config.Family != VisionFamily.Vgg)
            throw new ArgumentException($"Vgg: config architecture '{config.Architecture}' is not a VGG.", nameof(config));
        Config = config;
        var g = generator ?? Generator.Default;
        bool batchNorm = config.Architecture.EndsWith("_bn", StringComparison.Ordinal);
        _features = RegisterModule("features", new Sequential());
        int inChannels = 3;
        foreach (int v in Cfg(config.Architecture))
        {
            if (v == 0)
            {
                _features.Add(new MaxPool2d(2, 2));
                continue;
            }
            int c = v * config.BaseChannels / 64;
            _features.Add(new Conv2d(inChannels, c, 3, padding: 1, generator: g, dtype: dtype));
            if (batchNorm) _features.Add(new BatchNorm2d(c, dtype: dtype));
            _features.Add(new ReLU());
            inChannels = c;
        }
        _avgpool = RegisterModule("avgpool", new AdaptiveAvgPool2d(7));
        double p = config.Dropout ?? 0.5;
        int h = config.HiddenFeatures;
        _classifier = RegisterModule("classifier", new Sequential(
            new Linear(inChannels * 7 * 7, h, generator: g, dtype: dtype), new ReLU(), new Dropout(p, g),
            new Linear(h, h, generator: g, dtype: dtype), new ReLU(), new Dropout(p, g),
            new Linear(h, config.NumClasses, generator: g, dtype: dtype)));
        VisionWeights.Initialize(this, g, linearNormal: true);
    }

    /// <summary>torchvision's cfgs A, B, D, E with 0 standing for "M" (max pool).</summary>
    internal static int[] Cfg(string architecture) => architecture.Replace("_bn", "", StringComparison.Ordinal) switch
    {
        "vgg11" => [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        "vgg13" => [64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        "vgg16" => [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
        "vgg19" => [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0],
        _ => throw new ArgumentException($"Vgg: unknown architecture '{architecture}'; known: vgg11, vgg13, vgg16, vgg19 (each also with _bn)."),
    };

    /// <summary>The configuration the network was built from.</summary>
    public VisionConfig Config { get; }

    /// <summary>Number of output classes.</summary>
    public int NumClasses => Config.NumClasses;

    /// <summary>Builds a torchvision-shaped VGG by name ("vgg11" … "vgg19", "vgg16_bn", …).</summary>
    public static Vgg Create(string architecture, int numClasses = 1000, Generator? generator = null) =>
        new(new VisionConfig { Architecture = architecture, NumClasses = numClasses }, generator);

    /// <summary>VGG-16 (configuration D; 138,357,544 parameters with 1000 classes), optionally with batch norm.</summary>
    public static Vgg Vgg16(int numClasses = 1000, bool batchNorm = false, Generator? generator = null) =>
        Create(batchNorm ? "vgg16_bn" : "vgg16", numClasses, generator);

    /// <summary>
    /// Loads a VGG from a folder with <c>config.json</c> (see <see cref="VisionConfig"/>) and <c>model.safetensors</c>
    /// holding a torchvision-named state dict (strict). Returns the model in eval mode.
    /// </summary>
    public static Vgg FromPretrained(string dir) =>
        VisionWeights.Load(dir, "Vgg.FromPretrained", VisionFamily.Vgg, c => new Vgg(c, new Generator(0)));

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> into <paramref name="dir"/> (created if needed).</summary>
    public void SavePretrained(string dir) => VisionWeights.Save(this, Config, dir);

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        VisionChecks.CheckImage("Vgg", input, 32);
        var x = _avgpool.Forward(_features.Forward(input));
        return _classifier.Forward(x.Flatten(1));
    }
}
