using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Compilation.Passes;
using DeepSeek.Graph.Execution;
using DeepSeek.Models.Text;
using DeepSeek.NN.Serialization;
using DeepSeek.Onnx;
using static DeepSeek.Graph.Tests.Compilation.Transformer.TransformerKit;

namespace DeepSeek.Graph.Tests.Compilation.Transformer;

/// <summary>The transformer passes on traced tiny BERT/GPT-2 and on PyTorch's own exports: fused op counts and unchanged outputs.</summary>
public sealed class TracedTransformerTests
{
    private static readonly IGraphPass[] Passes = [new GeluFusion(), new LayerNormFusion(), new SkipLayerNormFusion(), new AttentionFusion()];

    private static (Graph Graph, IReadOnlyList<string> Log) Optimize(Graph g)
    {
        var copy = g.Clone();
        var ctx = new PassContext(new CompileOptions());
        foreach (var p in Passes)
            if (p.Run(copy, ctx)) copy.RemoveUnusedValues();
        copy.Validate();
        new Interpreter().Check(copy);
        return (copy, ctx.Log);
    }

    private static int Count(Graph g, string op, string domain = "deepseek") => g.Nodes.Count(n => n.OpType == op && n.Domain == domain);

    [Theory]
    [InlineData("gelu")]
    [InlineData("gelu_new")]
    public void TinyBertFusesGeluSkipLayerNormAndAttention(string act)
    {
        using var scope = Tensor.NewScope();
        var config = new BertConfig { VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 32, MaxPositionEmbeddings = 16, HiddenAct = act };
        var model = new BertModel(config, new Generator(21));
        model.Eval();
        var ids = Tensor.FromArray(new long[] { 1, 5, 9, 3, 7, 2, 4, 8, 6, 0, 0, 0 }, 2, 6);
        var mask = Tensor.FromArray(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, 2, 6);
        using var graph = Tracer.Trace(xs =>
        {
            var o = model.Forward(xs[0], xs[1]);
            return [o.LastHiddenState, o.PoolerOutput!];
        }, new TraceOptions { InputNames = ["input_ids", "attention_mask"], OutputNames = ["output", "pooler_output"] }, ids, mask);
        var (fused, log) = Optimize(graph);
        using (fused)
        {
            Assert.Equal(2, Count(fused, "Gelu"));
            Assert.Equal(2, Count(fused, "Attention"));
            Assert.Equal(4, Count(fused, "SkipLayerNorm")); // two per layer; the embedding sum adds a broadcast [S, E] position term
            Assert.Equal(1, Count(fused, "LayerNormalization", ""));
            Assert.Equal(0, Count(fused, "Softmax", "") + Count(fused, "Erf", "") + Count(fused, "Tanh", "") - 1); // the pooler's tanh stays
            Assert.All(fused.Nodes.Where(n => n.OpType == "Attention"), a => Assert.Equal((4, "bshd"), (a.Inputs.Count, a.GetString("layout", ""))));
            Assert.Equal(Count(graph, "Transpose", "") - 2 * 5, Count(fused, "Transpose", "")); // per layer: K's, the 3 head splits, the merge
            Assert.Equal(8, log.Count);
            AssertSameOutputs(graph, fused, new Dictionary<string, Tensor> { ["input_ids"] = ids, ["attention_mask"] = mask });
            using var eager = model.Forward(ids, mask);
            var ours = RunAll(fused, new Dictionary<string, Tensor> { ["input_ids"] = ids, ["attention_mask"] = mask })["output"];
            TestAssert(eager.LastHiddenState.ToDoubleArray(), ours);
        }
    }

    [Fact]
    public void TinyGpt2FusesCausalAttention()
    {
        using var scope = Tensor.NewScope();
        var config = new Gpt2Config { VocabSize = 40, NPositions = 16, NEmbd = 16, NLayer = 2, NHead = 2 };
        var model = new Gpt2LMHeadModel(config, new Generator(22));
        model.Eval();
        var ids = Tensor.FromArray(new long[] { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3 }, 2, 5);
        using var graph = Tracer.Trace(model.Forward, ids, new TraceOptions { InputNames = ["input_ids"] });
        var (fused, _) = Optimize(graph);
        using (fused)
        {
            Assert.Equal(2, Count(fused, "Gelu"));
            Assert.All(fused.Nodes.Where(n => n.OpType == "Gelu"), n => Assert.Equal("tanh", n.GetString("approximate", "")));
            var attention = fused.Nodes.Where(n => n.OpType == "Attention").ToList();
            Assert.Equal(2, attention.Count);
            Assert.All(attention, a => Assert.Equal((1L, 3, "bshd"), (a.GetInt("is_causal", 0), a.Inputs.Count, a.GetString("layout", ""))));
            // ln_2 and ln_1 of the next layer read residual sums that the next residual reads too: they keep the sum output
            var skip = fused.Nodes.Where(n => n.OpType == "SkipLayerNorm").ToList();
            Assert.Equal(4, skip.Count);
            Assert.Equal(3, skip.Count(n => n.Outputs.Count == 2));
            Assert.Equal(0, Count(fused, "Softmax", "") + Count(fused, "Where", ""));
            var feeds = new Dictionary<string, Tensor> { ["input_ids"] = ids };
            AssertSameOutputs(graph, fused, feeds);
            using var eager = model.Forward(ids);
            TestAssert(eager.ToDoubleArray(), RunAll(fused, feeds)["output"]);
        }
    }

    private static void TestAssert(double[] expected, double[] actual)
    {
        double scale = expected.Max(Math.Abs);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * (scale + Math.Abs(expected[i])), $"[{i}] eager {expected[i]}, fused {actual[i]}");
    }

    private static string ExportDir([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../DeepSeek.Onnx.Tests/PyTorchExports"));

    [Theory]
    [InlineData("bert_tiny", 2, 2, "none")]
    [InlineData("gpt2_tiny", 2, 2, "tanh")]
    public void PyTorchExportsFuseAndKeepTheirOutputs(string name, int attention, int gelu, string approximate)
    {
        using var scope = Tensor.NewScope();
        using var graph = OnnxImporter.Import(OnnxModelFile.Load(Path.Combine(ExportDir(), name + ".onnx")));
        var io = SafeTensors.Load(Path.Combine(ExportDir(), name + "_io.safetensors"));
        try
        {
            var feeds = new Dictionary<string, Tensor>();
            for (int i = 0; i < graph.Inputs.Count; i++) feeds[graph.Inputs[i].Name] = io[$"in_{i}"];
            var (fused, _) = Optimize(graph);
            using (fused)
            {
                Assert.Equal(attention, Count(fused, "Attention"));
                Assert.All(fused.Nodes.Where(n => n.OpType == "Attention"), a => Assert.Equal(1, a.GetInt("zero_masked_rows", 0)));
                Assert.Equal(gelu, Count(fused, "Gelu"));
                Assert.All(fused.Nodes.Where(n => n.OpType == "Gelu"), n => Assert.Equal(approximate, n.GetString("approximate", "")));
                AssertSameOutputs(graph, fused, feeds);
                var expected = io["out_0"].ToDoubleArray();
                TestAssert(expected, RunAll(fused, feeds)[fused.Outputs[0].Name]);
            }
        }
        finally
        {
            foreach (var t in io.Values) t.Dispose();
        }
    }
}
