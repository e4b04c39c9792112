using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Compilation.Passes;
using static DeepSeek.Graph.Tests.Compilation.Fusion.FusionTestKit;

namespace DeepSeek.Graph.Tests.Compilation.Fusion;

public sealed class ConvFusionTests
{
    private static readonly ConvFusion Pass = new();

    // x [1, 4, 8, 8] → Conv 3×3 pad 1 (W [6, 4, 3, 3], B [6]) → y [1, 6, 8, 8]
    private static (Graph G, Value X, Value Y) ConvGraph(string name = "conv", bool bias = true, long opset = 20)
    {
        var g = NewGraph(name, opset);
        var x = g.AddInput("x", F32(1, 4, 8, 8));
        var w = g.AddConstant("w", Scaled(RandN(1, 6, 4, 3, 3), 0.3));
        var b = bias ? g.AddConstant("b", RandN(2, 6)) : null;
        var conv = g.AddNode("Conv", bias ? [x, w, b] : [x, w], ["y"], name: "conv1");
        conv.Attributes["pads"] = AttributeValue.Of(new long[] { 1, 1, 1, 1 });
        conv.Attributes["kernel_shape"] = AttributeValue.Of(new long[] { 3, 3 });
        return (g, x, Typed(conv.Outputs[0], 1, 6, 8, 8));
    }

    private static Node Act(Graph g, string op, Value input, string output, string domain = "")
    {
        var n = g.AddNode(op, [input], [output], domain);
        Typed(n.Outputs[0], 1, 6, 8, 8);
        return n;
    }

