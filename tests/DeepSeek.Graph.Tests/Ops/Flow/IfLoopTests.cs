using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Ops.Flow.FlowTestUtil;

namespace DeepSeek.Graph.Tests.Ops.Flow;

using Shape = DeepSeek.Shape;

public sealed class IfLoopTests
{
    // y = If(c) { x + 1 } else { x * 3 }, both branches reading the outer x
    private static Graph IfGraph(long opset)
    {
        var g = NewGraph("if", opset);
        var c = g.AddInput("c");
        var x = g.AddInput("x");
        var thenG = new Graph("then", g);
        var one = thenG.AddConstant("one", Tensor.Scalar(1));
        thenG.AddOutput(thenG.AddNode("Add", [x, one], ["t"]).Outputs[0]);
        var elseG = new Graph("else", g);
        var three = elseG.AddConstant("three", Tensor.Scalar(3));
        elseG.AddOutput(elseG.AddNode("Mul", [x, three], ["e"]).Outputs[0]);
        var n = g.AddNode("If", [c], ["y"]);
        n.Attributes["then_branch"] = AttributeValue.Of(thenG);
        n.Attributes["else_branch"] = AttributeValue.Of(elseG);
        g.AddOutput(n.Outputs[0]);
        return g;
    }

    [Theory]
    [InlineData(true, 11)]
    [InlineData(false, 11)]
    [InlineData(true, 21)]
    [InlineData(false, 1)]
    public void IfRunsTheChosenBranchWithOuterScopeReads(bool cond, long opset)
    {
        using var g = IfGraph(opset);
        using var c = B(cond);
        using var x = F([1, -2, 4], 3);
        var outs = Run(g, ("c", c), ("x", x));
        Assert.Equal(cond ? new float[] { 2, -1, 5 } : new float[] { 3, -6, 12 }, Floats(outs["y"]));
        Dispose(outs);
        Assert.False(x.IsDisposed);
    }

    [Fact]
    public void IfCanReturnSequencesAndPassThroughOuterValues()
    {
        using var g = NewGraph("if_seq", 16);
        var c = g.AddInput("c");
        var x = g.AddInput("x");
        var thenG = new Graph("then", g);
        thenG.AddOutput(thenG.AddNode("SequenceConstruct", [x, x], ["s"]).Outputs[0]);
        var elseG = new Graph("else", g);
        var e = elseG.AddNode("SequenceEmpty", [], ["s2"]);
        e.Attributes["dtype"] = AttributeValue.Of(1L);
        elseG.AddOutput(e.Outputs[0]);
        var n = g.AddNode("If", [c], ["y"]);
        n.Attributes["then_branch"] = AttributeValue.Of(thenG);
        n.Attributes["else_branch"] = AttributeValue.Of(elseG);
        g.AddOutput(n.Outputs[0]);
        using var x0 = F([5, 6], 2);
        using var t = B(true);
        var outs = Run(g, ("c", t), ("x", x0));
        var seq = outs["y"].AsSequence("y");
        Assert.Equal(2, seq.Count);
        Assert.Equal(new float[] { 5, 6 }, seq[1].ToArray<float>());
        Dispose(outs);
        using var f = B(false);
        outs = Run(g, ("c", f), ("x", x0));
        Assert.Empty(outs["y"].AsSequence("y"));
        Assert.Equal(DType.F32, ((SequenceValue)outs["y"]).ElementType);
        Dispose(outs);
    }

    [Fact]
    public void IfRejectsANonScalarCondition()
    {
        using var g = IfGraph(13);
        using var c = Tensor.Ones(new Shape(2), DType.Bool);
        using var x = F([1], 1);
        var ex = Assert.Throws<ShapeMismatchException>(() => Run(g, ("c", c), ("x", x)));
        Assert.Contains("If", ex.Message);
        Assert.Contains("[2]", ex.Message);
    }

    // Loop(M, cond, acc): body acc' = acc + x·(float)i ; cond' = i+1 < limit ; scan = acc'
    private static Graph LoopGraph(bool withM, bool withCond, float limit)
    {
        var g = NewGraph("loop", 13);
        var m = withM ? g.AddInput("M") : null;
        var c = withCond ? g.AddInput("cond") : null;
        var acc0 = g.AddInput("acc0");
        var x = g.AddInput("x");
        var body = new Graph("body", g);
        var i = body.AddInput("i");
        body.AddInput("cin");
        var acc = body.AddInput("acc");
        var fi = body.AddNode("TestToF32", [i], ["fi"], "test").Outputs[0];
        var xi = body.AddNode("Mul", [x, fi], ["xi"]).Outputs[0];
        var acc1 = body.AddNode("Add", [acc, xi], ["acc1"]).Outputs[0];
        var one = body.AddConstant("one", Tensor.Scalar(1));
        var lim = body.AddConstant("lim", Tensor.Scalar(limit));
        var next = body.AddNode("Add", [fi, one], ["next"]).Outputs[0];
        var cout = body.AddNode("TestLess", [next, lim], ["cout"], "test").Outputs[0];
        var scan = body.AddNode("Identity", [acc1], ["scan"]).Outputs[0];
        body.AddOutput(cout);
        body.AddOutput(acc1);
        body.AddOutput(scan);
        var n = g.AddNode("Loop", [m, c, acc0], ["acc_final", "scans"]);
        n.Attributes["body"] = AttributeValue.Of(body);
        g.AddOutput(n.Outputs[0]);
        g.AddOutput(n.Outputs[1]);
        return g;
    }

