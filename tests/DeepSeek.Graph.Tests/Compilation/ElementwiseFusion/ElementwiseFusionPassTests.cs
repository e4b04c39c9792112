using DeepSeek.Graph.Ops;
using static DeepSeek.Graph.Tests.Compilation.ElementwiseFusion.FusionTestUtil;

namespace DeepSeek.Graph.Tests.Compilation.ElementwiseFusion;

/// <summary>Before/after tests of the elementwise-fusion pass: the new structure and the interpreter's outputs.</summary>
public sealed class ElementwiseFusionPassTests
{
    [Fact]
    public void AChainOfSixOpsBecomesOneFusedNode()
    {
        using var g = NewGraph("chain");
        var x = Input(g, "x", 2, 3, 4);
        var w = Input(g, "w", 3, 1);
        var half = Const(g, "half", 0.5f);
        var a = Op(g, "Mul", "a", x, w);
        var b = Op(g, "Add", "b", a, half);
        var c = Op(g, "Tanh", "c", b);
        var d = Op(g, "Sigmoid", "d", c);
        var e = Op(g, "Sub", "e", d, x);
        g.AddOutput(Op(g, "Relu", "f", e));

        var (after, changed, log) = Fuse(g);
        using var _ = after;
        Assert.True(changed);
        var fused = Assert.Single(after.Nodes);
        Assert.Equal(("deepseek", "FusedElementwise"), (fused.Domain, fused.OpType));
        Assert.Equal("t0=mul x0 x1; t1=add t0 c0; t2=tanh t1; t3=sigmoid t2; t4=sub t3 x0; y0=relu t4", Program(fused));
        Assert.Equal([0.5f], Constants(fused));
        Assert.Equal(["x", "w"], fused.Inputs.Select(v => v!.Name));
        Assert.Equal("f", Assert.Single(fused.Outputs).Name);
        Assert.Same(fused.Outputs[0], after.Outputs[0]);
        Assert.Null(after.Find("half")); // the folded constant is gone
        Assert.Equal(1, after.OpsetFor("deepseek"));
        Assert.Contains(log, l => l.StartsWith("elementwise-fusion: fused 6 nodes", StringComparison.Ordinal));
        var feeds = Feeds(1, ("x", [2, 3, 4]), ("w", [3, 1]));
        AssertSameOutputs(g, after, feeds);
        DisposeAll(feeds);
    }

    [Fact]
    public void AValueReadOutsideBecomesAnExtraOutputAndItsReaderMovesAfterTheFusedNode()
    {
        using var g = NewGraph("extra");
        var x = Input(g, "x", 4, 8);
        var one = Const(g, "one", 1f);
        var e = Op(g, "Exp", "e", x);
        var s = Op(g, "ReduceSum", "s", e);          // reads e outside the chain, placed before the chain ends
        var a = Op(g, "Add", "a", e, one);
        g.AddOutput(Op(g, "Relu", "r", a));
        g.AddOutput(s);

        var (after, changed, _) = Fuse(g);
        using var _g = after;
        Assert.True(changed);
        Assert.Equal(["FusedElementwise", "ReduceSum"], after.Nodes.Select(n => n.OpType));
        var fused = after.Nodes[0];
        Assert.Equal("y1=exp x0; t0=add y1 c0; y0=relu t0", Program(fused));
        Assert.Equal(["r", "e"], fused.Outputs.Select(v => v.Name));
        Assert.Same(fused.Outputs[1], after.Nodes[1].Inputs[0]);
        var feeds = Feeds(2, ("x", [4, 8]));
        AssertSameOutputs(g, after, feeds);
        DisposeAll(feeds);
    }

    [Fact]
    public void GraphOutputsInsideTheChainKeepTheirNames()
    {
        using var g = NewGraph("outs");
        var x = Input(g, "x", 5);
        var n = Op(g, "Neg", "n", x);
        g.AddOutput(n);
        g.AddOutput(Op(g, "Abs", "y", n));
        var (after, _, _) = Fuse(g);
        using var _g = after;
        var fused = Assert.Single(after.Nodes);
        Assert.Equal("y1=neg x0; y0=abs y1", Program(fused));
        Assert.Equal(["n", "y"], after.Outputs.Select(v => v.Name));
        var feeds = Feeds(3, ("x", [5]));
        AssertSameOutputs(g, after, feeds);
        DisposeAll(feeds);
    }

