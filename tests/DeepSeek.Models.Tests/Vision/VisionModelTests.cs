using DeepSeek.Models.Vision;
using DeepSeek.NN;

namespace DeepSeek.Models.Tests.Vision;

public sealed class VisionModelTests
{
    private static double[] Values(Tensor t)
    {
        using var d = t.To(DType.F64);
        return d.ToArray<double>();
    }

    private static (double Mean, double Std) Stats(Tensor t)
    {
        var v = Values(t);
        double mean = v.Average();
        return (mean, Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average()));
    }

    [Fact]
    public void InitialisationFollowsTorchvision()
    {
        using var vgg = new Vgg(new VisionConfig { Architecture = "vgg11_bn", BaseChannels = 16, HiddenFeatures = 512, NumClasses = 300 }, new Generator(1));
        var p = vgg.NamedParameters().ToDictionary(x => x.Name, x => x.Parameter.Data);
        // Conv: kaiming_normal(fan_out, relu) → std √(2 / (out·k·k)); features.4 is the 32→32… conv [32, 16, 3, 3].
        var (m, s) = Stats(p["features.4.weight"]);
        double expected = Math.Sqrt(2.0 / (32 * 9));
        Assert.InRange(s, expected * 0.9, expected * 1.1);
        Assert.InRange(Math.Abs(m), 0, expected * 0.1);
        Assert.All(Values(p["features.4.bias"]), b => Assert.Equal(0, b));
        Assert.All(Values(p["features.1.weight"]), w => Assert.Equal(1, w));
        Assert.All(Values(p["features.1.bias"]), b => Assert.Equal(0, b));
        // Linear: N(0, 0.01), zero bias.
        var (_, ls) = Stats(p["classifier.3.weight"]);
        Assert.InRange(ls, 0.0095, 0.0105);
        Assert.All(Values(p["classifier.6.bias"]), b => Assert.Equal(0, b));

        // ResNet keeps torch's default Linear init for fc: U(±1/√in).
        using var resnet = new ResNet(new VisionConfig { Architecture = "resnet18", BaseChannels = 16, NumClasses = 500 }, new Generator(2));
        var fc = resnet.NamedParameters().First(x => x.Name == "fc.weight").Parameter.Data;
        var fv = Values(fc);
        double bound = 1 / Math.Sqrt(128);
        Assert.All(fv, w => Assert.InRange(w, -bound, bound));
        Assert.InRange(Stats(fc).Std, bound / Math.Sqrt(3) * 0.95, bound / Math.Sqrt(3) * 1.05);
    }

    [Fact]
    public void SameSeedSameWeightsDifferentSeedDifferentWeights()
    {
        var cfg = new VisionConfig { Architecture = "mobilenet_v3_small", WidthMult = 0.25, NumClasses = 4 };
        using var a = new MobileNetV3(cfg, new Generator(3));
        using var b = new MobileNetV3(cfg, new Generator(3));
        using var c = new MobileNetV3(cfg, new Generator(4));
        var pa = a.Parameters().Select(p => Values(p.Data)).ToList();
        var pb = b.Parameters().Select(p => Values(p.Data)).ToList();
        var pc = c.Parameters().Select(p => Values(p.Data)).ToList();
        for (int i = 0; i < pa.Count; i++) Assert.Equal(pa[i], pb[i]);
        Assert.NotEqual(pa[0], pc[0]);
    }

    [Fact]
    public void ZeroInitResidualZeroesTheLastNormOfEveryBlock()
    {
        using var basic = new ResNet(new VisionConfig { Architecture = "resnet18", BaseChannels = 4, ZeroInitResidual = true }, new Generator(5));
        using var bottle = new ResNet(new VisionConfig { Architecture = "resnet50", BaseChannels = 4, ZeroInitResidual = true, Layers = [1, 1, 1, 1] }, new Generator(5));
        var zeroed = basic.NamedParameters().Concat(bottle.NamedParameters())
            .Where(p => p.Name.EndsWith("bn2.weight", StringComparison.Ordinal) && p.Name.StartsWith("layer", StringComparison.Ordinal) && basic.NamedParameters().Any(q => q.Name == p.Name && ReferenceEquals(q.Parameter, p.Parameter))
                     || p.Name.EndsWith("bn3.weight", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(8 + 4, zeroed.Count);
        Assert.All(zeroed, p => Assert.All(Values(p.Parameter.Data), w => Assert.Equal(0, w)));
        Assert.All(Values(basic.NamedParameters().First(p => p.Name == "layer1.0.bn1.weight").Parameter.Data), w => Assert.Equal(1, w));
    }

    [Fact]
    public void ResNeXtAndDilatedOptionsBuildAndKeepResolution()
    {
        // ResNeXt-style grouped bottleneck (groups 4, width 16 per group) and dilation replacing the last two strides.
        var cfg = new VisionConfig
        {
            Architecture = "resnet50", BaseChannels = 8, Layers = [1, 1, 1, 1], Groups = 4, WidthPerGroup = 16,
            ReplaceStrideWithDilation = [false, true, true], NumClasses = 6,
        };
        using var model = new ResNet(cfg, new Generator(6));
        var conv2 = model.NamedModules().First(m => m.Name == "layer4.0.conv2").Module as Conv2d;
        Assert.NotNull(conv2);
        Assert.Equal(4, conv2!.Groups);
        Assert.Equal((2, 2), conv2.Dilation); // layer3 dilation 2… layer4's first block uses the previous dilation
        Assert.Equal((1, 1), conv2.Stride);
        Assert.Equal(new Shape(64, 16, 3, 3), conv2.Weight.Shape); // width ⌊64·16/64⌋·4 = 64, 64/4 input channels per group
        model.Eval();
        using var x = Tensor.RandN(new Shape(1, 3, 32, 32), new Generator(7));
        using var y = model.Forward(x);
        Assert.Equal(new Shape(1, 6), y.Shape);
        Assert.Throws<ArgumentException>(() => new ResNet(new VisionConfig { Architecture = "resnet18", Groups = 2 }));
        Assert.Throws<ArgumentException>(() => new ResNet(new VisionConfig { Architecture = "resnet18", ReplaceStrideWithDilation = [false, false, true] }));
    }

    [Fact]
    public void DilatedMobileNetTailKeepsStride16()
    {
        using var model = new MobileNetV3(new VisionConfig { Architecture = "mobilenet_v3_small", WidthMult = 0.25, Dilated = true, NumClasses = 3 }, new Generator(8));
        var dw = model.NamedModules().First(m => m.Name == "features.9.block.1.0").Module as Conv2d;
        Assert.Equal(((1, 1), (2, 2), (4, 4)), (dw!.Stride, dw.Dilation, dw.Padding));
        Assert.True(model.Setting.Count == 11 && model.Setting[^1].Dilation == 2);
    }

    [Fact]
    public void BadInputsAreRejectedWithTheShape()
    {
        using var resnet = ResNet.Create("resnet18", 10, new Generator(9));
        using var gray = Tensor.Zeros(2, 1, 32, 32);
        var e1 = Assert.Throws<ShapeMismatchException>(() => resnet.Forward(gray));
        Assert.Contains("expected images [N, 3, H, W], got shape [2, 1, 32, 32]", e1.Message);
        using var vgg = new Vgg(new VisionConfig { Architecture = "vgg11", BaseChannels = 2, HiddenFeatures = 4 }, new Generator(10));
        using var small = Tensor.Zeros(1, 3, 16, 40);
        var e2 = Assert.Throws<ShapeMismatchException>(() => vgg.Forward(small));
        Assert.Contains("too small", e2.Message);
        using var ints = Tensor.Zeros(new Shape(1, 3, 32, 32), DType.I32);
        Assert.Throws<DTypeMismatchException>(() => vgg.Forward(ints));
        Assert.Throws<ArgumentException>(() => ModelZoo.Create("resnet9"));
    }

    [Fact]
    public void TrainingStepProducesGradientsForEveryParameter()
    {
        using var model = new ResNet(new VisionConfig { Architecture = "resnet18", BaseChannels = 4, NumClasses = 3 }, new Generator(11));
        using var x = Tensor.RandN(new Shape(2, 3, 32, 32), new Generator(12));
        using var target = Tensor.FromArray(new long[] { 0, 2 }, 2);
        using var logits = model.Forward(x);
        using var loss = F.CrossEntropy(logits, target);
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad is not null, $"{name} has no gradient");
            Assert.Equal(p.Shape, p.Grad!.Shape);
        }
        Assert.Contains(Values(model.NamedParameters().First(p => p.Name == "conv1.weight").Parameter.Grad!), g => g != 0);
    }
}

[Collection("VisionPool")]
public sealed class VisionMemoryTests
{
    [Fact]
    public void ForwardInAScopeLeavesNoPooledBytesBehind()
    {
        using var model = new MobileNetV3(new VisionConfig { Architecture = "mobilenet_v3_small", WidthMult = 0.25, NumClasses = 4 }, new Generator(13));
        model.Eval();
        using var noGrad = Tensor.NoGrad(); // without a backward pass the autograd graph would keep saved activations
        using (Tensor.NewScope())
        {
            var warm = model.Forward(Tensor.RandN(new Shape(1, 3, 32, 32), new Generator(14)));
        }
        long before = PoolBytesAfterFinalizers();
        using (Tensor.NewScope())
        {
            var x = Tensor.RandN(new Shape(2, 3, 48, 40), new Generator(15));
            model.Train();
            var y1 = model.Forward(x);
            model.Eval();
            var y2 = model.Forward(x);
            Assert.Equal(y1.Shape, y2.Shape);
        }
        Assert.Equal(before, PoolBytesAfterFinalizers());
    }

    // Tensors other test classes left to the finalizer would otherwise return to the pool mid-measurement.
    private static long PoolBytesAfterFinalizers()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return DeepSeek.Backends.BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse;
    }
}
