using DeepSeek.Graph.Compilation.Passes;
using static DeepSeek.Graph.Tests.Compilation.Fusion.FusionTestKit;

namespace DeepSeek.Graph.Tests.Compilation.Fusion;

public sealed class GemmFusionTests
{
    private static readonly GemmFusion Pass = new();

    [Fact]
    public void MatMulBiasReluBecomesOneFusedGemm()
    {
        using var g = NewGraph("mlp");
        var x = g.AddInput("x", F32(2, 5, 16));
        var w = g.AddConstant("w", RandN(1, 16, 24));
        var b = g.AddConstant("b", RandN(2, 24));
        var mm = Typed(g.AddNode("MatMul", [x, w], ["mm"], name: "fc1").Outputs[0], 2, 5, 24);
        var add = Typed(g.AddNode("Add", [mm, b], ["pre"]).Outputs[0], 2, 5, 24);
        g.AddOutput(Typed(g.AddNode("Relu", [add], ["y"]).Outputs[0], 2, 5, 24));
        using var xt = RandN(3, 2, 5, 16);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", xt));
        var n = Assert.Single(after.Nodes);
        Assert.Equal("deepseek", n.Domain);
        Assert.Equal("FusedGemm", n.OpType);
        Assert.Equal("fc1", n.Name);
        Assert.Equal(["x", "w", "b"], n.Inputs.Select(i => i!.Name));
        Assert.Equal("Relu", n.GetString("activation", ""));
        Assert.Equal("y", after.Outputs[0].Name);
    }

    [Fact]
    public void TracedLinearReadsTheWeightTransposedAndDropsTheTranspose()
    {
        // what Linear records for a rank-3 input: MatMul(x, Transpose(W)) + Add(b), then GELU
        using var g = NewGraph("linear");
        var x = g.AddInput("x", F32(2, 3, 12));
        var w = g.AddConstant("w", RandN(4, 20, 12));
        var t = g.AddNode("Transpose", [w], ["wt"]);
        t.Attributes["perm"] = AttributeValue.Of(new long[] { 1, 0 });
        var mm = Typed(g.AddNode("MatMul", [x, t.Outputs[0]], ["mm"]).Outputs[0], 2, 3, 20);
        var add = Typed(g.AddNode("Add", [g.AddConstant("b", RandN(5, 20)), mm], ["pre"]).Outputs[0], 2, 3, 20);
        var gelu = g.AddNode("Gelu", [add], ["y"], "deepseek");
        g.AddOutput(Typed(gelu.Outputs[0], 2, 3, 20));
        using var xt = RandN(6, 2, 3, 12);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", xt));
        var n = Assert.Single(after.Nodes);
        Assert.Equal(1, n.GetInt("transB", 0));
        Assert.Equal("w", n.Inputs[1]!.Name);
        Assert.Equal("Gelu", n.GetString("activation", ""));
        Assert.DoesNotContain(after.Values, v => v.Name == "wt");
    }

