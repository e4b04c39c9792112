using DeepSeek.Graph.Compilation.Passes;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Compilation.Transformer.TransformerKit;

namespace DeepSeek.Graph.Tests.Compilation.Transformer;

public sealed class AttentionFusionTests
{
    private const int B = 2, H = 3, S = 10, D = 8;

    private static Dictionary<string, Tensor> Feeds()
    {
        var keep = new bool[B * S];
        for (int j = 0; j < S; j++) keep[j] = true;
        for (int j = 0; j < 6; j++) keep[S + j] = true; // batch 1 has 4 padding tokens
        var additive = new float[B * S];
        for (int i = 0; i < keep.Length; i++) additive[i] = keep[i] ? 0 : float.NegativeInfinity;
        return new()
        {
            ["q"] = RandN(30, B, H, S, D), ["k"] = RandN(31, B, H, S, D), ["v"] = RandN(32, B, H, S, D),
            ["kt"] = RandN(33, B, H, D, S), ["k_bshd"] = RandN(34, B, S, H, D),
            ["mask"] = Tensor.FromArray(additive, B, 1, 1, S), ["keep"] = Tensor.FromArray(keep, B, 1, 1, S),
        };
    }

    private static Node Attention(Graph g) => Single(g, "Attention", "deepseek");

    private static Value MatMul(Graph g, Value a, Value b, long rank = 4) => Op(g, "MatMul", a, b);

    private static Value Softmax(Graph g, Value x, long axis = -1) => Op(g, "Softmax", [x], A("axis", axis));

    [Fact]
    public void BertFormWithAdditiveMask()
    {
        // our tracer's BERT: Transpose(K, [0,1,3,2]) → MatMul → Mul(scale) → Add(mask [B,1,1,S]) → Softmax(axis 3) → MatMul(V)
        using var scope = Tensor.NewScope();
        using var g = NewGraph();
        var q = Input(g, "q", B, H, S, D);
        var k = Input(g, "k", B, H, S, D);
        var v = Input(g, "v", B, H, S, D);
        var mask = Input(g, "mask", B, 1, 1, S);
        var kt = Op(g, "Transpose", [k], A("perm", new long[] { 0, 1, 3, 2 }));
        var scores = Op(g, "Add", Op(g, "Mul", MatMul(g, q, kt), Scalar(g, 0.125)), mask).Typed(B, H, S, S);
        g.AddOutput(MatMul(g, Softmax(g, scores, 3), v));
        var (fused, changed, log) = RunPass(new AttentionFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            var a = Assert.Single(fused.Nodes);
            Assert.Equal(["q", "k", "v", "mask"], a.Inputs.Select(i => i!.Name));
            Assert.Equal(0.125f, a.GetFloat("scale", 0));
            Assert.False(a.Attributes.ContainsKey("is_causal"));
            Assert.Contains("deepseek::Attention", Assert.Single(log));
            AssertSameOutputs(g, fused, Feeds());
        }
    }

