using DeepSeek.NN;

namespace DeepSeek.Models.Vision;

/// <summary>
/// A small CNN for 8×8 single-channel images (the bundled digits set): two conv–ReLU–maxpool stages
/// (1→16→32 channels, 8×8 → 4×4 → 2×2), then 128 → 64 → classes with ReLU and dropout in between.
/// </summary>
public sealed class DigitsCnn : Module<Tensor, Tensor>
{
    private readonly Sequential _features, _classifier;

    /// <summary>Creates the network with weights seeded by <paramref name="generator"/>.</summary>
    public DigitsCnn(int classes = 10, double dropout = 0.2, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        Classes = classes;
        _features = RegisterModule("features", new Sequential(
            new Conv2d(1, 16, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2),
            new Conv2d(16, 32, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2)));
        _classifier = RegisterModule("classifier", new Sequential(
            new Flatten(), new Linear(32 * 2 * 2, 64, generator: g), new ReLU(), new Dropout(dropout, g), new Linear(64, classes, generator: g)));
    }

    /// <summary>Number of output classes.</summary>
    public int Classes { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        if (input.Rank != 4 || input.Shape[1] != 1 || input.Shape[2] != 8 || input.Shape[3] != 8)
            throw new ShapeMismatchException($"DigitsCnn: expected input [N, 1, 8, 8], got {input.Shape}.");
        return _classifier.Forward(_features.Forward(input));
    }
}
