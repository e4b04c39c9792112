using DeepSeek.Models.Vision;
using DeepSeek.NN.Serialization;

namespace DeepSeek.Models.Tests.Vision;

public sealed class FromPretrainedTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ds-vision-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static VisionConfig Tiny(string arch) => new()
    {
        Architecture = arch, NumClasses = 5, BaseChannels = arch.StartsWith("vgg", StringComparison.Ordinal) ? 2 : 4,
        HiddenFeatures = 8, WidthMult = 0.25,
    };

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    [InlineData("vgg11_bn")]
    [InlineData("mobilenet_v3_large")]
    public void SaveThenLoadGivesIdenticalLogits(string arch)
    {
        using var model = ModelZoo.Create(Tiny(arch), new Generator(7));
        model.Eval();
        switch (model)
        {
            case ResNet r: r.SavePretrained(_dir); break;
            case Vgg v: v.SavePretrained(_dir); break;
            case MobileNetV3 m: m.SavePretrained(_dir); break;
        }
        using var loaded = ModelZoo.FromPretrained(_dir);
        Assert.Equal(model.GetType(), loaded.GetType());
        Assert.False(loaded.Training);
        using var x = Tensor.RandN(new Shape(2, 3, 40, 32), new Generator(8));
        using var a = model.Forward(x);
        using var b = loaded.Forward(x);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
    }

    [Fact]
    public void FamilyLoaderRejectsAnotherFamilysFolder()
    {
        var ex = Assert.Throws<ModelFormatException>(() => ResNet.FromPretrained(VisionRef.Dir("vgg16")));
        Assert.Contains("'vgg16'", ex.Message);
        Assert.Contains("not a ResNet model", ex.Message);
        using var ok = Vgg.FromPretrained(VisionRef.Dir("vgg16"));
        Assert.Equal(10, ok.NumClasses);
    }

    [Fact]
    public void MissingFolderConfigOrWeightsAreNamed()
    {
        Assert.Throws<DirectoryNotFoundException>(() => ModelZoo.FromPretrained(_dir));
        Directory.CreateDirectory(_dir);
        var ex1 = Assert.Throws<FileNotFoundException>(() => ModelZoo.FromPretrained(_dir));
        Assert.Contains("config.json", ex1.Message);
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"architecture": "resnet18", "num_classes": 3, "base_channels": 4}""");
        var ex2 = Assert.Throws<FileNotFoundException>(() => ModelZoo.FromPretrained(_dir));
        Assert.Contains("model.safetensors", ex2.Message);
    }

    [Fact]
    public void WeightsThatDoNotMatchTheConfigAreRejectedStrictly()
    {
        Directory.CreateDirectory(_dir);
        File.Copy(Path.Combine(VisionRef.Dir("resnet18"), "model.safetensors"), Path.Combine(_dir, "model.safetensors"));
        // Wrong head size: a shape mismatch naming fc.
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"architecture": "resnet18", "num_classes": 3, "base_channels": 4}""");
        var shape = Assert.Throws<ShapeMismatchException>(() => ModelZoo.FromPretrained(_dir));
        Assert.Contains("fc.weight: expected [3, 32], got [10, 32]", shape.Message);
        // Wrong depth: resnet34's extra blocks are missing keys.
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"architecture": "resnet34", "num_classes": 10, "base_channels": 4}""");
        var keys = Assert.Throws<ModelFormatException>(() => ModelZoo.FromPretrained(_dir));
        Assert.Contains("missing keys [layer1.2.conv1.weight", keys.Message);
        // A key dropped from the file is reported as missing.
        var state = SafeTensors.Load(Path.Combine(VisionRef.Dir("resnet18"), "model.safetensors"));
        try
        {
            state.Remove("layer3.1.bn2.running_var", out var removed);
            removed!.Dispose();
            SafeTensors.Save(Path.Combine(_dir, "model.safetensors"), state);
        }
        finally { foreach (var t in state.Values) t.Dispose(); }
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"architecture": "resnet18", "num_classes": 10, "base_channels": 4}""");
        var missing = Assert.Throws<ModelFormatException>(() => ModelZoo.FromPretrained(_dir));
        Assert.Contains("missing keys [layer3.1.bn2.running_var]", missing.Message);
    }

    [Fact]
    public void BadConfigFileInAFolderIsReportedWithItsPath()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"architecture": "alexnet"}""");
        var ex = Assert.Throws<ModelFormatException>(() => ModelZoo.FromPretrained(_dir));
        Assert.Contains("unknown architecture 'alexnet'", ex.Message);
    }
}