    [Fact]
    public void FusionStopsAtNonElementwiseOpsAndAtShapeChanges()
    {
        using var g = NewGraph("stops");
        var x = Input(g, "x", 2, 3);
        var w = Input(g, "w", 3, 3);
        var v = Input(g, "v", 3);
        var a = Op(g, "Add", "a", x, x);
        var b = Op(g, "Relu", "b", a);
        var m = Op(g, "MatMul", "m", b, w);
        m.Type = F32(2, 3); // as shape inference would declare it
        var c = Op(g, "Mul", "c", m, m);
        var d = Op(g, "Exp", "d", c);
        var p = Op(g, "Mul", "p", v, v);           // [3]: a different shape, not fused into the [2, 3] group
        g.AddOutput(Op(g, "Add", "q", d, p));

        var (after, _, _) = Fuse(g);
        using var _g = after;
        Assert.Equal(["FusedElementwise", "MatMul", "Mul", "FusedElementwise"], after.Nodes.Select(n => n.OpType));
        Assert.Equal("t0=add x0 x0; y0=relu t0", Program(after.Nodes[0]));
        Assert.Equal("t0=mul x0 x0; t1=exp t0; y0=add t1 x1", Program(after.Nodes[3]));
        Assert.Equal(["m", "p"], after.Nodes[3].Inputs.Select(i => i!.Name));
        var feeds = Feeds(4, ("x", [2, 3]), ("w", [3, 3]), ("v", [3]));
        AssertSameOutputs(g, after, feeds);
        DisposeAll(feeds);
    }