    [Fact]
    public void DivScaleOnAlreadyTransposedKeyGetsAKeyTranspose()
    {
        using var scope = Tensor.NewScope();
        using var g = NewGraph();
        var q = Input(g, "q", B, H, S, D);
        var kt = Input(g, "kt", B, H, D, S);
        var v = Input(g, "v", B, H, S, D);
        g.AddOutput(MatMul(g, Softmax(g, Op(g, "Div", MatMul(g, q, kt), Scalar(g, Math.Sqrt(D)))), v));
        var (fused, changed, _) = RunPass(new AttentionFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            Assert.Equal(["Transpose", "deepseek::Attention"], fused.Nodes.Select(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}::{n.OpType}"));
            Assert.Equal([0L, 1, 3, 2], fused.Nodes[0].GetInts("perm")!);
            Assert.Same(fused.Nodes[0].Outputs[0], Attention(fused).Inputs[1]);
            Assert.Equal(3, Attention(fused).Inputs.Count);
            Assert.Equal((float)(1 / Math.Sqrt(D)), Attention(fused).GetFloat("scale", 0), 6);
            AssertSameOutputs(g, fused, Feeds());
        }
    }

    [Fact]
    public void SdpaExportFormWithFourthRootScalesBoolMaskAndNaNGuard()
    {
        // torch's SDPA export: Q·d^−¼ and Transpose(K [B,S,H,D], [0,2,3,1])·d^−¼, an additive Where(keep, 0, −∞) mask,
        // Softmax(−1) guarded by Where(IsNaN(p), 0, p) for fully masked rows
        using var scope = Tensor.NewScope();
        using var g = NewGraph();
        var q = Input(g, "q", B, H, S, D);
        var k = Input(g, "k_bshd", B, S, H, D);
        var v = Input(g, "v", B, H, S, D);
        var keep = g.AddInput("keep", new TensorType(DType.Bool, [B, 1, 1, S]));
        double c = Math.Pow(D, -0.25);
        var kt = Op(g, "Mul", Op(g, "Transpose", [k], A("perm", new long[] { 0, 2, 3, 1 })), Scalar(g, c));
        var mask = Op(g, "Where", keep, Scalar(g, 0), Scalar(g, double.NegativeInfinity));
        var p = Softmax(g, Op(g, "Add", MatMul(g, Op(g, "Mul", q, Scalar(g, c)), kt), mask));
        var guarded = Op(g, "Where", Op(g, "IsNaN", p), Scalar(g, 0), p);
        g.AddOutput(MatMul(g, guarded, v));
        var (fused, changed, _) = RunPass(new AttentionFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            var a = Attention(fused);
            Assert.Equal(1, a.GetInt("zero_masked_rows", 0));
            Assert.Equal((float)(c * c), a.GetFloat("scale", 0), 6);
            Assert.Equal([0L, 2, 1, 3], Single(fused, "Transpose").GetInts("perm")!);
            Assert.DoesNotContain(fused.Nodes, n => n.OpType is "IsNaN" or "Softmax" or "MatMul" or "Mul");
            var feeds = Feeds();
            AssertSameOutputs(g, fused, feeds);
            // a fully masked row gives zeros through the guard and through the fused kernel
            feeds["keep"] = Tensor.Zeros(new Shape(B, 1, 1, S), DType.Bool);
            AssertSameOutputs(g, fused, feeds);
            Assert.All(RunAll(fused, feeds).Single().Value, x => Assert.Equal(0, x));
        }
    }

    [Fact]
    public void ConstantCausalFillBecomesIsCausal()
    {
        // GPT-2 as traced: Where(const tril-complement, −∞, scores); the constant mask is dropped for is_causal
        using var scope = Tensor.NewScope();
        using var g = NewGraph();
        var q = Input(g, "q", B, H, S, D);
        var k = Input(g, "k", B, H, S, D);
        var v = Input(g, "v", B, H, S, D);
        var hidden = new bool[S * S];
        for (int i = 0; i < S; i++) for (int j = i + 1; j < S; j++) hidden[i * S + j] = true;
        var scores = Op(g, "Mul", MatMul(g, q, Op(g, "Transpose", [k], A("perm", new long[] { 0, 1, 3, 2 }))), Scalar(g, 0.3));
        var filled = Op(g, "Where", Const(g, Tensor.FromArray(hidden, S, S)), Scalar(g, double.NegativeInfinity), scores);
        g.AddOutput(MatMul(g, Softmax(g, filled), v));
        var (fused, changed, _) = RunPass(new AttentionFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            var a = Assert.Single(fused.Nodes);
            Assert.Equal(1, a.GetInt("is_causal", 0));
            Assert.Equal(3, a.Inputs.Count);
            Assert.Empty(fused.Constants);
            AssertSameOutputs(g, fused, Feeds());
        }
    }

    [Fact]
    public void DynamicWhereFillBecomesAnAdditiveMaskAndNonCausalConstantsStay()
    {
        using var scope = Tensor.NewScope();
        foreach (bool constant in new[] { false, true })
        {
            using var g = NewGraph();
            var q = Input(g, "q", B, H, S, D);
            var k = Input(g, "k", B, H, S, D);
            var v = Input(g, "v", B, H, S, D);
            var hidden = new bool[S * S];
            for (int i = 0; i < S; i++) hidden[i * S + (i * 7 + 3) % S] = i % 3 == 0; // not causal
            var cond = constant ? Const(g, Tensor.FromArray(hidden, S, S)) : Op(g, "Not", g.AddInput("keep", new TensorType(DType.Bool, [B, 1, 1, S])));
            var scores = MatMul(g, q, Op(g, "Transpose", [k], A("perm", new long[] { 0, 1, 3, 2 })));
            g.AddOutput(MatMul(g, Softmax(g, Op(g, "Where", cond, Scalar(g, float.MinValue), scores)), v));
            var (fused, changed, _) = RunPass(new AttentionFusion(), g);
            using (fused)
            {
                Assert.True(changed);
                var a = Attention(fused);
                Assert.Equal(4, a.Inputs.Count);
                Assert.Equal(constant, a.Inputs[3]!.IsConstant);
                Assert.Equal(0, a.GetInt("is_causal", 0));
                AssertSameOutputs(g, fused, Feeds());
            }
        }
    }

    [Fact]
    public void TorchExportReshapedKeyTransposeIsUndone()
    {
        // torch.export writes kᵀ as Reshape(Transpose(Reshape(k, [B·H, S, D]), [0, 2, 1]), [B, H, D, S])
        using var scope = Tensor.NewScope();
        using var g = NewGraph(18);
        var q = Input(g, "q", B, H, S, D);
        var k = Input(g, "k", B, H, S, D);
        var v = Input(g, "v", B, H, S, D);
        var flat = Op(g, "Reshape", k, Const(g, Tensor.FromArray(new long[] { B * H, S, D }, 3)));
        var kt = Op(g, "Reshape", Op(g, "Transpose", [flat], A("perm", new long[] { 0, 2, 1 })), Const(g, Tensor.FromArray(new long[] { B, H, D, S }, 4)));
        g.AddOutput(MatMul(g, Softmax(g, MatMul(g, q, kt)), v));
        var (fused, changed, _) = RunPass(new AttentionFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            var a = Assert.Single(fused.Nodes);
            Assert.Equal("k", a.Inputs[1]!.Name); // k already has the [B, H, S, D] shape: no Reshape needed
            Assert.Equal(1f, a.GetFloat("scale", 0));
            AssertSameOutputs(g, fused, Feeds());
        }
    }

    // x [B, S, H·D] → Reshape [B, S, H, D] → Transpose [0, 2, 1, 3], attention, → Transpose back → Reshape [B, S, H·D]
    private static Graph HeadSplitAttention(bool exposeHeadsOutput)
    {
        var g = NewGraph();
        var shape4 = Const(g, Tensor.FromArray(new long[] { B, S, H, D }, 4));
        Value Heads(string name)
        {
            var x = Input(g, name, B, S, H * D);
            return Op(g, "Transpose", [Op(g, "Reshape", x, shape4).Typed(B, S, H, D)], A("perm", new long[] { 0, 2, 1, 3 })).Typed(B, H, S, D);
        }
        var q = Heads("xq");
        var k = Heads("xk");
        var v = Heads("xv");
        var mask = Input(g, "mask", B, 1, 1, S);
        var kt = Op(g, "Transpose", [k], A("perm", new long[] { 0, 1, 3, 2 }));
        var ctx = MatMul(g, Softmax(g, Op(g, "Add", Op(g, "Mul", MatMul(g, q, kt), Scalar(g, 0.125)), mask)), v).Typed(B, H, S, D);
        var back = Op(g, "Transpose", [ctx], A("perm", new long[] { 0, 2, 1, 3 }));
        g.AddOutput(Op(g, "Reshape", back, Const(g, Tensor.FromArray(new long[] { B, S, H * D }, 3))));
        if (exposeHeadsOutput) g.AddOutput(ctx);
        return g;
    }

    private static Dictionary<string, Tensor> HeadFeeds()
    {
        var feeds = Feeds();
        feeds["xq"] = RandN(36, B, S, H * D);
        feeds["xk"] = RandN(37, B, S, H * D);
        feeds["xv"] = RandN(38, B, S, H * D);
        return feeds;
    }

    [Fact]
    public void HeadSplitTransposesFoldIntoSequenceFirstLayout()
    {
        using var scope = Tensor.NewScope();
        using var g = HeadSplitAttention(exposeHeadsOutput: false);
        var (fused, changed, log) = RunPass(new AttentionFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            Assert.Equal(["Reshape", "Reshape", "Reshape", "deepseek::Attention", "Reshape"], fused.Nodes.Select(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}::{n.OpType}"));
            var a = Attention(fused);
            Assert.Equal("bshd", a.GetString("layout", ""));
            Assert.All(a.Inputs.Take(3), i => Assert.Equal("Reshape", i!.Producer!.OpType));
            Assert.Contains("layout=bshd", Assert.Single(log));
            AssertSameOutputs(g, fused, HeadFeeds());

            // the static kernel reads and writes [B, S, H, D] too
            var feeds = HeadFeeds();
            var ins = new Tensor?[] { feeds["xq"].Reshape(B, S, H, D), feeds["xk"].Reshape(B, S, H, D), feeds["xv"].Reshape(B, S, H, D), feeds["mask"] };
            var y = Tensor.Empty(new Shape(B, S, H, D));
            using var kernel = StaticKernelRegistry.Default.TryCreate(new StaticKernelRequest(a, 1, ins.Select(t => (TensorMeta?)new TensorMeta(t!.DType, t.Shape)).ToArray(),
                [new TensorMeta(DType.F32, y.Shape)], new Tensor?[4]));
            kernel!.Run(ins, [y]);
            Assert.Equal(RunAll(fused, feeds).Single().Value, y.ToDoubleArray());
        }
    }

    [Fact]
    public void HeadsOutputReadElsewhereKeepsTheTransposes()
    {
        using var scope = Tensor.NewScope();
        using var g = HeadSplitAttention(exposeHeadsOutput: true);
        var (fused, changed, _) = RunPass(new AttentionFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            Assert.False(Attention(fused).Attributes.ContainsKey("layout"));
            Assert.Equal(4, fused.Nodes.Count(n => n.OpType == "Transpose"));
            AssertSameOutputs(g, fused, HeadFeeds());
        }
    }

    [Fact]
    public void NegativeCasesAreLeftAlone()
    {
        using var scope = Tensor.NewScope();
        var cases = new List<Graph>();
        Graph Build(Func<Graph, Value, Value, Value> scores, long axis = -1, bool exposeProbs = false)
        {
            var g = NewGraph();
            var q = Input(g, "q", B, H, S, D);
            var k = Input(g, "k", B, H, S, D);
            var v = Input(g, "v", B, H, S, D);
            var s = scores(g, q, Op(g, "Transpose", [k], A("perm", new long[] { 0, 1, 3, 2 })));
            var p = Softmax(g, s, axis);
            g.AddOutput(MatMul(g, p, v));
            if (exposeProbs) g.AddOutput(p);
            cases.Add(g);
            return g;
        }
        Build((g, q, kt) => MatMul(g, q, kt).Typed(B, H, S, S), axis: 2);                                   // softmax over queries
        Build((g, q, kt) => Op(g, "Mul", MatMul(g, q, kt), g.AddInput("s", new TensorType(DType.F32, [])))); // scale not constant
        Build((g, q, kt) => MatMul(g, q, kt), exposeProbs: true);                                           // probabilities read elsewhere
        Build((g, q, kt) =>
        {
            var sc = MatMul(g, q, kt);
            g.AddOutput(sc);                                                                               // scores read elsewhere
            return sc;
        });
        Build((g, q, kt) => Op(g, "Where", Const(g, Tensor.Zeros(new Shape(S, S), DType.Bool)), Scalar(g, -1), MatMul(g, q, kt))); // finite fill
        {
            // K and V broadcast over the batch by MatMul (rank 3 against Q's rank 4): not an Attention the op can express
            var g = NewGraph();
            var q = Input(g, "q", B, H, S, D);
            var k = Input(g, "k3", H, S, D);
            var v = Input(g, "v3", H, S, D);
            g.AddOutput(MatMul(g, Softmax(g, MatMul(g, q, Op(g, "Transpose", [k], A("perm", new long[] { 0, 2, 1 })))), v));
            cases.Add(g);
        }
        foreach (var g in cases)
            using (g)
            {
                var (fused, changed, _) = RunPass(new AttentionFusion(), g);
                using (fused)
                {
                    Assert.False(changed);
                    Assert.Equal(g.Nodes.Count, fused.Nodes.Count);
                    Assert.DoesNotContain(fused.Nodes, n => n.Domain == "deepseek");
                }
            }
    }

    [Fact]
    public void StaticKernelMatchesTheInterpreterOnStridedInputs()
    {
        using var scope = Tensor.NewScope();
        using var g = NewGraph();
        var q = Input(g, "q", B, H, S, D);
        var k = Input(g, "k", B, H, S, D);
        var v = Input(g, "v", B, H, S, D);
        var mask = Input(g, "mask", B, 1, 1, S);
        var node = g.AddNode("Attention", [q, k, v, mask], ["y"], "deepseek");
        node.Attributes["scale"] = AttributeValue.Of(0.2f);
        node.Attributes["is_causal"] = AttributeValue.Of(1L);
        g.OpsetImports["deepseek"] = 1;
        g.AddOutput(node.Outputs[0]);
        var feeds = Feeds();
        // Q as a [B, S, H, D] → [B, H, S, D] view, the layout a head split leaves behind
        var qView = RandN(35, B, S, H, D).Transpose(1, 2);
        feeds["q"] = qView;
        var metas = new TensorMeta?[] { new(DType.F32, qView.Shape), new(DType.F32, feeds["k"].Shape), new(DType.F32, feeds["v"].Shape), new(DType.F32, feeds["mask"].Shape) };
        var y = Tensor.Empty(new Shape(B, H, S, D));
        using var kernel = StaticKernelRegistry.Default.TryCreate(new StaticKernelRequest(node, 1, metas, [new TensorMeta(DType.F32, y.Shape)], new Tensor?[4]));
        Assert.NotNull(kernel);
        kernel!.Run([qView, feeds["k"], feeds["v"], feeds["mask"]], [y]);
        Assert.Equal(RunAll(g, feeds)["y"], y.ToDoubleArray());
        // inconsistent shapes are reported with the node at preparation time
        metas[2] = new TensorMeta(DType.F32, new Shape(B, H, S + 1, D));
        var ex = Assert.Throws<ShapeMismatchException>(() => StaticKernelRegistry.Default.TryCreate(new StaticKernelRequest(node, 1, metas, [new TensorMeta(DType.F32, y.Shape)], new Tensor?[4])));
        Assert.Contains("Attention node", ex.Message);
    }
}
