using DeepSeek.Models.Vision;

namespace DeepSeek.Models.Tests.Vision;

public sealed class VisionConfigTests
{
    [Fact]
    public void ParsesEveryKeyAndRoundTripsThroughJson()
    {
        var c = VisionConfig.Parse("""
            {"architecture": "resnet50", "num_classes": 7, "base_channels": 8, "layers": [1, 2, 3, 1], "groups": 2,
             "width_per_group": 4, "replace_stride_with_dilation": [false, true, true], "zero_init_residual": true,
             "hidden_features": 32, "dropout": 0.25, "width_mult": 0.5, "reduced_tail": true, "dilated": true, "_comment": "ignored"}
            """);
        Assert.Equal("resnet50", c.Architecture);
        Assert.Equal(VisionFamily.ResNet, c.Family);
        Assert.Equal(7, c.NumClasses);
        Assert.Equal(8, c.BaseChannels);
        Assert.Equal(new[] { 1, 2, 3, 1 }, c.Layers);
        Assert.Equal((2, 4), (c.Groups, c.WidthPerGroup));
        Assert.Equal(new[] { false, true, true }, c.ReplaceStrideWithDilation);
        Assert.True(c.ZeroInitResidual && c.ReducedTail && c.Dilated);
        Assert.Equal((32, 0.25, 0.5), (c.HiddenFeatures, c.Dropout, c.WidthMult));
        var back = VisionConfig.Parse(c.ToJson());
        Assert.Equal(c.ToJson(), back.ToJson());
        Assert.Equal(c.Layers, back.Layers);
        Assert.Equal(c with { Layers = null, ReplaceStrideWithDilation = null }, back with { Layers = null, ReplaceStrideWithDilation = null });
    }

    [Fact]
    public void DefaultsAreTorchvisionsAndFamiliesFollowTheName()
    {
        var c = VisionConfig.Parse("""{"architecture": "vgg16_bn"}""");
        Assert.Equal((1000, 64, 4096, 1.0), (c.NumClasses, c.BaseChannels, c.HiddenFeatures, c.WidthMult));
        Assert.Null(c.Dropout);
        Assert.Equal(VisionFamily.Vgg, c.Family);
        Assert.Equal(VisionFamily.MobileNetV3, VisionConfig.Parse("""{"architecture": "mobilenet_v3_large"}""").Family);
    }

    [Theory]
    [InlineData("""{"num_classes": 10}""", "missing \"architecture\"")]
    [InlineData("""{"architecture": "resnet9"}""", "unknown architecture 'resnet9'")]
    [InlineData("""{"architecture": "resnet18", "num_classes": "ten"}""", "\"num_classes\" is \"ten\", expected an integer")]
    [InlineData("""{"architecture": "resnet18", "num_classes": 0}""", "\"num_classes\" is 0, expected a positive integer")]
    [InlineData("""{"architecture": "resnet18", "num_class": 10}""", "unknown key \"num_class\"")]
    [InlineData("""{"architecture": "resnet18", "layers": [2, 2, 2]}""", "\"layers\" is [2, 2, 2], expected four positive block counts")]
    [InlineData("""{"architecture": "vgg16", "dropout": 1.5}""", "\"dropout\" is 1.5, expected a probability")]
    [InlineData("""{"architecture": "mobilenet_v3_small", "width_mult": 0}""", "\"width_mult\" is 0")]
    [InlineData("""{"architecture": "mobilenet_v3_small", "reduced_tail": 1}""", "\"reduced_tail\" is 1, expected true or false")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{"architecture": """, "not valid JSON")]
    public void BadConfigsAreRejectedNamingTheKeyAndValue(string json, string message)
    {
        var ex = Assert.Throws<ModelFormatException>(() => VisionConfig.Parse(json, "my/config.json"));
        Assert.Contains(message, ex.Message);
        Assert.StartsWith("my/config.json", ex.Message);
    }

    [Fact]
    public void MakeDivisibleFollowsTorchvision()
    {
        // _make_divisible(v, 8): nearest multiple of 8, at least 8, and never below 90 % of v.
        Assert.Equal(16, InvertedResidualConfig.MakeDivisible(16));
        Assert.Equal(8, InvertedResidualConfig.MakeDivisible(2.4));
        Assert.Equal(24, InvertedResidualConfig.MakeDivisible(21.6));
        Assert.Equal(40, InvertedResidualConfig.MakeDivisible(43.2));
        Assert.Equal(48, InvertedResidualConfig.MakeDivisible(44)); // 44 + 4 = 48
        Assert.Equal(16, InvertedResidualConfig.MakeDivisible(10)); // 8 < 0.9·10 → 16
        Assert.Equal(576, InvertedResidualConfig.MakeDivisible(576));
    }
}
