using DeepSeek.Graph;
using DeepSeek.Graph.Execution;
using IrGraph = DeepSeek.Graph.Graph;

namespace DeepSeek.Onnx.Tests;

/// <summary>The example in docs/onnx.md, kept runnable.</summary>
public sealed class OnnxDocExampleTests
{
    [Fact]
    public void OnnxMdExampleRuns()
    {
        var dir = Directory.CreateTempSubdirectory("deepseek-onnx-doc-");
        try
        {
            var path = Path.Combine(dir.FullName, "tiny.onnx");
            using var g = new IrGraph("tiny");
            g.OpsetImports[""] = 17;
            var x = g.AddInput("x", new TensorType(DType.F32, [Dim.Named("batch"), 2]));
            var w = g.AddConstant("W", Tensor.FromArray(new float[] { 1, -1, 2, 0.5f }, 2, 2));
            var mm = g.AddNode("MatMul", [x, w], ["h"]);
            g.AddOutput(g.AddNode("Relu", [mm.Outputs[0]], ["y"]).Outputs[0]);
            OnnxModelFile.Save(OnnxExporter.Export(g), path);

            using var model = OnnxImporter.Import(OnnxModelFile.Load(path));
            var interpreter = new Interpreter();
            interpreter.Check(model);
            using var input = Tensor.FromArray(new float[] { 1, 2 }, 1, 2);
            var outputs = interpreter.Run(model, new Dictionary<string, RuntimeValue> { ["x"] = input.Detach() });
            using var y = outputs["y"];
            Assert.Equal(new float[] { 5, 0 }, y.AsTensor("y").ToArray<float>());
        }
        finally
        {
            dir.Delete(true);
        }
    }
}

/// <summary>Exported models run in ONNX Runtime (the peer) with the same outputs.</summary>
public sealed class OnnxRuntimeInteropTests
{
    [Theory]
    [InlineData("test_add_bcast")]
    [InlineData("test_conv_with_strides_padding")]
    [InlineData("test_gemm_default_scalar_bias")]
    [InlineData("test_softmax_axis_1")]
    [InlineData("test_layer_normalization_2d_axis0")]
    public void ImportedThenExportedNodeTestsRunInOnnxRuntimeWithMatchingOutputs(string name)
    {
        var dir = Path.Combine(NodeTestData.NodeDir, name);
        Assert.True(Directory.Exists(dir), $"node test {name} not found under {NodeTestData.NodeDir}");
        using var graph = OnnxImporter.Import(OnnxModelFile.Load(Path.Combine(dir, "model.onnx")));
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(OnnxExporter.Export(graph));
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(bytes);
        var feeds = new List<Microsoft.ML.OnnxRuntime.NamedOnnxValue>();
        var ours = new Dictionary<string, RuntimeValue>();
        for (int i = 0; i < graph.Inputs.Count; i++)
        {
            var t = TensorProtoConverter.ToTensor(OnnxModelFile.LoadTensor(Path.Combine(dir, "test_data_set_0", $"input_{i}.pb")));
            ours[graph.Inputs[i].Name] = t;
            var dense = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(t.ToArray<float>(), t.Shape.ToArray());
            feeds.Add(Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(graph.Inputs[i].Name, dense));
        }
        using var results = session.Run(feeds);
        var mine = new Interpreter().Run(graph, ours);
        foreach (var r in results)
        {
            var expected = r.AsTensor<float>().ToArray();
            using var actual = mine[r.Name];
            var got = actual.AsTensor(r.Name).ToArray<float>();
            Assert.Equal(expected.Length, got.Length);
            for (int k = 0; k < got.Length; k++) Assert.True(Math.Abs(got[k] - expected[k]) <= 1e-5 + 1e-4 * Math.Abs(expected[k]), $"{name} {r.Name}[{k}]: {got[k]} vs ORT {expected[k]}");
        }
        foreach (var v in ours.Values) v.Dispose();
    }
}