    private static (float[] Final, List<float[]> Scans) LoopReference(long? m, bool? cond, float limit, float[] acc, float[] x)
    {
        var a = (float[])acc.Clone();
        var scans = new List<float[]>();
        bool c = cond ?? true;
        for (long i = 0; (m is null || i < m) && (cond is null || c); i++)
        {
            for (int j = 0; j < a.Length; j++) a[j] += x[j] * i;
            scans.Add((float[])a.Clone());
            c = i + 1 < limit;
        }
        return (a, scans);
    }

    [Theory]
    [InlineData(true, true, 5L, true, 3f)]   // stops on the body's cond after 3 iterations
    [InlineData(true, true, 2L, true, 10f)]  // stops on the trip count
    [InlineData(true, false, 4L, true, 1f)]  // M only: body cond ignored
    [InlineData(false, true, 0L, true, 4f)]  // while loop
    [InlineData(true, true, 5L, false, 9f)]  // cond false up front: no iterations
    [InlineData(true, false, 0L, true, 9f)]  // M = 0
    public void LoopMatchesTheSpecPseudocode(bool withM, bool withCond, long m, bool cond, float limit)
    {
        using var g = LoopGraph(withM, withCond, limit);
        g.Nodes[0].Attributes["body"].As<Graph>("body").Outputs[2].Type = new TensorType(DType.F32, [2]);
        using var mT = L(m);
        using var cT = B(cond);
        using var acc0 = F([1, 2], 2);
        using var x = F([0.5f, -1], 2);
        var inputs = new List<(string, RuntimeValue)> { ("acc0", acc0), ("x", x) };
        if (withM) inputs.Add(("M", mT));
        if (withCond) inputs.Add(("cond", cT));
        var outs = Run(g, inputs.ToArray());
        var (final, scans) = LoopReference(withM ? m : null, withCond ? cond : null, limit, [1, 2], [0.5f, -1]);
        Assert.Equal(final, Floats(outs["acc_final"]));
        var s = outs["scans"].AsTensor("scans");
        Assert.Equal(new Shape(scans.Count, 2), s.Shape);
        Assert.Equal(scans.SelectMany(v => v).ToArray(), s.ToArray<float>());
        Dispose(outs);
        Assert.False(acc0.IsDisposed);
        Assert.Equal(new float[] { 1, 2 }, acc0.ToArray<float>());
    }

    [Fact]
    public void LoopCarriesSequencesThroughSequenceInsert()
    {
        // like test_loop13_seq: seq' = SequenceInsert(seq, x[i:i+1] via SplitToSequence+SequenceAt)
        using var g = NewGraph("loop_seq", 13);
        var m = g.AddInput("M");
        var x = g.AddInput("x");
        var e = g.AddNode("SequenceEmpty", [], ["empty"]);
        var body = new Graph("body", g);
        var i = body.AddInput("i");
        var cin = body.AddInput("cin");
        var seq = body.AddInput("seq");
        var parts = body.AddNode("SplitToSequence", [x], ["parts"]).Outputs[0];
        var at = body.AddNode("SequenceAt", [parts, i], ["at"]).Outputs[0];
        var ins = body.AddNode("SequenceInsert", [seq, at], ["seq1"]).Outputs[0];
        var cout = body.AddNode("Identity", [cin], ["cout"]).Outputs[0];
        body.AddOutput(cout);
        body.AddOutput(ins);
        var n = g.AddNode("Loop", [m, null, e.Outputs[0]], ["out"]);
        n.Attributes["body"] = AttributeValue.Of(body);
        g.AddOutput(n.Outputs[0]);
        using var mT = L(3);
        using var x0 = F([1, 2, 3, 4, 5], 5);
        var outs = Run(g, ("M", mT), ("x", x0));
        var s = outs["out"].AsSequence("out");
        Assert.Equal(3, s.Count);
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(new Shape(1), s[k].Shape);
            Assert.Equal(k + 1f, s[k].ToArray<float>()[0]);
        }
        Dispose(outs);
    }

    [Fact]
    public void LoopBodyWithWrongArityIsAModelError()
    {
        using var g = NewGraph("bad_loop", 13);
        var m = g.AddInput("M");
        var v = g.AddInput("v");
        var body = new Graph("body", g);
        body.AddInput("i");
        var cin = body.AddInput("cin");
        body.AddOutput(cin);
        var n = g.AddNode("Loop", [m, null, v], ["out"]);
        n.Attributes["body"] = AttributeValue.Of(body);
        g.AddOutput(n.Outputs[0]);
        using var mT = L(1);
        using var v0 = F([1], 1);
        var ex = Assert.Throws<ModelFormatException>(() => Run(g, ("M", mT), ("v", v0)));
        Assert.Contains("Loop", ex.Message);
        Assert.Contains("expected 3", ex.Message);
    }

    [Fact]
    public void LoopTripCountMustBeAnInteger()
    {
        using var g = LoopGraph(true, false, 1);
        using var mT = Tensor.Scalar(2.0);
        using var acc0 = F([1, 2], 2);
        using var x = F([0.5f, -1], 2);
        var ex = Assert.Throws<DTypeMismatchException>(() => Run(g, ("M", mT), ("acc0", acc0), ("x", x)));
        Assert.Contains("Loop", ex.Message);
        Assert.Contains("f32", ex.Message);
    }
}
