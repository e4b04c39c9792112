using DeepSeek.Graph;
using DeepSeek.Graph.Execution;
using DeepSeek.Models.Vision;
using DeepSeek.NN;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using IrGraph = DeepSeek.Graph.Graph;

namespace DeepSeek.Onnx.Tests;

/// <summary>Modules traced to the IR and exported to ONNX run in ONNX Runtime (the oracle) with our eager outputs.</summary>
public sealed class TraceExportTests
{
    // Non-trivial batch-norm statistics, so eval-mode BatchNormalization is really exercised.
    private static void RandomizeBatchNormStats(Module model, Generator gen)
    {
        using var _ = Tensor.NoGrad();
        foreach (var (name, b) in model.NamedBuffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal))
            {
                using var m = Tensor.RandN(b.Shape, gen, 0, 0.1);
                b.CopyFrom(m);
            }
            else if (name.EndsWith("running_var", StringComparison.Ordinal))
            {
                using var v = Tensor.Rand(b.Shape, gen, 0.5, 1.5);
                b.CopyFrom(v);
            }
        }
    }

    private static void CheckTraceExportRun(Module<Tensor, Tensor> model, Tensor x, string[] expectedOps)
    {
        model.Eval();
        using var eager = model.Forward(x);
        using var graph = Tracer.Trace(model.Forward, x, new TraceOptions { BatchDimName = "batch" });
        graph.Validate();
        var ops = graph.Nodes.Select(n => n.OpType).ToHashSet();
        foreach (var op in expectedOps) Assert.Contains(op, ops);
        Assert.DoesNotContain("MatMul", ops); // every Linear became a Gemm

        // our interpreter on the traced graph
        var outs = new Interpreter().Run(graph, new Dictionary<string, RuntimeValue> { ["input"] = x.Detach() });
        using (var ours = outs["output"].AsTensor("output")) AssertClose(eager.ToArray<float>(), ours.ToArray<float>(), "interpreter");

        // ONNX Runtime on the exported model
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(OnnxExporter.Export(graph));
        using var session = new InferenceSession(bytes);
        var feed = NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(x.ToArray<float>(), x.Shape.ToArray()));
        using var results = session.Run([feed]);
        var r = Assert.Single(results);
        Assert.Equal("output", r.Name);
        var ort = r.AsTensor<float>();
        Assert.Equal(eager.Shape.ToArray(), ort.Dimensions.ToArray());
        AssertClose(eager.ToArray<float>(), ort.ToArray(), "ONNX Runtime");

        // the exported model round-trips through our importer too
        using var reimported = OnnxImporter.Import(OnnxExporter.Export(graph));
        var outs2 = new Interpreter().Run(reimported, new Dictionary<string, RuntimeValue> { ["input"] = x.Detach() });
        using (var again = outs2["output"].AsTensor("output")) AssertClose(eager.ToArray<float>(), again.ToArray<float>(), "re-imported");
    }

    private static void AssertClose(float[] expected, float[] actual, string who)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = expected.Max(MathF.Abs);
        Assert.True(scale > 0, $"{who}: eager output is all zeros, nothing to compare");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (Math.Abs(expected[i]) + scale) + 1e-7, // 1e-4 relative to the output's scale
                $"{who}[{i}]: {actual[i]} vs eager {expected[i]}");
    }

    [Fact]
    public void DigitsCnnTracesExportsAndMatchesOnnxRuntime()
    {
        var gen = new Generator(11);
        var model = new DigitsCnn(generator: gen);
        using var x = Tensor.RandN(new DeepSeek.Shape(3, 1, 8, 8), gen);
        CheckTraceExportRun(model, x, ["Conv", "Relu", "MaxPool", "Flatten", "Gemm"]);
    }

    [Fact]
    public void ResNet18TracesExportsAndMatchesOnnxRuntime()
    {
        var gen = new Generator(12);
        var model = ResNet.ResNet18(numClasses: 10, generator: gen);
        RandomizeBatchNormStats(model, gen);
        using var x = Tensor.RandN(new DeepSeek.Shape(1, 3, 64, 64), gen);
        CheckTraceExportRun(model, x, ["Conv", "BatchNormalization", "Relu", "MaxPool", "Add", "GlobalAveragePool", "Flatten", "Gemm"]);
    }

    [Fact]
    public void MobileNetV3SmallTracesExportsAndMatchesOnnxRuntime()
    {
        var gen = new Generator(13);
        var model = MobileNetV3.Small(numClasses: 10, generator: gen);
        RandomizeBatchNormStats(model, gen);
        using var x = Tensor.RandN(new DeepSeek.Shape(1, 3, 64, 64), gen);
        CheckTraceExportRun(model, x, ["Conv", "BatchNormalization", "HardSwish", "HardSigmoid", "Relu", "Mul", "GlobalAveragePool", "Gemm"]);
    }

    [Fact]
    public void ResNet50TracesExportsAndMatchesOnnxRuntime()
    {
        var gen = new Generator(15);
        var model = ResNet.ResNet50(numClasses: 10, generator: gen);
        RandomizeBatchNormStats(model, gen);
        using var x = Tensor.RandN(new DeepSeek.Shape(1, 3, 64, 64), gen);
        CheckTraceExportRun(model, x, ["Conv", "BatchNormalization", "Relu", "MaxPool", "Add", "GlobalAveragePool", "Gemm"]);
    }

    [Fact]
    public void Vgg16TracesExportsAndMatchesOnnxRuntime()
    {
        // the full VGG-16 feature stack at 224×224 (7×7 before the adaptive pool); a narrow classifier keeps it light
        var gen = new Generator(16);
        var model = new Vgg(new VisionConfig { Architecture = "vgg16", NumClasses = 10, HiddenFeatures = 64 }, gen);
        using var x = Tensor.RandN(new DeepSeek.Shape(1, 3, 224, 224), gen);
        CheckTraceExportRun(model, x, ["Conv", "Relu", "MaxPool", "Gemm"]);
    }

    [Fact]
    public void TracedGraphWithDynamicBatchRunsInOnnxRuntimeForAnotherBatchSize()
    {
        var gen = new Generator(14);
        var model = new DigitsCnn(generator: gen);
        model.Eval();
        using var x = Tensor.RandN(new DeepSeek.Shape(2, 1, 8, 8), gen);
        using var graph = Tracer.Trace(model.Forward, x, new TraceOptions { BatchDimName = "batch" });
        using var x5 = Tensor.RandN(new DeepSeek.Shape(5, 1, 8, 8), gen);
        using var eager = model.Forward(x5);
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(OnnxExporter.Export(graph));
        using var session = new InferenceSession(bytes);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(x5.ToArray<float>(), x5.Shape.ToArray()))]);
        AssertClose(eager.ToArray<float>(), results.First().AsTensor<float>().ToArray(), "ONNX Runtime batch 5");
    }
}
