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