    [Fact]
    public void ConvReluBecomesOneFusedConv()
    {
        var (g, _, y) = ConvGraph();
        using var _g = g;
        g.AddOutput(Act(g, "Relu", y, "out").Outputs[0]);
        using var x = RandN(3, 1, 4, 8, 8);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x));
        Assert.Equal(["deepseek.FusedConv"], OpList(after));
        var n = after.Nodes[0];
        Assert.Equal("conv1", n.Name);
        Assert.Equal("Relu", n.GetString("activation", ""));
        Assert.Equal(new long[] { 1, 1, 1, 1 }, n.GetInts("pads"));
        Assert.Equal(3, n.Inputs.Count);
        Assert.Equal("out", after.Outputs[0].Name); // the chain's result keeps its name and type
        Assert.Equal("f32[1, 6, 8, 8]", after.Outputs[0].Type?.ToString());
        Assert.Equal(1, after.OpsetFor("deepseek"));
    }

    [Theory]
    [InlineData("Sigmoid")]
    [InlineData("Tanh")]
    [InlineData("HardSwish")]
    public void ParameterlessActivationsFuse(string op)
    {
        var (g, _, y) = ConvGraph();
        using var _g = g;
        g.AddOutput(Act(g, op, y, "out").Outputs[0]);
        using var x = RandN(4, 1, 4, 8, 8);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x));
        Assert.Equal(["deepseek.FusedConv"], OpList(after));
        Assert.Equal(op, after.Nodes[0].GetString("activation", ""));
    }

    [Fact]
    public void ActivationParametersCarryOver()
    {
        foreach (var (op, attrs, expected) in new (string, (string, float)[], float[])[]
        {
            ("LeakyRelu", [("alpha", 0.2f)], [0.2f]),
            ("HardSigmoid", [("alpha", 0.25f), ("beta", 0.4f)], [0.25f, 0.4f]),
            ("HardSigmoid", [], [0.2f, 0.5f]),
        })
        {
            var (g, _, y) = ConvGraph();
            using var _g = g;
            var n = Act(g, op, y, "out");
            foreach (var (k, v) in attrs) n.Attributes[k] = AttributeValue.Of(v);
            g.AddOutput(n.Outputs[0]);
            using var x = RandN(5, 1, 4, 8, 8);
            using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x));
            Assert.Equal(op, after.Nodes[0].GetString("activation", ""));
            Assert.Equal(expected, after.Nodes[0].GetFloats("activation_params"));
        }
    }

    [Fact]
    public void ClipWithConstantBoundsIsRelu6()
    {
        var (g, _, y) = ConvGraph();
        using var _g = g;
        var lo = g.AddConstant("lo", Tensor.Scalar(0f));
        var hi = g.AddConstant("hi", Tensor.Scalar(6f));
        var clip = g.AddNode("Clip", [y, lo, hi], ["out"]);
        g.AddOutput(Typed(clip.Outputs[0], 1, 6, 8, 8));
        using var x = Scaled(RandN(6, 1, 4, 8, 8), 4);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x));
        var n = Assert.Single(after.Nodes);
        Assert.Equal("Clip", n.GetString("activation", ""));
        Assert.Equal(new[] { 0f, 6f }, n.GetFloats("activation_params"));
        Assert.DoesNotContain(after.Constants, c => c.Name is "lo" or "hi"); // the bounds are no longer read
    }

    [Fact]
    public void ResidualAddThenReluIsTheResNetBlockTail()
    {
        var (g, _, y) = ConvGraph();
        using var _g = g;
        var z = g.AddInput("z", F32(1, 6, 8, 8));
        var add = g.AddNode("Add", [z, y], ["sum"]); // the shortcut on the left: either order matches
        Typed(add.Outputs[0], 1, 6, 8, 8);
        g.AddOutput(Act(g, "Relu", add.Outputs[0], "out").Outputs[0]);
        using var x = RandN(7, 1, 4, 8, 8);
        using var zt = RandN(8, 1, 6, 8, 8);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x), ("z", zt));
        var n = Assert.Single(after.Nodes);
        Assert.Equal("FusedConv", n.OpType);
        Assert.Equal("z", n.Inputs[3]!.Name);
        Assert.Equal("Relu", n.GetString("activation", ""));
    }

    [Fact]
    public void SiluAsMulOfSigmoidFuses()
    {
        var (g, _, y) = ConvGraph(bias: false);
        using var _g = g;
        var sig = Act(g, "Sigmoid", y, "s");
        var mul = g.AddNode("Mul", [sig.Outputs[0], y], ["out"]);
        g.AddOutput(Typed(mul.Outputs[0], 1, 6, 8, 8));
        using var x = RandN(9, 1, 4, 8, 8);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x));
        var n = Assert.Single(after.Nodes);
        Assert.Equal("Silu", n.GetString("activation", ""));
        Assert.Null(n.Inputs[2]); // no bias
    }

    [Theory]
    [InlineData("deepseek", "none", "Gelu")]
    [InlineData("deepseek", "tanh", "GeluTanh")]
    [InlineData("", "tanh", "GeluTanh")]
    public void GeluFromEitherDomainFuses(string domain, string approximate, string expected)
    {
        var (g, _, y) = ConvGraph();
        using var _g = g;
        var gelu = Act(g, "Gelu", y, "out", domain);
        gelu.Attributes["approximate"] = AttributeValue.Of(approximate);
        g.AddOutput(gelu.Outputs[0]);
        using var x = RandN(10, 1, 4, 8, 8);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x));
        Assert.Equal(expected, Assert.Single(after.Nodes).GetString("activation", ""));
    }

    [Fact]
    public void CbrBlockAfterBatchNormFoldingIsOneFusedConv()
    {
        // Conv → BatchNormalization → Relu; the BN is folded into the conv's weight and bias (what "bn-fold" does:
        // W' = W·γ/σ, B' = (B − μ)·γ/σ + β with σ = √(var + ε)), then conv-fusion takes the Relu.
        var g = NewGraph("cbr");
        using var _g = g;
        var x = g.AddInput("x", F32(1, 4, 8, 8));
        using var wt = Scaled(RandN(11, 6, 4, 3, 3), 0.3);
        var w = g.AddConstant("w", wt.Clone());
        var b = g.AddConstant("b", RandN(12, 6));
        float[] gamma = [1.5f, 0.5f, 1, 2, 0.8f, 1.2f], beta = [0.1f, -0.2f, 0, 0.3f, 0.5f, -1], mean = [0.2f, -0.1f, 0, 0.5f, 1, -0.3f], var = [1, 0.5f, 2, 0.25f, 1.5f, 3];
        var conv = g.AddNode("Conv", [x, w, b], ["c"], name: "conv1");
        conv.Attributes["pads"] = AttributeValue.Of(new long[] { 1, 1, 1, 1 });
        Typed(conv.Outputs[0], 1, 6, 8, 8);
        var bn = g.AddNode("BatchNormalization", [conv.Outputs[0], g.AddConstant("gamma", Tensor.FromArray(gamma)), g.AddConstant("beta", Tensor.FromArray(beta)),
            g.AddConstant("mean", Tensor.FromArray(mean)), g.AddConstant("var", Tensor.FromArray(var))], ["bn"], name: "bn1");
        Typed(bn.Outputs[0], 1, 6, 8, 8);
        var relu = g.AddNode("Relu", [bn.Outputs[0]], ["out"], name: "relu1");
        g.AddOutput(Typed(relu.Outputs[0], 1, 6, 8, 8));
        using var xt = RandN(13, 1, 4, 8, 8);
        var before = Run(g, ("x", xt));

        FoldBatchNorm(g, conv, bn, gamma, beta, mean, var, eps: 1e-5f);
        Assert.Equal(["Conv", "Relu"], OpList(g));
        var log = Apply(Pass, g);
        Assert.Equal(["deepseek.FusedConv"], OpList(g));
        Assert.Equal("Relu", g.Nodes[0].GetString("activation", ""));
        Assert.Contains("%out = deepseek.FusedConv(%x, %w_folded, %b_folded) {activation=\"Relu\", pads=[1, 1, 1, 1]}", g.ToString());
        Assert.Contains("conv-fusion: Conv 'conv1' + Relu 'relu1' → FusedConv 'conv1' (Relu)", log);
        var after = Run(g, ("x", xt));
        for (int i = 0; i < before["out"].Length; i++) Assert.Equal(before["out"][i], after["out"][i], 1e-4f);
    }

    // The BN fold by hand, in double (the "bn-fold" pass is another engineer's; this stands in for it here).
    private static void FoldBatchNorm(Graph g, Node conv, Node bn, float[] gamma, float[] beta, float[] mean, float[] var, float eps)
    {
        var w = conv.Inputs[1]!.Constant!.ToArray<float>();
        var b = conv.Inputs[2]!.Constant!.ToArray<float>();
        int cout = gamma.Length, per = w.Length / cout;
        var wf = new float[w.Length];
        var bf = new float[cout];
        for (int c = 0; c < cout; c++)
        {
            double scale = gamma[c] / Math.Sqrt(var[c] + eps);
            for (int i = 0; i < per; i++) wf[c * per + i] = (float)(w[c * per + i] * scale);
            bf[c] = (float)((b[c] - mean[c]) * scale + beta[c]);
        }
        conv.SetInput(1, g.AddConstant("w_folded", Tensor.FromArray(wf, cout, 4, 3, 3)));
        conv.SetInput(2, g.AddConstant("b_folded", Tensor.FromArray(bf)));
        g.ReplaceAllUses(bn.Outputs[0], conv.Outputs[0]);
        g.RemoveNode(bn);
        g.RemoveUnusedValues();
    }

    [Fact]
    public void BasicResidualBlockBecomesTwoFusedConvs()
    {
        // x → conv1 → relu → conv2 → add(x) → relu: conv2 takes x as its residual
        var g = NewGraph("block");
        using var _g = g;
        var x = g.AddInput("x", F32(1, 6, 8, 8));
        Value ConvOf(string name, Value input, ulong seed)
        {
            var c = g.AddNode("Conv", [input, g.AddConstant(name + ".w", Scaled(RandN(seed, 6, 6, 3, 3), 0.2)), g.AddConstant(name + ".b", RandN(seed + 1, 6))], [name], name: name);
            c.Attributes["pads"] = AttributeValue.Of(new long[] { 1, 1, 1, 1 });
            return Typed(c.Outputs[0], 1, 6, 8, 8);
        }
        var r1 = Typed(g.AddNode("Relu", [ConvOf("conv1", x, 20)], ["r1"]).Outputs[0], 1, 6, 8, 8);
        var add = Typed(g.AddNode("Add", [ConvOf("conv2", r1, 30), x], ["sum"]).Outputs[0], 1, 6, 8, 8);
        g.AddOutput(Typed(g.AddNode("Relu", [add], ["out"]).Outputs[0], 1, 6, 8, 8));
        using var xt = RandN(14, 1, 6, 8, 8);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", xt));
        Assert.Equal(["deepseek.FusedConv", "deepseek.FusedConv"], OpList(after));
        Assert.Equal(3, after.Nodes[0].Inputs.Count);
        Assert.Equal("x", after.Nodes[1].Inputs[3]!.Name);
        Assert.All(after.Nodes, n => Assert.Equal("Relu", n.GetString("activation", "")));
    }

    [Fact]
    public void BareConvWithConstantWeightBecomesFusedConvForPrePacking()
    {
        var (g, _, y) = ConvGraph();
        using var _g = g;
        g.AddOutput(y);
        using var x = RandN(15, 1, 4, 8, 8);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x));
        var n = Assert.Single(after.Nodes);
        Assert.Equal("FusedConv", n.OpType);
        Assert.False(n.Attributes.ContainsKey("activation"));
    }

    [Fact]
    public void IntermediatesWithOtherReadersOrGraphOutputsStop()
    {
        // the conv output is also a graph output: the Relu is not fused (the conv alone still becomes FusedConv)
        var (g, _, y) = ConvGraph();
        using var _g = g;
        g.AddOutput(Act(g, "Relu", y, "out").Outputs[0]);
        g.AddOutput(y);
        using var x = RandN(16, 1, 4, 8, 8);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x));
        Assert.Equal(["deepseek.FusedConv", "Relu"], OpList(after));
        Assert.False(after.Nodes[0].Attributes.ContainsKey("activation"));

        // the Add's result has a second reader: Conv + Add fuse, the Relu and the other reader stay
        var (g2, _, y2) = ConvGraph("two");
        using var _g2 = g2;
        var z = g2.AddInput("z", F32(1, 6, 8, 8));
        var sum = Typed(g2.AddNode("Add", [y2, z], ["sum"]).Outputs[0], 1, 6, 8, 8);
        g2.AddOutput(Act(g2, "Relu", sum, "out").Outputs[0]);
        g2.AddOutput(Act(g2, "Tanh", sum, "out2").Outputs[0]);
        using var zt = RandN(17, 1, 6, 8, 8);
        using var after2 = ApplyAndCompare(Pass, g2, 1e-5, ("x", x), ("z", zt));
        Assert.Equal(["deepseek.FusedConv", "Relu", "Tanh"], OpList(after2));
        Assert.Equal("sum", after2.Nodes[0].Outputs[0].Name);
    }

    [Fact]
    public void NonMatchingPatternsAreLeftAlone()
    {
        using var x = RandN(18, 1, 4, 8, 8);
        // a broadcast Add (per-channel [1, 6, 1, 1]) is not a residual; the conv is still packed on its own
        var (g, _, y) = ConvGraph();
        using (g)
        {
            var c = g.AddConstant("c", RandN(19, 1, 6, 1, 1));
            g.AddOutput(Typed(g.AddNode("Add", [y, c], ["out"]).Outputs[0], 1, 6, 8, 8));
            using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", x));
            Assert.Equal(["deepseek.FusedConv", "Add"], OpList(after));
        }
        // a residual whose shape is unknown is not fused
        var (g2, _, y2) = ConvGraph("unknown");
        using (g2)
        {
            var z = g2.AddInput("z");
            g2.AddOutput(Typed(g2.AddNode("Add", [y2, z], ["out"]).Outputs[0], 1, 6, 8, 8));
            using var zt = RandN(20, 1, 6, 8, 8);
            using var after = ApplyAndCompare(Pass, g2, 1e-5, ("x", x), ("z", zt));
            Assert.Equal(["deepseek.FusedConv", "Add"], OpList(after));
        }
        // Clip with a computed bound, Gelu with an unknown approximation, and a non-constant weight: nothing fuses
        var (g3, _, y3) = ConvGraph("computed");
        using (g3)
        {
            var hi = g3.AddInput("hi", F32());
            g3.AddOutput(Typed(g3.AddNode("Clip", [y3, null, hi], ["out"]).Outputs[0], 1, 6, 8, 8));
            using var h = Tensor.Scalar(1f);
            using var after = ApplyAndCompare(Pass, g3, 1e-5, ("x", x), ("hi", h));
            Assert.Equal(["deepseek.FusedConv", "Clip"], OpList(after));
        }
        var g4 = NewGraph("dynamic-weight");
        using (g4)
        {
            var xi = g4.AddInput("x", F32(1, 4, 8, 8));
            var wi = g4.AddInput("w", F32(6, 4, 3, 3));
            g4.AddOutput(Typed(g4.AddNode("Conv", [xi, wi], ["out"]).Outputs[0], 1, 6, 6, 6));
            using var wt = RandN(21, 6, 4, 3, 3);
            using var after = ApplyAndCompare(Pass, g4, 1e-5, ("x", x), ("w", wt));
            Assert.Equal(["Conv"], OpList(after));
        }
        // 1-d convolutions are not FusedConv's
        var g5 = NewGraph("conv1d");
        using (g5)
        {
            var xi = g5.AddInput("x", F32(1, 4, 10));
            var conv = g5.AddNode("Conv", [xi, g5.AddConstant("w", RandN(22, 3, 4, 3))], ["c"]);
            g5.AddOutput(Typed(g5.AddNode("Relu", [Typed(conv.Outputs[0], 1, 3, 8)], ["out"]).Outputs[0], 1, 3, 8));
            using var x1 = RandN(23, 1, 4, 10);
            using var after = ApplyAndCompare(Pass, g5, 1e-5, ("x", x1));
            Assert.Equal(["Conv", "Relu"], OpList(after));
        }
    }

    [Fact]
    public void PipelineRunsTheFusionsAtLevelTwoAndCanDisableThem()
    {
        Assert.Equal(["conv-fusion", "gemm-fusion"], PassManager.PassNames.Where(n => n is "conv-fusion" or "gemm-fusion"));
        Assert.All(PassManager.AllPasses.Where(p => p.Name is "conv-fusion" or "gemm-fusion"), p => Assert.Equal(2, p.Level));
        var (g, _, y) = ConvGraph();
        using var _g = g;
        g.AddOutput(Act(g, "Relu", y, "out").Outputs[0]);
        using (var off = g.Clone())
        {
            PassManager.Run(off, new CompileOptions().Without("conv-fusion"));
            Assert.Equal(["Conv", "Relu"], OpList(off));
        }
        using (var level1 = g.Clone())
        {
            PassManager.Run(level1, new CompileOptions { OptimizationLevel = 1 });
            Assert.Equal(["Conv", "Relu"], OpList(level1));
        }
        var log = PassManager.Run(g, new CompileOptions());
        Assert.Equal(["deepseek.FusedConv"], OpList(g));
        Assert.Contains(log, l => l.StartsWith("conv-fusion:", StringComparison.Ordinal));
    }
}
