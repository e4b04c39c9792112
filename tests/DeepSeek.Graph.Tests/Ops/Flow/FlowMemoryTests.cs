using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Ops.Flow.FlowTestUtil;

namespace DeepSeek.Graph.Tests.Ops.Flow;

using Shape = DeepSeek.Shape;

[Collection("Pool")]
public sealed class FlowMemoryTests
{
    // Loop(M) over body: seq' = SequenceInsert(seq, acc); acc' = acc + x; scan = acc'; then ConcatFromSequence,
    // followed by a Scan over the stacked scan output and an If choosing between them.
    private static Graph Build()
    {
        var g = NewGraph("mem", 17);
        var m = g.AddInput("M");
        var x = g.AddInput("x");
        var c = g.AddInput("c");
        var empty = g.AddNode("SequenceEmpty", [], ["empty"]).Outputs[0];
        var body = new Graph("body", g);
        body.AddInput("i");
        var cin = body.AddInput("cin");
        var acc = body.AddInput("acc");
        var seq = body.AddInput("seq");
        var acc1 = body.AddNode("Add", [acc, x], ["acc1"]).Outputs[0];
        var seq1 = body.AddNode("SequenceInsert", [seq, acc], ["seq1"]).Outputs[0];
        body.AddOutput(cin);
        body.AddOutput(acc1);
        body.AddOutput(seq1);
        body.AddOutput(body.AddNode("Identity", [acc1], ["sc"]).Outputs[0]);
        var loop = g.AddNode("Loop", [m, null, x, empty], ["accF", "seqF", "scans"]);
        loop.Attributes["body"] = AttributeValue.Of(body);
        var cat = g.AddNode("ConcatFromSequence", [loop.Outputs[1]], ["cat"]);
        cat.Attributes["axis"] = AttributeValue.Of(0L);
        var sbody = new Graph("sbody", g);
        var s = sbody.AddInput("s");
        var xs = sbody.AddInput("xs");
        var sum = sbody.AddNode("Add", [s, xs], ["sum"]).Outputs[0];
        sbody.AddOutput(sum);
        sbody.AddOutput(sbody.AddNode("Identity", [sum], ["y"]).Outputs[0]);
        var scan = g.AddNode("Scan", [x, loop.Outputs[2]], ["sF", "ys"]);
        scan.Attributes["body"] = AttributeValue.Of(sbody);
        scan.Attributes["num_scan_inputs"] = AttributeValue.Of(1L);
        var thenG = new Graph("then", g);
        thenG.AddOutput(thenG.AddNode("Identity", [cat.Outputs[0]], ["t"]).Outputs[0]);
        var elseG = new Graph("else", g);
        elseG.AddOutput(elseG.AddNode("Identity", [scan.Outputs[1]], ["e"]).Outputs[0]);
        var iff = g.AddNode("If", [c], ["y"]);
        iff.Attributes["then_branch"] = AttributeValue.Of(thenG);
        iff.Attributes["else_branch"] = AttributeValue.Of(elseG);
        g.AddOutput(iff.Outputs[0]);
        g.AddOutput(scan.Outputs[0]);
        return g;
    }

    [Fact]
    public void ControlFlowFreesEveryIntermediate()
    {
        using var g = Build();
        using var m = L(4);
        using var x = F([1, 2], 2);
        using var t = B(true);
        using var f = B(false);
        var first = Run(g, ("M", m), ("x", x), ("c", t));
        // seq = [x, 2x, 3x, 4x] concatenated
        Assert.Equal(new float[] { 1, 2, 2, 4, 3, 6, 4, 8 }, Floats(first["y"]));
        // scans = [2x, 3x, 4x, 5x]; Scan running sum from x: x+2x+...+5x = 15x
        Assert.Equal(new float[] { 15, 30 }, Floats(first["sF"]));
        Dispose(first);
        var second = Run(g, ("M", m), ("x", x), ("c", f));
        Assert.Equal(new float[] { 3, 6, 6, 12, 10, 20, 15, 30 }, Floats(second["y"]));
        Dispose(second);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var pool = BackendRegistry.Get(Device.Cpu).Pool;
        long before = pool.Statistics.BytesInUse;
        for (int i = 0; i < 20; i++)
            Dispose(Run(g, ("M", m), ("x", x), ("c", i % 2 == 0 ? t : f)));
        Assert.Equal(before, pool.Statistics.BytesInUse);
        Assert.Equal(new float[] { 1, 2 }, x.ToArray<float>());
    }
}