    [Fact]
    public void GemmWithBiasResidualAndTanhKeepsAlphaBeta()
    {
        using var g = NewGraph("gemm");
        var a = g.AddInput("a", F32(7, 9));
        var z = g.AddInput("z", F32(7, 11));
        var gemm = g.AddNode("Gemm", [a, g.AddConstant("B", RandN(7, 11, 9)), g.AddConstant("C", RandN(8, 1, 11))], ["g"]);
        gemm.Attributes["transB"] = AttributeValue.Of(1L);
        gemm.Attributes["alpha"] = AttributeValue.Of(0.5f);
        gemm.Attributes["beta"] = AttributeValue.Of(2f);
        var sum = Typed(g.AddNode("Add", [Typed(gemm.Outputs[0], 7, 11), z], ["sum"]).Outputs[0], 7, 11);
        g.AddOutput(Typed(g.AddNode("Tanh", [sum], ["y"]).Outputs[0], 7, 11));
        using var at = RandN(9, 7, 9);
        using var zt = RandN(10, 7, 11);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("a", at), ("z", zt));
        var n = Assert.Single(after.Nodes);
        Assert.Equal((0.5f, 2f, 1L), (n.GetFloat("alpha", 1), n.GetFloat("beta", 1), n.GetInt("transB", 0)));
        Assert.Equal(["a", "B", "C", "z"], n.Inputs.Select(i => i!.Name));
        Assert.Equal("Tanh", n.GetString("activation", ""));
    }

    [Fact]
    public void GemmWithAFullSizeCTakesItAsTheResidual()
    {
        using var g = NewGraph("gemm-c");
        var a = g.AddInput("a", F32(4, 6));
        var c = g.AddInput("c", F32(4, 5));
        var gemm = g.AddNode("Gemm", [a, g.AddConstant("B", RandN(11, 6, 5)), c], ["y"]);
        g.AddOutput(Typed(gemm.Outputs[0], 4, 5));
        using var at = RandN(12, 4, 6);
        using var ct = RandN(13, 4, 5);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("a", at), ("c", ct));
        var n = Assert.Single(after.Nodes);
        Assert.Null(n.Inputs[2]);
        Assert.Equal("c", n.Inputs[3]!.Name);
    }

    [Fact]
    public void BertFeedForwardBecomesTwoFusedGemms()
    {
        // h → Linear(16→32) → GELU(tanh) → Linear(32→16) → + h (residual)
        using var g = NewGraph("ffn");
        var h = g.AddInput("h", F32(1, 6, 16));
        var up = Typed(g.AddNode("MatMul", [h, g.AddConstant("w1", Scaled(RandN(14, 16, 32), 0.25))], ["up"]).Outputs[0], 1, 6, 32);
        var upb = Typed(g.AddNode("Add", [up, g.AddConstant("b1", RandN(15, 32))], ["upb"]).Outputs[0], 1, 6, 32);
        var act = g.AddNode("Gelu", [upb], ["act"], "deepseek");
        act.Attributes["approximate"] = AttributeValue.Of("tanh");
        Typed(act.Outputs[0], 1, 6, 32);
        var down = Typed(g.AddNode("MatMul", [act.Outputs[0], g.AddConstant("w2", Scaled(RandN(16, 32, 16), 0.2))], ["down"]).Outputs[0], 1, 6, 16);
        var downb = Typed(g.AddNode("Add", [down, g.AddConstant("b2", RandN(17, 16))], ["downb"]).Outputs[0], 1, 6, 16);
        g.AddOutput(Typed(g.AddNode("Add", [downb, h], ["out"]).Outputs[0], 1, 6, 16));
        using var ht = RandN(18, 1, 6, 16);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("h", ht));
        Assert.Equal(["deepseek.FusedGemm", "deepseek.FusedGemm"], OpList(after));
        Assert.Equal("GeluTanh", after.Nodes[0].GetString("activation", ""));
        Assert.Equal(["act", "w2", "b2", "h"], after.Nodes[1].Inputs.Select(i => i!.Name));
        Assert.Equal("out", after.Nodes[1].Outputs[0].Name);
    }

    [Fact]
    public void BareMatMulWithConstantWeightBecomesFusedGemm()
    {
        using var g = NewGraph("bare");
        var x = g.AddInput("x", F32(3, 8));
        g.AddOutput(Typed(g.AddNode("MatMul", [x, g.AddConstant("w", RandN(19, 8, 4))], ["y"]).Outputs[0], 3, 4));
        using var xt = RandN(20, 3, 8);
        using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", xt));
        var n = Assert.Single(after.Nodes);
        Assert.Equal("FusedGemm", n.OpType);
        Assert.False(n.Attributes.ContainsKey("activation"));
    }

    [Fact]
    public void NonMatchingPatternsAreLeftAlone()
    {
        // attention scores: both MatMul operands computed
        using (var g = NewGraph("qk"))
        {
            var q = g.AddInput("q", F32(2, 4, 8));
            var k = g.AddInput("k", F32(2, 8, 4));
            g.AddOutput(Typed(g.AddNode("MatMul", [q, k], ["s"]).Outputs[0], 2, 4, 4));
            using var qt = RandN(21, 2, 4, 8);
            using var kt = RandN(22, 2, 8, 4);
            using var after = ApplyAndCompare(Pass, g, 1e-5, ("q", qt), ("k", kt));
            Assert.Equal(["MatMul"], OpList(after));
        }
        // a vector times a matrix (rank-1 A) and a Gemm whose C is [M, 1]
        using (var g = NewGraph("vec"))
        {
            var v = g.AddInput("v", F32(8));
            g.AddOutput(Typed(g.AddNode("MatMul", [v, g.AddConstant("w", RandN(23, 8, 3))], ["y"]).Outputs[0], 3));
            var a = g.AddInput("a", F32(4, 8));
            g.AddOutput(Typed(g.AddNode("Gemm", [a, g.AddConstant("B", RandN(24, 8, 3)), g.AddConstant("C", RandN(25, 4, 1))], ["y2"]).Outputs[0], 4, 3));
            using var vt = RandN(26, 8);
            using var at = RandN(27, 4, 8);
            using var after = ApplyAndCompare(Pass, g, 1e-5, ("v", vt), ("a", at));
            Assert.Equal(["MatMul", "Gemm"], OpList(after));
        }
        // the product is read twice: only the MatMul itself is packed
        using (var g = NewGraph("shared"))
        {
            var x = g.AddInput("x", F32(3, 8));
            var mm = Typed(g.AddNode("MatMul", [x, g.AddConstant("w", RandN(28, 8, 5))], ["mm"]).Outputs[0], 3, 5);
            g.AddOutput(Typed(g.AddNode("Relu", [mm], ["r"]).Outputs[0], 3, 5));
            g.AddOutput(Typed(g.AddNode("Sigmoid", [mm], ["s"]).Outputs[0], 3, 5));
            using var xt = RandN(29, 3, 8);
            using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", xt));
            Assert.Equal(["deepseek.FusedGemm", "Relu", "Sigmoid"], OpList(after));
        }
        // a computed [N] vector added to the product is neither a (constant) bias nor a same-shape residual
        using (var g = NewGraph("computed-bias"))
        {
            var x = g.AddInput("x", F32(3, 8));
            var bias = g.AddInput("bias", F32(5));
            var mm = Typed(g.AddNode("MatMul", [x, g.AddConstant("w", RandN(30, 8, 5))], ["mm"]).Outputs[0], 3, 5);
            g.AddOutput(Typed(g.AddNode("Add", [mm, bias], ["y"]).Outputs[0], 3, 5));
            using var xt = RandN(31, 3, 8);
            using var bt = RandN(32, 5);
            using var after = ApplyAndCompare(Pass, g, 1e-5, ("x", xt), ("bias", bt));
            Assert.Equal(["deepseek.FusedGemm", "Add"], OpList(after));
        }
    }
}
