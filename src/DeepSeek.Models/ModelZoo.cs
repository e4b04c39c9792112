using DeepSeek.Models.Text;
using DeepSeek.Models.Vision;
using DeepSeek.NN;

namespace DeepSeek.Models;

/// <summary>
/// Builds zoo models by name with seeded random weights, or loads them from a Hugging Face-style folder
/// (<c>config.json</c> + <c>model.safetensors</c> with PyTorch parameter names).
/// Vision names: resnet18/34/50/101/152, vgg11/13/16/19 (each also "_bn"), mobilenet_v3_small/large.
/// </summary>
public static class ModelZoo
{
    /// <summary>Every model name <see cref="Create(string, int, Generator?)"/> accepts.</summary>
    public static IReadOnlyList<string> Names => VisionConfig.KnownArchitectures;

    /// <summary>
    /// Builds the model <paramref name="name"/> (torchvision's architecture and names) with <paramref name="numClasses"/>
    /// outputs, initialised as torchvision does and seeded by <paramref name="generator"/>.
    /// </summary>
    public static Module<Tensor, Tensor> Create(string name, int numClasses = 1000, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (VisionConfig.FamilyOf(name) is null)
            throw new ArgumentException($"ModelZoo.Create: unknown model '{name}'; known: {string.Join(", ", Names)}.", nameof(name));
        return Create(new VisionConfig { Architecture = name, NumClasses = numClasses }, generator);
    }

    /// <summary>Text models <see cref="CreateAny"/> accepts besides the vision <see cref="Names"/>: token ids [B, S] in.</summary>
    public static IReadOnlyList<string> TextNames { get; } = ["bert-base", "bert-tiny", "gpt2"];

    /// <summary>True when <paramref name="name"/> is one of <see cref="TextNames"/> (its input is token ids, not images).</summary>
    public static bool IsTextModel(string name) => TextNames.Contains(name);

    /// <summary>
    /// Any zoo model by name as a one-tensor module, seeded by <paramref name="generator"/>: the vision <see cref="Names"/>
    /// (images [B, 3, H, W] → logits), "bert-base" / "bert-tiny" (<see cref="BertEncoderOnly"/>: ids → hidden states) and
    /// "gpt2" (ids → logits). One resolver for the CLI verbs and the benchmarks.
    /// </summary>
    public static Module<Tensor, Tensor> CreateAny(string name, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var g = generator ?? new Generator(0);
        return name switch
        {
            "bert-base" => new BertEncoderOnly(new BertModel(BertConfig.Base, g, addPoolingLayer: false)),
            "bert-tiny" => new BertEncoderOnly(new BertModel(new BertConfig { HiddenSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 512 }, g, addPoolingLayer: false)),
            "gpt2" => new Gpt2LMHeadModel(Gpt2Config.Small, g),
            _ when VisionConfig.FamilyOf(name) is not null => Create(name, generator: g),
            _ => throw new ArgumentException($"ModelZoo: unknown model '{name}'; known: {string.Join(", ", Names.Concat(TextNames))}.", nameof(name)),
        };
    }

    /// <summary>Builds the vision model a <see cref="VisionConfig"/> describes (tiny widths and other options included).</summary>
    public static Module<Tensor, Tensor> Create(VisionConfig config, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return config.Family switch
        {
            VisionFamily.ResNet => new ResNet(config, generator),
            VisionFamily.Vgg => new Vgg(config, generator),
            _ => new MobileNetV3(config, generator),
        };
    }

    /// <summary>
    /// Loads whichever zoo model <paramref name="dir"/>'s config.json names, with the weights of its model.safetensors
    /// (strict: every key must match). Returns the model in eval mode.
    /// </summary>
    public static Module<Tensor, Tensor> FromPretrained(string dir) =>
        VisionWeights.Load(dir, "ModelZoo.FromPretrained", null, c => Create(c, new Generator(0)));
}
