using DeepSeek.Models.Vision;
using DeepSeek.NN;

namespace DeepSeek.Models.Tests.Vision;

/// <summary>Full-size models have exactly torchvision's state-dict names, order, shapes and parameter counts.</summary>
public sealed class StateDictLayoutTests
{
    private static void AssertSameLayout(List<(string Name, long[] Shape)> expected, List<(string Name, long[] Shape)> actual)
    {
        Assert.Equal(expected.Select(k => k.Name), actual.Select(k => k.Name));
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].Shape.SequenceEqual(actual[i].Shape),
                $"{expected[i].Name}: expected [{string.Join(", ", expected[i].Shape)}], got [{string.Join(", ", actual[i].Shape)}]");
    }

    [Theory]
    [InlineData("resnet18", 11_689_512)]
    [InlineData("resnet50", 25_557_032)]
    [InlineData("mobilenet_v3_small", 2_542_856)]
    public void MatchesTorchvisionKeysShapesAndPublishedCount(string name, long published)
    {
        var (keys, count) = VisionRef.Keys(name);
        Assert.Equal(published, count);
        using var model = ModelZoo.Create(name, generator: new Generator(1));
        AssertSameLayout(keys, VisionRef.StateKeys(model));
        Assert.Equal(published, model.ParameterCount());
    }

    [Theory]
    [InlineData("mobilenet_v3_large")]
    public void OtherFamilyMembersMatchTorchvision(string name)
    {
        var (keys, count) = VisionRef.MoreKeys(name);
        using var model = ModelZoo.Create(name, generator: new Generator(2));
        AssertSameLayout(keys, VisionRef.StateKeys(model));
        Assert.Equal(count, model.ParameterCount());
    }

    /// <summary>
    /// VGG is checked with a narrow classifier (the 4096-wide one is 0.5 GB and takes many seconds to initialise): every
    /// name and feature shape must match, classifier shapes must match with the hidden width put back to 4096, and the
    /// count must match (VGG-16: the published 138,357,544) once the classifier's size is swapped for the full one.
    /// </summary>
    [Theory]
    [InlineData("vgg16", false)]
    [InlineData("vgg16_bn", false)]
    [InlineData("vgg11", true)]
    [InlineData("vgg19_bn", true)]
    public void VggVariantsMatchTorchvisionWithANarrowClassifier(string name, bool more)
    {
        var (keys, count) = more ? VisionRef.MoreKeys(name) : VisionRef.Keys(name);
        const int hidden = 8;
        using var model = new Vgg(new VisionConfig { Architecture = name, HiddenFeatures = hidden }, new Generator(4));
        var actual = VisionRef.StateKeys(model);
        Assert.Equal(keys.Select(k => k.Name), actual.Select(k => k.Name));
        for (int i = 0; i < keys.Count; i++)
        {
            var shape = keys[i].Name.StartsWith("classifier.", StringComparison.Ordinal)
                ? actual[i].Shape.Select(d => d == hidden ? 4096L : d).ToArray()
                : actual[i].Shape;
            Assert.True(keys[i].Shape.SequenceEqual(shape), keys[i].Name);
        }
        if (name == "vgg16") Assert.Equal(138_357_544, count);
        long narrow = 25088L * hidden + hidden + hidden * hidden + hidden + hidden * 1000L + 1000;
        long full = 25088L * 4096 + 4096 + 4096L * 4096 + 4096 + 4096L * 1000 + 1000;
        Assert.Equal(count, model.ParameterCount() - narrow + full);
    }

    [Fact]
    public void ZooNamesAllBuildWithTheRightHead()
    {
        foreach (var name in new[] { "resnet18", "mobilenet_v3_small" })
        {
            using var model = ModelZoo.Create(name, numClasses: 17, generator: new Generator(5));
            model.Eval();
            using var x = Tensor.RandN(new Shape(2, 3, 64, 64), new Generator(6));
            using var y = model.Forward(x);
            Assert.Equal(new Shape(2, 17), y.Shape);
            Assert.True(y.ToArray<float>().All(float.IsFinite));
        }
    }
}
