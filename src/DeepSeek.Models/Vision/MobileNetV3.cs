// MobileNetV3-Small/Large (Howard et al. 2019, Tables 1 and 2) with torchvision's module tree and its
// _mobilenet_v3_conf tables (width multiplier, reduced tail, dilated tail): features.N, avgpool, classifier.0/.3.
using DeepSeek.NN;

namespace DeepSeek.Models.Vision;

/// <summary>
/// A MobileNetV3 classifier over [N, 3, H, W] images returning [N, num_classes] logits, with torchvision's parameter
/// names ("features.0.0.weight", "features.1.block.1.fc1.bias", "classifier.3.weight", …).
/// </summary>
public sealed class MobileNetV3 : Module<Tensor, Tensor>
{
    private readonly Sequential _features, _classifier;
    private readonly AdaptiveAvgPool2d _avgpool;

    /// <summary>
    /// Builds the network described by <paramref name="config"/> (mobilenet_v3_small or _large with width_mult,
    /// reduced_tail, dilated and dropout) with torchvision's initialisation seeded by <paramref name="generator"/>:
    /// convs kaiming_normal(fan_out), BN 1/0, Linear N(0, 0.01) with zero bias.
    /// </summary>
    public MobileNetV3(VisionConfig config, Generator? generator = null, DType dtype = DType.F32)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (config.Family != VisionFamily.MobileNetV3)
            throw new ArgumentException($"MobileNetV3: config architecture '{config.Architecture}' is not a MobileNetV3.", nameof(config));
        Config = config;
        var g = generator ?? Generator.Default;
        var (setting, lastChannel) = Table(config.Architecture, config.WidthMult, config.ReducedTail, config.Dilated);
        Setting = setting;

        _features = RegisterModule("features", new Sequential());
        _features.Add(new Conv2dNormActivation(3, setting[0].InputChannels, 3, 2, activation: MobileNetActivation.Hardswish, generator: g, dtype: dtype));
        foreach (var cnf in setting) _features.Add(new InvertedResidual(cnf, g, dtype));
        int lastIn = setting[^1].OutChannels, lastOut = 6 * lastIn;
        _features.Add(new Conv2dNormActivation(lastIn, lastOut, 1, activation: MobileNetActivation.Hardswish, generator: g, dtype: dtype));
        _avgpool = RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        _classifier = RegisterModule("classifier", new Sequential(
            new Linear(lastOut, lastChannel, generator: g, dtype: dtype), new Hardswish(), new Dropout(config.Dropout ?? 0.2, g),
            new Linear(lastChannel, config.NumClasses, generator: g, dtype: dtype)));
        VisionWeights.Initialize(this, g, linearNormal: true);
    }

    /// <summary>The configuration the network was built from.</summary>
    public VisionConfig Config { get; }

    /// <summary>The inverted-residual rows (channels scaled) the features were built from.</summary>
    public IReadOnlyList<InvertedResidualConfig> Setting { get; }

    /// <summary>Number of output classes.</summary>
    public int NumClasses => Config.NumClasses;

    /// <summary>
    /// torchvision's _mobilenet_v3_conf: the block rows and the classifier's hidden width. As there, the reduced tail halves
    /// the last stage's channels except the expansion of its first (strided) block.
    /// </summary>
    public static (IReadOnlyList<InvertedResidualConfig> Setting, int LastChannel) Table(string architecture, double widthMult = 1.0,
        bool reducedTail = false, bool dilated = false)
    {
        int r = reducedTail ? 2 : 1, d = dilated ? 2 : 1;
        InvertedResidualConfig B(int i, int k, int e, int o, bool se, bool hs, int s, int dil = 1) =>
            InvertedResidualConfig.Scaled(i, k, e, o, se, hs, s, dil, widthMult);
        return architecture switch
        {
            "mobilenet_v3_small" => (new[]
            {
                B(16, 3, 16, 16, true, false, 2),
                B(16, 3, 72, 24, false, false, 2),
                B(24, 3, 88, 24, false, false, 1),
                B(24, 5, 96, 40, true, true, 2),
                B(40, 5, 240, 40, true, true, 1),
                B(40, 5, 240, 40, true, true, 1),
                B(40, 5, 120, 48, true, true, 1),
                B(48, 5, 144, 48, true, true, 1),
                B(48, 5, 288, 96 / r, true, true, 2, d),
                B(96 / r, 5, 576 / r, 96 / r, true, true, 1, d),
                B(96 / r, 5, 576 / r, 96 / r, true, true, 1, d),
            }, InvertedResidualConfig.MakeDivisible(1024 / r * widthMult)),
            "mobilenet_v3_large" => (new[]
            {
                B(16, 3, 16, 16, false, false, 1),
                B(16, 3, 64, 24, false, false, 2),
                B(24, 3, 72, 24, false, false, 1),
                B(24, 5, 72, 40, true, false, 2),
                B(40, 5, 120, 40, true, false, 1),
                B(40, 5, 120, 40, true, false, 1),
                B(40, 3, 240, 80, false, true, 2),
                B(80, 3, 200, 80, false, true, 1),
                B(80, 3, 184, 80, false, true, 1),
                B(80, 3, 184, 80, false, true, 1),
                B(80, 3, 480, 112, true, true, 1),
                B(112, 3, 672, 112, true, true, 1),
                B(112, 5, 672, 160 / r, true, true, 2, d),
                B(160 / r, 5, 960 / r, 160 / r, true, true, 1, d),
                B(160 / r, 5, 960 / r, 160 / r, true, true, 1, d),
            }, InvertedResidualConfig.MakeDivisible(1280 / r * widthMult)),
            _ => throw new ArgumentException($"MobileNetV3: unknown architecture '{architecture}'; known: mobilenet_v3_small, mobilenet_v3_large."),
        };
    }

    /// <summary>Builds a torchvision-shaped MobileNetV3 by name ("mobilenet_v3_small" or "mobilenet_v3_large").</summary>
    public static MobileNetV3 Create(string architecture, int numClasses = 1000, Generator? generator = null) =>
        new(new VisionConfig { Architecture = architecture, NumClasses = numClasses }, generator);

    /// <summary>MobileNetV3-Small (2,542,856 parameters with 1000 classes).</summary>
    public static MobileNetV3 Small(int numClasses = 1000, Generator? generator = null) => Create("mobilenet_v3_small", numClasses, generator);

    /// <summary>MobileNetV3-Large (5,483,032 parameters with 1000 classes).</summary>
    public static MobileNetV3 Large(int numClasses = 1000, Generator? generator = null) => Create("mobilenet_v3_large", numClasses, generator);

    /// <summary>
    /// Loads a MobileNetV3 from a folder with <c>config.json</c> (see <see cref="VisionConfig"/>) and <c>model.safetensors</c>
    /// holding a torchvision-named state dict (strict). Returns the model in eval mode.
    /// </summary>
    public static MobileNetV3 FromPretrained(string dir) =>
        VisionWeights.Load(dir, "MobileNetV3.FromPretrained", VisionFamily.MobileNetV3, c => new MobileNetV3(c, new Generator(0)));

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> into <paramref name="dir"/> (created if needed).</summary>
    public void SavePretrained(string dir) => VisionWeights.Save(this, Config, dir);

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        VisionChecks.CheckImage("MobileNetV3", input);
        var x = _avgpool.Forward(_features.Forward(input));
        return _classifier.Forward(x.Flatten(1));
    }
}
