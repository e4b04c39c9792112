using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Ops.Flow.FlowTestUtil;

namespace DeepSeek.Graph.Tests.Ops.Flow;

using Shape = DeepSeek.Shape;

public sealed class ScanTests
{
    // body(state, x) = (state + x, state + x): a running sum whose states and outputs are [2]-vectors
    private static Graph SumBody(Graph parent)
    {
        var body = new Graph("body", parent);
        var s = body.AddInput("s");
        var x = body.AddInput("xs");
        var sum = body.AddNode("Add", [s, x], ["sum"]).Outputs[0];
        var y = body.AddNode("Identity", [sum], ["y"]).Outputs[0];
        body.AddOutput(sum);
        body.AddOutput(y);
        return body;
    }

    private static Graph Scan9Graph(long opset, long[]? inAxes, long[]? inDirs, long[]? outAxes, long[]? outDirs)
    {
        var g = NewGraph("scan", opset);
        var s0 = g.AddInput("s0");
        var x = g.AddInput("x");
        var n = g.AddNode("Scan", [s0, x], ["s", "y"]);
        n.Attributes["body"] = AttributeValue.Of(SumBody(g));
        n.Attributes["num_scan_inputs"] = AttributeValue.Of(1L);
        if (inAxes is not null) n.Attributes["scan_input_axes"] = AttributeValue.Of(inAxes);
        if (inDirs is not null) n.Attributes["scan_input_directions"] = AttributeValue.Of(inDirs);
        if (outAxes is not null) n.Attributes["scan_output_axes"] = AttributeValue.Of(outAxes);
        if (outDirs is not null) n.Attributes["scan_output_directions"] = AttributeValue.Of(outDirs);
        g.AddOutput(n.Outputs[0]);
        g.AddOutput(n.Outputs[1]);
        return g;
    }

    [Theory]
    [InlineData(9, 0L, 0L, 0L, 0L)]
    [InlineData(11, 1L, 0L, 0L, 0L)]
    [InlineData(11, -1L, 1L, 0L, 0L)]
    [InlineData(16, 0L, 1L, 1L, 1L)]
    [InlineData(19, 0L, 0L, -1L, 1L)]
    public void Scan9RunningSumMatchesNaiveLoops(long opset, long inAxis, long inDir, long outAxis, long outDir)
    {
        // x holds 3 steps of [2]-vectors along the scan axis
        float[,] steps = { { 1, 2 }, { 3, 4 }, { 5, 6 } };
        bool seqFirst = inAxis == 0;
        using var x = seqFirst ? F([1, 2, 3, 4, 5, 6], 3, 2) : F([1, 3, 5, 2, 4, 6], 2, 3);
        using var s0 = F([10, 20], 2);
        using var g = Scan9Graph(opset, [inAxis], [inDir], [outAxis], [outDir]);
        var outs = Run(g, ("s0", s0), ("x", x));
        double[] state = { 10, 20 };
        var ys = new List<double[]>();
        for (int t = 0; t < 3; t++)
        {
            int src = inDir == 1 ? 2 - t : t;
            state[0] += steps[src, 0];
            state[1] += steps[src, 1];
            ys.Add((double[])state.Clone());
        }
        if (outDir == 1) ys.Reverse();
        Assert.Equal(state.Select(v => (float)v), Floats(outs["s"]));
        var y = outs["y"].AsTensor("y");
        bool stepAxisFirst = outAxis == 0;
        Assert.Equal(stepAxisFirst ? new Shape(3, 2) : new Shape(2, 3), y.Shape);
        var got = y.ToArray<float>();
        for (int t = 0; t < 3; t++)
            for (int j = 0; j < 2; j++)
                Assert.Equal((float)ys[t][j], got[stepAxisFirst ? t * 2 + j : j * 3 + t]);
        Dispose(outs);
    }