    [Fact]
    public void AValueOfUnknownTypeIsNotFused()
    {
        using var g = NewGraph("unknown");
        var x = Input(g, "x", 2, 3);
        var w = Input(g, "w", 3, 3);
        var m = Op(g, "MatMul", "m", x, w);         // no declared type: the chain after it cannot be checked
        var c = Op(g, "Mul", "c", m, m);
        g.AddOutput(Op(g, "Exp", "d", c));
        var (after, changed, _) = Fuse(g);
        using var _g = after;
        Assert.False(changed);
        Assert.Equal(["MatMul", "Mul", "Exp"], after.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void APathLeavingAndReenteringTheGroupSplitsIt()
    {
        using var g = NewGraph("convex");
        var x = Input(g, "x", 4, 8);
        var a = Op(g, "Exp", "a", x);
        var s = Op(g, "Softmax", "s", a);
        s.Type = F32(4, 8);
        var c = Op(g, "Add", "c", a, s);             // fusing Exp with Add would need Softmax inside the fused node
        g.AddOutput(Op(g, "Relu", "d", c));

        var (after, _, _) = Fuse(g);
        using var _g = after;
        Assert.Equal(["Exp", "Softmax", "FusedElementwise"], after.Nodes.Select(n => n.OpType));
        Assert.Equal("t0=add x0 x1; y0=relu t0", Program(after.Nodes[2]));
        var feeds = Feeds(5, ("x", [4, 8]));
        AssertSameOutputs(g, after, feeds);
        DisposeAll(feeds);
    }

    [Fact]
    public void SingleOpsAndNonF32ChainsAreLeftAlone()
    {
        using var g = NewGraph("alone");
        var x = Input(g, "x", 3);
        var y = g.AddInput("y", new TensorType(DType.F64, [Dim.Of(3)]));
        g.AddOutput(Op(g, "Relu", "r", x));
        g.AddOutput(Op(g, "Abs", "b", Op(g, "Neg", "n", y)));
        var (after, changed, _) = Fuse(g);
        using var _g = after;
        Assert.False(changed);
        Assert.Empty(FusedNodes(after));
    }

    [Fact]
    public void AScalarConstantThatWidensTheRankStaysATensorInput()
    {
        using var g = NewGraph("rank");
        var x = Input(g, "x", 4);
        var two = Const(g, "two", 2f, 1, 1);         // x·two has shape [1, 4]
        var m = Op(g, "Mul", "m", x, two);
        g.AddOutput(Op(g, "Relu", "r", m));
        var (after, _, _) = Fuse(g);
        using var _g = after;
        var fused = Assert.Single(after.Nodes);
        Assert.Equal("t0=mul x0 x1; y0=relu t0", Program(fused));
        Assert.Equal(["x", "two"], fused.Inputs.Select(i => i!.Name));
        var feeds = Feeds(6, ("x", [4]));
        AssertSameOutputs(g, after, feeds);
        DisposeAll(feeds);
    }

    [Fact]
    public void ActivationsClipPowAndVariadicMaxLowerToTheirInstructions()
    {
        using var g = NewGraph("acts", opset: 20);
        var x = Input(g, "x", 3, 50);
        var lo = Const(g, "lo", -0.1f);
        var hi = Const(g, "hi", 0.6f);
        var two = g.AddConstant("two", Tensor.Scalar(2, DType.I64));
        var half = Const(g, "half", 0.5f);
        var l = g.AddNode("LeakyRelu", [x], ["l"]);
        l.Attributes["alpha"] = AttributeValue.Of(0.2f);
        var h = g.AddNode("HardSigmoid", [l.Outputs[0]], ["h"]);
        h.Attributes["alpha"] = AttributeValue.Of(0.3f);
        h.Attributes["beta"] = AttributeValue.Of(0.4f);
        var c = Op(g, "Clip", "c", h.Outputs[0], lo, hi);
        var p = Op(g, "Pow", "p", c, two);
        var ge = g.AddNode("Gelu", [p], ["ge"]);
        ge.Attributes["approximate"] = AttributeValue.Of("tanh");
        var s = Op(g, "HardSwish", "s", ge.Outputs[0]);
        g.AddOutput(Op(g, "Max", "m", s, x, half));

        var (after, _, _) = Fuse(g);
        using var _g = after;
        var fused = Assert.Single(after.Nodes);
        Assert.Equal("t0=leakyrelu x0 c0; t1=hardsigmoid t0 c1 c2; t2=max t1 c3; t3=min t2 c4; t4=pow t3 c5; " +
                     "t5=gelu_tanh t4; t6=hardswish t5; t7=max t6 x0; y0=max t7 c6", Program(fused));
        Assert.Equal([0.2f, 0.3f, 0.4f, -0.1f, 0.6f, 2f, 0.5f], Constants(fused));
        var feeds = Feeds(7, ("x", [3, 50]));
        AssertSameOutputs(g, after, feeds);
        DisposeAll(feeds);
    }

    [Fact]
    public void VariadicSumAndMeanFoldLeft()
    {
        using var g = NewGraph("variadic");
        var x = Input(g, "x", 2, 7);
        var y = Input(g, "y", 7);
        var z = Input(g, "z", 2, 1);
        var s = Op(g, "Sum", "s", x, y, z);
        g.AddOutput(Op(g, "Mean", "m", s, x, y));
        var (after, _, _) = Fuse(g);
        using var _g = after;
        var fused = Assert.Single(after.Nodes);
        Assert.Equal("t0=add x0 x1; t1=add t0 x2; t2=add t1 x0; t3=add t2 x1; y0=div t3 c0", Program(fused));
        Assert.Equal([3f], Constants(fused));
        var feeds = Feeds(11, ("x", [2, 7]), ("y", [7]), ("z", [2, 1]));
        AssertSameOutputs(g, after, feeds);
        DisposeAll(feeds);
    }

    [Fact]
    public void APowWithATensorExponentEndsTheChain()
    {
        using var g = NewGraph("pow");
        var x = Input(g, "x", 8);
        var y = Input(g, "y", 8);
        var a = Op(g, "Abs", "a", x);
        var p = Op(g, "Pow", "p", a, y);
        g.AddOutput(Op(g, "Sqrt", "r", p));
        var (after, changed, _) = Fuse(g);
        using var _g = after;
        Assert.False(changed);
        Assert.Equal(["Abs", "Pow", "Sqrt"], after.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void DeepSeekGeluLowersByItsApproximation()
    {
        using var g = NewGraph("dsgelu");
        g.OpsetImports["deepseek"] = 1;
        var x = Input(g, "x", 4);
        var a = g.AddNode("Gelu", [x], ["a"], domain: "deepseek");
        var b = g.AddNode("Gelu", [a.Outputs[0]], ["b"], domain: "deepseek");
        b.Attributes["approximate"] = AttributeValue.Of("tanh");
        g.AddOutput(b.Outputs[0]);
        var (after, _, _) = Fuse(g);
        using var _g = after;
        Assert.Equal("t0=gelu x0; y0=gelu_tanh t0", Program(Assert.Single(after.Nodes)));
    }

    [Fact]
    public void ChainsInsideSubgraphsAreFused()
    {
        using var g = NewGraph("if");
        var cond = g.AddInput("c", new TensorType(DType.Bool, []));
        var x = Input(g, "x", 3);
        var thenG = new Graph("then", g);
        var one = thenG.AddConstant("one", Tensor.Scalar(1));
        var t = thenG.AddNode("Exp", [x], ["t"]).Outputs[0];
        thenG.AddOutput(thenG.AddNode("Add", [t, one], ["u"]).Outputs[0]);
        var elseG = new Graph("else", g);
        elseG.AddOutput(elseG.AddNode("Neg", [x], ["e"]).Outputs[0]);
        var n = g.AddNode("If", [cond], ["y"]);
        n.Attributes["then_branch"] = AttributeValue.Of(thenG);
        n.Attributes["else_branch"] = AttributeValue.Of(elseG);
        g.AddOutput(n.Outputs[0]);

        var (after, changed, _) = Fuse(g);
        using var _g = after;
        Assert.True(changed);
        var then = after.Nodes[0].GetGraph("then_branch");
        Assert.Equal("t0=exp x0; y0=add t0 c0", Program(Assert.Single(then.Nodes)));
        Assert.Equal(1, after.OpsetFor("deepseek"));
        foreach (bool branch in new[] { true, false })
        {
            var feeds = Feeds(8, ("x", [3]));
            feeds["c"] = Tensor.Scalar(branch ? 1 : 0, DType.Bool);
            AssertSameOutputs(g, after, feeds);
            DisposeAll(feeds);
        }
    }

    [Fact]
    public void ThePipelineRunsItAtLevelThreeAndItCanBeDisabledByName()
    {
        using var g = NewGraph("pipeline");
        var x = Input(g, "x", 2, 8);
        g.AddOutput(Op(g, "Tanh", "t", Op(g, "Mul", "m", x, x)));
        Assert.Contains("elementwise-fusion", DeepSeek.Graph.Compilation.PassManager.PassNames);
        var cases = new (DeepSeek.Graph.Compilation.CompileOptions Options, bool Fused)[]
        {
            (new(), true),
            (new() { OptimizationLevel = 2 }, false),
            (new DeepSeek.Graph.Compilation.CompileOptions().Without("elementwise-fusion"), false),
        };
        foreach (var (options, fused) in cases)
        {
            using var c = g.Clone();
            DeepSeek.Graph.Compilation.PassManager.Run(c, options);
            Assert.Equal(fused, FusedNodes(c).Count == 1);
        }
    }

    [Fact]
    public void ATracedEagerChainFusesAndMatches()
    {
        using var x = Tensor.RandN(new DeepSeek.Shape(16, 64), new Generator(9));
        using var scale = Tensor.RandN(new DeepSeek.Shape(64), new Generator(10));
        using var g = DeepSeek.Graph.Tracer.Trace(t =>
        {
            using var a = t * scale;
            using var b = a.Add(1.0);
            using var c = b.Tanh();
            return c.Relu();
        }, x);
        var (after, changed, _) = Fuse(g);
        using var _g = after;
        Assert.True(changed);
        Assert.Single(FusedNodes(after));
        AssertSameOutputs(g, after, new Dictionary<string, Tensor> { [g.Inputs[0].Name] = x });
    }
}
