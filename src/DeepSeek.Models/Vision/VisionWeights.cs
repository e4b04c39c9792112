// torchvision's weight initialisation for the vision zoo and the Hugging Face-style folder format
// (config.json + model.safetensors) shared by every vision model's FromPretrained/SavePretrained.
using DeepSeek.NN;
using DeepSeek.NN.Serialization;

namespace DeepSeek.Models.Vision;

internal static class VisionWeights
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";

    /// <summary>
    /// torchvision's init loop: Conv2d weights kaiming_normal(fan_out, relu) with zero bias; BatchNorm weight 1, bias 0;
    /// Linear N(0, 0.01) with zero bias when <paramref name="linearNormal"/> (VGG, MobileNetV3; ResNet keeps torch's default).
    /// </summary>
    public static void Initialize(Module model, Generator g, bool linearNormal)
    {
        foreach (var (_, m) in model.NamedModules())
        {
            switch (m)
            {
                case Conv2d c:
                    Init.KaimingNormal(c.Weight, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: g);
                    if (c.Bias is { } cb) Init.Zeros(cb);
                    break;
                case BatchNorm2d bn:
                    if (bn.Weight is { } w) Init.Ones(w);
                    if (bn.Bias is { } b) Init.Zeros(b);
                    break;
                case Linear l when linearNormal:
                    Init.Normal(l.Weight, 0, 0.01, g);
                    if (l.Bias is { } lb) Init.Zeros(lb);
                    break;
            }
        }
    }

    /// <summary>Reads <c>config.json</c> from <paramref name="dir"/> and checks it names a model of <paramref name="family"/> (any when null).</summary>
    public static VisionConfig ReadConfig(string dir, string caller, VisionFamily? family)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{caller}: no model folder at '{dir}'.");
        var cfg = VisionConfig.Load(Path.Combine(dir, ConfigFile));
        if (family is VisionFamily f && cfg.Family != f)
            throw new ModelFormatException($"{caller}: {Path.Combine(dir, ConfigFile)} describes '{cfg.Architecture}' ({cfg.Family}), not a {f} model.");
        return cfg;
    }

    /// <summary>Builds the model from <paramref name="dir"/>'s config, loads model.safetensors strictly and returns it in eval mode.</summary>
    public static T Load<T>(string dir, string caller, VisionFamily? family, Func<VisionConfig, T> build) where T : Module
    {
        var cfg = ReadConfig(dir, caller, family);
        var weights = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weights)) throw new FileNotFoundException($"{caller}: no weights file at '{weights}'.", weights);
        var model = build(cfg);
        try
        {
            var state = SafeTensors.Load(weights);
            try { model.LoadStateDict(state, strict: true); }
            finally { foreach (var t in state.Values) t.Dispose(); }
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.Eval();
        return model;
    }

    /// <summary>Writes config.json and model.safetensors (the state dict with PyTorch names) into <paramref name="dir"/>.</summary>
    public static void Save(Module model, VisionConfig config, string dir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        Directory.CreateDirectory(dir);
        var state = model.StateDict();
        try { SafeTensors.Save(Path.Combine(dir, WeightsFile), state); }
        finally { foreach (var t in state.Values) t.Dispose(); }
        File.WriteAllText(Path.Combine(dir, ConfigFile), config.ToJson());
    }
}
