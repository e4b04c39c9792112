using DeepSeek.Models.Vision;

namespace DeepSeek.Models.Tests;

public sealed class DigitsCnnTests
{
    [Fact]
    public void ForwardGivesOneLogitPerClassAndNamesMatchPyTorchStyle()
    {
        using var model = new DigitsCnn(generator: new Generator(1));
        using var x = Tensor.RandN(new Shape(5, 1, 8, 8), new Generator(2));
        using var y = model.Forward(x);
        Assert.Equal(new Shape(5, 10), y.Shape);
        Assert.Equal(
            new[] { "features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
                    "classifier.1.weight", "classifier.1.bias", "classifier.4.weight", "classifier.4.bias" },
            model.NamedParameters().Select(p => p.Name));
        Assert.Equal(16 * 9 + 16 + 32 * 16 * 9 + 32 + 128 * 64 + 64 + 64 * 10 + 10, model.ParameterCount());
    }

    [Fact]
    public void SameSeedSameWeightsAndEvalIsDeterministic()
    {
        using var a = new DigitsCnn(generator: new Generator(3));
        using var b = new DigitsCnn(generator: new Generator(3));
        a.Eval();
        b.Eval();
        using var x = Tensor.RandN(new Shape(2, 1, 8, 8), new Generator(4));
        using var ya = a.Forward(x);
        using var yb = b.Forward(x);
        Assert.Equal(ya.ToArray<float>(), yb.ToArray<float>());
    }

    [Fact]
    public void WrongInputShapeIsRejectedWithTheShape()
    {
        using var model = new DigitsCnn();
        using var x = Tensor.Zeros(2, 64);
        var ex = Assert.Throws<ShapeMismatchException>(() => model.Forward(x));
        Assert.Contains("[2, 64]", ex.Message);
        Assert.Contains("DigitsCnn", ex.Message);
    }
}