    [Fact]
    public void Scan9ReadsTransposedAndSlicedInputs()
    {
        using var baseT = F(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 4, 3);
        using var x = baseT.Transpose(0, 1).Slice(1, 0, 4, 2); // [3, 2] view: rows i → (i, 6 + i)
        using var s0 = F([0, 0], 2);
        using var g = Scan9Graph(11, null, null, null, null);
        var outs = Run(g, ("s0", s0), ("x", x));
        Assert.Equal(new float[] { 0 + 1 + 2, 6 + 7 + 8 }, Floats(outs["s"]));
        Assert.Equal(new float[] { 0, 6, 1, 13, 3, 21 }, Floats(outs["y"]));
        Dispose(outs);
    }

    [Fact]
    public void Scan9MismatchedLengthsAreReported()
    {
        using var g = NewGraph("scan2", 11);
        var s0 = g.AddInput("s0");
        var a = g.AddInput("a");
        var b = g.AddInput("b");
        var body = new Graph("body", g);
        var s = body.AddInput("s");
        var xa = body.AddInput("xa");
        body.AddInput("xb");
        body.AddOutput(body.AddNode("Add", [s, xa], ["o"]).Outputs[0]);
        var n = g.AddNode("Scan", [s0, a, b], ["s"]);
        n.Attributes["body"] = AttributeValue.Of(body);
        n.Attributes["num_scan_inputs"] = AttributeValue.Of(2L);
        g.AddOutput(n.Outputs[0]);
        using var s0T = F([0], 1);
        using var aT = Tensor.Zeros(3, 1);
        using var bT = Tensor.Zeros(4, 1);
        var ex = Assert.Throws<ShapeMismatchException>(() => Run(g, ("s0", s0T), ("a", aT), ("b", bT)));
        Assert.Contains("Scan", ex.Message);
        Assert.Contains("length 4", ex.Message);
    }

    [Fact]
    public void Scan8HasABatchAxisAndSequenceLengths()
    {
        using var g = NewGraph("scan8", 8);
        var lens = g.AddInput("lens");
        var s0 = g.AddInput("s0");
        var x = g.AddInput("x");
        var n = g.AddNode("Scan", [lens, s0, x], ["s", "y"]);
        n.Attributes["body"] = AttributeValue.Of(SumBody(g));
        n.Attributes["num_scan_inputs"] = AttributeValue.Of(1L);
        n.Attributes["directions"] = AttributeValue.Of(new long[] { 0 });
        g.AddOutput(n.Outputs[0]);
        g.AddOutput(n.Outputs[1]);
        // batch 2, sequence 3, feature 2
        using var xT = F([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6], 2, 3, 2);
        using var s0T = F([0, 0, 100, 100], 2, 2);
        using var lensT = Tensor.FromArray(new long[] { 3, 2 }, 2);
        var outs = Run(g, ("lens", lensT), ("s0", s0T), ("x", xT));
        Assert.Equal(new float[] { 9, 12, 96, 94 }, Floats(outs["s"]));
        var y = outs["y"].AsTensor("y");
        Assert.Equal(new Shape(2, 3, 2), y.Shape);
        Assert.Equal(new float[] { 1, 2, 4, 6, 9, 12, 99, 98, 96, 94, 0, 0 }, y.ToArray<float>());
        Dispose(outs);
    }

    [Fact]
    public void Scan8ReverseDirectionWithoutSequenceLengths()
    {
        using var g = NewGraph("scan8r", 8);
        var s0 = g.AddInput("s0");
        var x = g.AddInput("x");
        var n = g.AddNode("Scan", [null, s0, x], ["s", "y"]);
        n.Attributes["body"] = AttributeValue.Of(SumBody(g));
        n.Attributes["num_scan_inputs"] = AttributeValue.Of(1L);
        n.Attributes["directions"] = AttributeValue.Of(new long[] { 1 });
        g.AddOutput(n.Outputs[0]);
        g.AddOutput(n.Outputs[1]);
        using var xT = F([1, 2, 3, 4, 5, 6], 1, 3, 2);
        using var s0T = F([0, 0], 1, 2);
        var outs = Run(g, ("s0", s0T), ("x", xT));
        Assert.Equal(new float[] { 9, 12 }, Floats(outs["s"]));
        Assert.Equal(new float[] { 5, 6, 8, 10, 9, 12 }, Floats(outs["y"]));
        Dispose(outs);
    }
}
