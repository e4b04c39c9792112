using DeepSeek.Models.Vision;
using DeepSeek.NN;

namespace DeepSeek.Models.Tests.Vision;

/// <summary>
/// Tiny torchvision models (scripts/zoo/vision_reference.py) loaded with FromPretrained must reproduce PyTorch's eval
/// and train-mode outputs and BatchNorm running statistics.
/// </summary>
public sealed class TorchvisionParityTests
{
    public static TheoryData<string> Tiny => new() { "resnet18", "resnet50", "vgg16", "vgg16_bn", "mobilenet_v3_small" };

    [Theory]
    [MemberData(nameof(Tiny))]
    public void EvalOutputMatchesPyTorch(string name)
    {
        using var model = ModelZoo.FromPretrained(VisionRef.Dir(name));
        Assert.False(model.Training);
        var io = VisionRef.Io(name);
        try
        {
            using var y = model.Forward(io["input"]);
            VisionRef.AssertClose(io["output_eval"], y);
        }
        finally { foreach (var t in io.Values) t.Dispose(); }
    }

    [Theory]
    [MemberData(nameof(Tiny))]
    public void TrainModeBatchNormMatchesPyTorchOutputAndRunningStats(string name)
    {
        using var model = ModelZoo.FromPretrained(VisionRef.Dir(name));
        model.Train();
        foreach (var (_, m) in model.NamedModules())
            if (m is Dropout) m.Eval();
        var io = VisionRef.Io(name);
        try
        {
            using var y = model.Forward(io["input"]);
            VisionRef.AssertClose(io["output_train"], y);
            var sd = model.StateDict();
            try
            {
                int checkedBuffers = 0;
                foreach (var (key, expected) in io.Where(kv => kv.Key.StartsWith("after_train.", StringComparison.Ordinal)))
                {
                    var actual = sd[key["after_train.".Length..]];
                    if (expected.DType == DType.I64) Assert.Equal(expected.ToArray<long>(), actual.ToArray<long>());
                    else VisionRef.AssertClose(expected, actual, 1e-4, 1e-5);
                    checkedBuffers++;
                }
                Assert.Equal(name != "vgg16", checkedBuffers > 0);
            }
            finally { foreach (var t in sd.Values) t.Dispose(); }
        }
        finally { foreach (var t in io.Values) t.Dispose(); }
    }

    [Fact]
    public void TransposedInputViewGivesTheSameLogits()
    {
        using var model = ResNet.FromPretrained(VisionRef.Dir("resnet18"));
        var io = VisionRef.Io("resnet18");
        try
        {
            // Same image data stored [N, C, W, H] and viewed back as [N, C, H, W] (non-unit strides).
            using var stored = io["input"].Transpose(2, 3).Contiguous();
            using var view = stored.Transpose(2, 3);
            Assert.False(view.IsContiguous);
            using var y = model.Forward(view);
            VisionRef.AssertClose(io["output_eval"], y);
        }
        finally { foreach (var t in io.Values) t.Dispose(); }
    }

    [Fact]
    public void BroadcastInputViewMatchesMaterialisedBatch()
    {
        using var model = MobileNetV3.FromPretrained(VisionRef.Dir("mobilenet_v3_small"));
        using var one = Tensor.RandN(new Shape(1, 3, 40, 36), new Generator(11));
        using var expanded = one.Expand(3, 3, 40, 36);
        using var copy = expanded.Contiguous();
        using var a = model.Forward(expanded);
        using var b = model.Forward(copy);
        VisionRef.AssertClose(b, a, 1e-6, 1e-6);
        using var row0 = a.Narrow(0, 0, 1);
        using var row2 = a.Narrow(0, 2, 1);
        VisionRef.AssertClose(row0, row2, 1e-6, 1e-6);
    }
}
