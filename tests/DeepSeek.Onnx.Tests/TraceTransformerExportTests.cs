using DeepSeek.Graph;
using DeepSeek.Graph.Execution;
using DeepSeek.Models.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using IrGraph = DeepSeek.Graph.Graph;

namespace DeepSeek.Onnx.Tests;

/// <summary>Tiny BERT and GPT-2 traced with a fixed sequence length (eval mode), exported, run in ONNX Runtime and our interpreter.</summary>
public sealed class TraceTransformerExportTests
{
    private static void AssertClose(float[] expected, float[] actual, string who)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = expected.Max(MathF.Abs);
        Assert.True(scale > 0, $"{who}: eager output is all zeros");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (Math.Abs(expected[i]) + scale) + 1e-7, $"{who}[{i}]: {actual[i]} vs eager {expected[i]}");
    }

    private static void Check(IrGraph graph, Tensor[] inputs, Tensor eager, string[] expectedOps)
    {
        graph.Validate();
        var ops = graph.Nodes.Select(n => n.OpType).ToHashSet();
        foreach (var op in expectedOps) Assert.Contains(op, ops);
        var feeds = new Dictionary<string, RuntimeValue>();
        for (int i = 0; i < inputs.Length; i++) feeds[graph.Inputs[i].Name] = inputs[i].Detach();
        var outs = new Interpreter().Run(graph, feeds);
        using (var ours = outs["output"].AsTensor("output")) AssertClose(eager.ToArray<float>(), ours.ToArray<float>(), "interpreter");

        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(OnnxExporter.Export(graph));
        using var session = new InferenceSession(bytes);
        var onnxFeeds = inputs.Select((t, i) => NamedOnnxValue.CreateFromTensor(graph.Inputs[i].Name,
            new DenseTensor<long>(t.ToArray<long>(), t.Shape.ToArray()))).ToList();
        using var results = session.Run(onnxFeeds);
        var ort = results.Single(r => r.Name == "output").AsTensor<float>();
        Assert.Equal(eager.Shape.ToArray(), ort.Dimensions.ToArray());
        AssertClose(eager.ToArray<float>(), ort.ToArray(), "ONNX Runtime");
    }

    [Theory]
    [InlineData("gelu")]
    [InlineData("gelu_new")]
    public void TinyBertWithAttentionMaskTracesExportsAndMatchesOnnxRuntime(string act)
    {
        var config = new BertConfig { VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 32, MaxPositionEmbeddings = 16, HiddenAct = act };
        var model = new BertModel(config, new Generator(21));
        model.Eval();
        using var ids = Tensor.FromArray(new long[] { 1, 5, 9, 3, 7, 2, 4, 8, 6, 0, 0, 0 }, 2, 6);
        using var mask = Tensor.FromArray(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, 2, 6);
        using var eager = model.Forward(ids, mask);
        using var graph = Tracer.Trace(xs =>
        {
            var o = model.Forward(xs[0], xs[1]);
            return [o.LastHiddenState, o.PoolerOutput!];
        }, new TraceOptions { InputNames = ["input_ids", "attention_mask"], OutputNames = ["output", "pooler_output"] }, ids, mask);
        Check(graph, [ids, mask], eager.LastHiddenState, ["Gather", "LayerNormalization", "MatMul", "Softmax", act == "gelu" ? "Erf" : "Tanh"]);
    }

    [Fact]
    public void TinyGpt2LogitsTraceExportAndMatchOnnxRuntime()
    {
        var config = new Gpt2Config { VocabSize = 40, NPositions = 16, NEmbd = 16, NLayer = 2, NHead = 2 };
        var model = new Gpt2LMHeadModel(config, new Generator(22));
        model.Eval();
        using var ids = Tensor.FromArray(new long[] { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3 }, 2, 5);
        using var eager = model.Forward(ids);
        using var graph = Tracer.Trace(model.Forward, ids, new TraceOptions { InputNames = ["input_ids"] });
        Check(graph, [ids], eager, ["Gather", "LayerNormalization", "Softmax", "Where", "Tanh"]);
    }
}
