using DeepSeek.Graph.Compilation.Passes;
using static DeepSeek.Graph.Tests.Compilation.Transformer.TransformerKit;

namespace DeepSeek.Graph.Tests.Compilation.Transformer;

public sealed class LayerNormFusionTests
{
    private const int K = 12;

    // ReduceMean → Sub → Pow 2 | Mul self → ReduceMean → Add ε → Sqrt → Div | Reciprocal·Mul → [·γ] → [+β]
    private static Graph Decomposed(bool pow, bool reciprocal, long axis = -1, bool gamma = true, bool beta = true, long opset = 17,
        Tensor? gammaData = null, bool exposeDiff = false)
    {
        var g = NewGraph(opset);
        var x = Input(g, "x", 2, 5, K);
        Value Mean(Value v)
        {
            if (opset >= 18) return Op(g, "ReduceMean", [v, Const(g, Tensor.FromArray(new[] { axis }, 1))], A("keepdims", 1L));
            return Op(g, "ReduceMean", [v], A("axes", new[] { axis }), A("keepdims", 1L));
        }
        var d = Op(g, "Sub", x, Mean(x));
        var sq = pow ? Op(g, "Pow", d, Scalar(g, 2)) : Op(g, "Mul", d, d);
        var std = Op(g, "Sqrt", Op(g, "Add", Mean(sq), Scalar(g, 1e-5)));
        var y = reciprocal ? Op(g, "Mul", Op(g, "Reciprocal", std), d) : Op(g, "Div", d, std);
        if (gamma) y = Op(g, "Mul", y, Const(g, gammaData ?? RandN(7, K)));
        if (beta) y = Op(g, "Add", Const(g, RandN(8, K)), y);
        g.AddOutput(y);
        if (exposeDiff) g.AddOutput(d);
        return g;
    }

    private static Dictionary<string, Tensor> Feeds() => new() { ["x"] = RandN(9, 2, 5, K).Mul(2).Add(3) };

    [Theory]
    [InlineData(true, false, -1L, 17)]
    [InlineData(false, true, 2L, 17)]
    [InlineData(true, true, -1L, 18)]
    public void DecomposedLayerNormBecomesLayerNormalization(bool pow, bool reciprocal, long axis, long opset)
    {
        using var scope = Tensor.NewScope();
        using var g = Decomposed(pow, reciprocal, axis, opset: opset);
        var (fused, changed, log) = RunPass(new LayerNormFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            var ln = Assert.Single(fused.Nodes);
            Assert.Equal("LayerNormalization", ln.OpType);
            Assert.Equal(-1, ln.GetInt("axis", 0));
            Assert.Equal(1e-5f, ln.GetFloat("epsilon", 0));
            Assert.Equal(3, ln.Inputs.Count);
            Assert.Equal(g.Outputs[0].Name, ln.Outputs[0].Name);
            Assert.Contains("LayerNormalization", Assert.Single(log));
            AssertSameOutputs(g, fused, Feeds());
        }
    }

    [Fact]
    public void BroadcastGammaConstantIsReshapedAndMissingAffineGetsOnes()
    {
        using var scope = Tensor.NewScope();
        using var g = Decomposed(true, false, gammaData: RandN(10, 1, 1, K), beta: false);
        var (fused, changed, _) = RunPass(new LayerNormFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            var ln = Single(fused, "LayerNormalization");
            Assert.Equal([K], ln.Inputs[1]!.Constant!.Shape.ToArray());
            Assert.True(ln.Inputs.Count < 3 || ln.Inputs[2] is null);
            AssertSameOutputs(g, fused, Feeds());
        }
        using var bare = Decomposed(false, false, gamma: false, beta: false);
        var (fusedBare, changedBare, _) = RunPass(new LayerNormFusion(), bare);
        using (fusedBare)
        {
            Assert.True(changedBare);
            Assert.Equal(Enumerable.Repeat(1.0, K), Single(fusedBare, "LayerNormalization").Inputs[1]!.Constant!.ToDoubleArray());
            AssertSameOutputs(bare, fusedBare, Feeds());
        }
    }

    [Fact]
    public void WrongAxisIntermediateReadElsewhereOrOldOpsetIsLeftAlone()
    {
        using var scope = Tensor.NewScope();
        foreach (var g in new[] { Decomposed(true, false, axis: 1), Decomposed(true, false, exposeDiff: true), Decomposed(true, false, opset: 13) })
            using (g)
            {
                var (fused, changed, _) = RunPass(new LayerNormFusion(), g);
                using (fused)
                {
                    Assert.False(changed);
                    Assert.DoesNotContain(fused.Nodes, n => n.OpType == "LayerNormalization");
                    Assert.Equal(g.Nodes.Count, fused.Nodes.Count);
                }
            }
    }

    [Fact]
    public void NonConstantEpsilonIsLeftAlone()
    {
        using var scope = Tensor.NewScope();
        using var g = NewGraph();
        var x = Input(g, "x", 3, K);
        var eps = Input(g, "eps");
        var d = Op(g, "Sub", x, Op(g, "ReduceMean", [x], A("axes", new[] { -1L })));
        var y = Op(g, "Div", d, Op(g, "Sqrt", Op(g, "Add", Op(g, "ReduceMean", [Op(g, "Mul", d, d)], A("axes", new[] { -1L })), eps)));
        g.AddOutput(y);
        var (fused, changed, _) = RunPass(new LayerNormFusion(), g);
        using (fused) Assert.False(changed);
    }
}
