using DeepSeek.Graph.Compilation.Passes;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Compilation.Transformer.TransformerKit;

namespace DeepSeek.Graph.Tests.Compilation.Transformer;

public sealed class SkipLayerNormFusionTests
{
    private const int K = 16;

    // y = LayerNorm(x + r) [, z = (x + r)·2 reading the sum]
    private static Graph Residual(bool sumReadElsewhere, long axis = -1, int[]? residualShape = null, bool bias = true)
    {
        var g = NewGraph();
        var x = Input(g, "x", 2, 3, K);
        var r = Input(g, "r", (residualShape ?? [2, 3, K]).Select(d => (long)d).ToArray());
        var sum = Op(g, "Add", x, r).Typed(2, 3, K);
        var ln = Op(g, "LayerNormalization", [sum, Const(g, RandN(20, K)), bias ? Const(g, RandN(21, K)) : null], A("axis", axis), A("epsilon", 1e-6f));
        if (sumReadElsewhere) g.AddOutput(Op(g, "Mul", sum, Scalar(g, 2)));
        g.AddOutput(ln);
        return g;
    }

    private static Dictionary<string, Tensor> Feeds(int[]? residualShape = null) => new()
    {
        ["x"] = RandN(22, 2, 3, K).Mul(4),
        ["r"] = RandN(23, residualShape ?? [2, 3, K]),
    };

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void AddThenLayerNormBecomesSkipLayerNorm(bool sumReadElsewhere, bool bias)
    {
        using var scope = Tensor.NewScope();
        using var g = Residual(sumReadElsewhere, bias: bias);
        var (fused, changed, _) = RunPass(new SkipLayerNormFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            var sln = Single(fused, "SkipLayerNorm", "deepseek");
            Assert.Equal(["x", "r"], sln.Inputs.Take(2).Select(v => v!.Name));
            Assert.Equal(1e-6f, sln.GetFloat("epsilon", 0));
            Assert.Equal(sumReadElsewhere ? 2 : 1, sln.Outputs.Count);
            Assert.DoesNotContain(fused.Nodes, n => n.OpType is "Add" or "LayerNormalization");
            if (sumReadElsewhere) Assert.Same(sln.Outputs[1], Single(fused, "Mul").Inputs[0]);
            Assert.Equal(sumReadElsewhere ? 2 : 1, fused.Nodes.Count);
            AssertSameOutputs(g, fused, Feeds());
        }
    }

    [Fact]
    public void SumReadBeforeTheLayerNormKeepsTopologicalOrder()
    {
        // the other reader of the sum sits between the Add and the LayerNorm: the fused node must come before it
        using var scope = Tensor.NewScope();
        using var g = NewGraph();
        var x = Input(g, "x", 4, K);
        var r = Input(g, "r", 4, K);
        var sum = Op(g, "Add", x, r).Typed(4, K);
        var early = Op(g, "Relu", sum);
        var ln = Op(g, "LayerNormalization", [sum, Const(g, RandN(24, K))], A("axis", -1L));
        g.AddOutput(early);
        g.AddOutput(ln);
        var (fused, changed, _) = RunPass(new SkipLayerNormFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            Assert.Equal(["deepseek::SkipLayerNorm", "Relu"], fused.Nodes.Select(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}::{n.OpType}"));
            AssertSameOutputs(g, fused, new Dictionary<string, Tensor> { ["x"] = RandN(25, 4, K), ["r"] = RandN(26, 4, K) });
        }
    }

    [Fact]
    public void NotLastAxisOrBroadcastResidualIsLeftAlone()
    {
        using var scope = Tensor.NewScope();
        foreach (var g in new[] { Residual(false, axis: 1), Residual(false, residualShape: [3, K]) })
            using (g)
            {
                var (fused, changed, _) = RunPass(new SkipLayerNormFusion(), g);
                using (fused)
                {
                    Assert.False(changed);
                    Assert.Contains(fused.Nodes, n => n.OpType == "LayerNormalization");
                }
            }
    }

    [Fact]
    public void StaticKernelWritesTheSameValuesAsTheInterpreter()
    {
        using var scope = Tensor.NewScope();
        using var g = Residual(true);
        var (fused, _, _) = RunPass(new SkipLayerNormFusion(), g);
        using (fused)
        {
            var node = Single(fused, "SkipLayerNorm", "deepseek");
            var feeds = Feeds();
            var consts = node.Inputs.Select(v => v?.Constant).ToArray();
            Tensor?[] ins = [feeds["x"], feeds["r"], consts[2], consts[3]];
            var metas = ins.Select(t => t is null ? (TensorMeta?)null : new TensorMeta(t.DType, t.Shape)).ToArray();
            var outs = new[] { Tensor.Empty(new Shape(2, 3, K)), Tensor.Empty(new Shape(2, 3, K)) };
            using var kernel = StaticKernelRegistry.Default.TryCreate(new StaticKernelRequest(node, 1, metas,
                outs.Select(o => new TensorMeta(o.DType, o.Shape)).ToArray(), consts));
            Assert.NotNull(kernel);
            kernel!.Run(ins, outs);
            var expected = RunAll(fused, feeds);
            Assert.Equal(expected[node.Outputs[0].Name], outs[0].ToDoubleArray());
            Assert.Equal(expected[fused.Outputs[0].Name], outs[1].Mul(2).ToDoubleArray());
            // a residual that broadcasts goes back to the interpreter kernel
            var metas2 = (TensorMeta?[])metas.Clone();
            metas2[1] = new TensorMeta(DType.F32, new Shape(3, K));
            Assert.Null(StaticKernelRegistry.Default.TryCreate(new StaticKernelRequest(node, 1, metas2, metas.Take(2).Select(m => m!.Value).ToArray(), consts)));
            // a bad gamma is reported with the node
            var metas3 = (TensorMeta?[])metas.Clone();
            metas3[2] = new TensorMeta(DType.F32, new Shape(K + 1));
            var ex = Assert.Throws<ShapeMismatchException>(() => StaticKernelRegistry.Default.TryCreate(new StaticKernelRequest(node, 1, metas3, metas.Take(2).Select(m => m!.Value).ToArray(), consts)));
            Assert.Contains("SkipLayerNorm node", ex.Message);
        }
    }
}
