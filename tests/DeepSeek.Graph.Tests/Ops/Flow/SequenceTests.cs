using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Ops.Flow.FlowTestUtil;

namespace DeepSeek.Graph.Tests.Ops.Flow;

using Shape = DeepSeek.Shape;

public sealed class SequenceTests
{
    // runs one node over graph inputs named in0, in1, ...; returns its outputs
    private static Dictionary<string, RuntimeValue> RunNode(string op, Action<Node>? attrs, int outputs, params RuntimeValue?[] inputs)
    {
        using var g = NewGraph(op, 17);
        var ins = new List<Value?>();
        var feeds = new List<(string, RuntimeValue)>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) { ins.Add(null); continue; }
            ins.Add(g.AddInput($"in{i}"));
            feeds.Add(($"in{i}", inputs[i]!));
        }
        var n = g.AddNode(op, ins, Enumerable.Range(0, outputs).Select(o => $"out{o}"));
        attrs?.Invoke(n);
        foreach (var o in n.Outputs) g.AddOutput(o);
        return Run(g, feeds.ToArray());
    }

    private static SequenceValue Seq(params Tensor[] items) => new(items);

    private static float[][] Items(RuntimeValue v) => v.AsSequence("s").Select(t => t.ToArray<float>()).ToArray();

    [Fact]
    public void ConstructAtLengthInsertErase()
    {
        using var a = F([1, 2], 2);
        using var b = F([3], 1);
        using var c = F([4, 5, 6], 3);
        var outs = RunNode("SequenceConstruct", null, 1, new TensorValue(a), new TensorValue(b));
        var s = (SequenceValue)outs["out0"];
        Assert.Equal([[1f, 2], [3f]], Items(s));

        using var m1 = L(-1);
        var at = RunNode("SequenceAt", null, 1, s, new TensorValue(m1));
        Assert.Equal(new float[] { 3 }, Floats(at["out0"]));
        Dispose(at);

        var len = RunNode("SequenceLength", null, 1, s);
        Assert.Equal(DType.I64, len["out0"].AsTensor("l").DType);
        Assert.Equal(0, len["out0"].AsTensor("l").Rank);
        Assert.Equal(2L, len["out0"].AsTensor("l").Item<long>());
        Dispose(len);

        var back = RunNode("SequenceInsert", null, 1, s, new TensorValue(c));
        Assert.Equal([[1f, 2], [3f], [4f, 5, 6]], Items(back["out0"]));
        Dispose(back);
        using var p0 = Tensor.Scalar(0, DType.I32);
        var front = RunNode("SequenceInsert", null, 1, s, new TensorValue(c), new TensorValue(p0));
        Assert.Equal([[4f, 5, 6], [1f, 2], [3f]], Items(front["out0"]));
        Dispose(front);
        using var pm1 = L(-1);
        var mid = RunNode("SequenceInsert", null, 1, s, new TensorValue(c), new TensorValue(pm1));
        Assert.Equal([[1f, 2], [4f, 5, 6], [3f]], Items(mid["out0"]));
        Dispose(mid);

        var erLast = RunNode("SequenceErase", null, 1, s);
        Assert.Equal([[1f, 2]], Items(erLast["out0"]));
        Dispose(erLast);
        using var e0 = L(-2);
        var erFirst = RunNode("SequenceErase", null, 1, s, new TensorValue(e0));
        Assert.Equal([[3f]], Items(erFirst["out0"]));
        Dispose(erFirst);

        Dispose(outs);
        Assert.False(a.IsDisposed);
    }

    [Fact]
    public void PositionsOutOfRangeAndTypeMismatchesAreErrors()
    {
        using var a = F([1, 2], 2);
        using var i = Tensor.Scalar(1, DType.I64);
        var s = Seq(a.Detach());
        using var p2 = L(2);
        var ex = Assert.Throws<IndexOutOfRangeException>(() => RunNode("SequenceAt", null, 1, s, new TensorValue(p2)));
        Assert.Contains("SequenceAt", ex.Message);
        Assert.Contains("length 1", ex.Message);
        var ex2 = Assert.Throws<DTypeMismatchException>(() => RunNode("SequenceInsert", null, 1, s, new TensorValue(i)));
        Assert.Contains("i64", ex2.Message);
        Assert.Contains("f32", ex2.Message);
        using var pf = Tensor.Scalar(0.0);
        Assert.Throws<DTypeMismatchException>(() => RunNode("SequenceAt", null, 1, s, new TensorValue(pf)));
        var empty = new SequenceValue([], DType.F32);
        Assert.Throws<IndexOutOfRangeException>(() => RunNode("SequenceErase", null, 1, empty));
        Assert.Throws<DTypeMismatchException>(() => RunNode("SequenceLength", null, 1, new TensorValue(a)));
        s.Dispose();
    }

    [Theory]
    [InlineData(1L, DType.F32)]
    [InlineData(7L, DType.I64)]
    [InlineData(9L, DType.Bool)]
    [InlineData(10L, DType.F16)]
    [InlineData(16L, DType.BF16)]
    public void SequenceEmptyCarriesItsDType(long code, DType expected)
    {
        var outs = RunNode("SequenceEmpty", n => n.Attributes["dtype"] = AttributeValue.Of(code), 1);
        var s = (SequenceValue)outs["out0"];
        Assert.Empty(s.Items);
        Assert.Equal(expected, s.ElementType);
        Dispose(outs);
    }

    [Fact]
    public void SequenceEmptyRejectsStrings()
    {
        var ex = Assert.Throws<UnsupportedOperatorException>(() => RunNode("SequenceEmpty", n => n.Attributes["dtype"] = AttributeValue.Of(8L), 1));
        Assert.Contains("STRING", ex.Message); // the ONNX spelling of the rejected type
        Assert.Contains("SequenceEmpty", ex.Message);
    }

    private static Tensor Grid() => F(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 3, 4);

    [Fact]
    public void SplitToSequenceDefaultKeepsOrDropsTheAxis()
    {
        using var x = Grid();
        var keep = RunNode("SplitToSequence", n => n.Attributes["axis"] = AttributeValue.Of(1L), 1, new TensorValue(x));
        var ks = keep["out0"].AsSequence("s");
        Assert.Equal(4, ks.Count);
        Assert.Equal(new Shape(3, 1), ks[2].Shape);
        Assert.Equal(new float[] { 2, 6, 10 }, ks[2].ToArray<float>());
        Dispose(keep);
        var drop = RunNode("SplitToSequence", n => { n.Attributes["axis"] = AttributeValue.Of(-1L); n.Attributes["keepdims"] = AttributeValue.Of(0L); }, 1, new TensorValue(x));
        var ds = drop["out0"].AsSequence("s");
        Assert.Equal(new Shape(3), ds[3].Shape);
        Assert.Equal(new float[] { 3, 7, 11 }, ds[3].ToArray<float>());
        Dispose(drop);
    }

    [Fact]
    public void SplitToSequenceWithScalarAndListSplits()
    {
        using var x = Grid();
        using var two = Tensor.Scalar(3, DType.I64);
        var sc = RunNode("SplitToSequence", n => n.Attributes["axis"] = AttributeValue.Of(1L), 1, new TensorValue(x), new TensorValue(two));
        var parts = sc["out0"].AsSequence("s");
        Assert.Equal(2, parts.Count);
        Assert.Equal(new Shape(3, 3), parts[0].Shape);
        Assert.Equal(new float[] { 3, 7, 11 }, parts[1].ToArray<float>());
        Dispose(sc);
        using var sizes = Tensor.FromArray(new int[] { 1, 2 }, 2);
        var ls = RunNode("SplitToSequence", n => n.Attributes["keepdims"] = AttributeValue.Of(0L), 1, new TensorValue(x), new TensorValue(sizes));
        var lp = ls["out0"].AsSequence("s");
        Assert.Equal(new Shape(1, 4), lp[0].Shape); // keepdims is ignored when split is given
        Assert.Equal(new Shape(2, 4), lp[1].Shape);
        Assert.Equal(Enumerable.Range(4, 8).Select(i => (float)i), lp[1].ToArray<float>());
        Dispose(ls);
        using var bad = Tensor.FromArray(new long[] { 1, 1 }, 2);
        var ex = Assert.Throws<ShapeMismatchException>(() => RunNode("SplitToSequence", null, 1, new TensorValue(x), new TensorValue(bad)));
        Assert.Contains("sum to 3", ex.Message);
    }

    [Fact]
    public void ConcatFromSequenceJoinsOrStacks()
    {
        using var x = Grid();
        var s = Seq(x.Narrow(0, 0, 1), x.Narrow(0, 1, 2));
        var cat = RunNode("ConcatFromSequence", n => n.Attributes["axis"] = AttributeValue.Of(0L), 1, s);
        Assert.Equal(new Shape(3, 4), cat["out0"].AsTensor("c").Shape);
        Assert.Equal(x.ToArray<float>(), Floats(cat["out0"]));
        Dispose(cat);
        s.Dispose();
        using var t = x.Transpose(0, 1); // non-contiguous [4, 3]
        var s2 = Seq(t.Select(0, 0), t.Select(0, 3));
        var stacked = RunNode("ConcatFromSequence", n => { n.Attributes["axis"] = AttributeValue.Of(-1L); n.Attributes["new_axis"] = AttributeValue.Of(1L); }, 1, s2);
        var st = stacked["out0"].AsTensor("s");
        Assert.Equal(new Shape(3, 2), st.Shape);
        Assert.Equal(new float[] { 0, 3, 4, 7, 8, 11 }, st.ToArray<float>());
        Dispose(stacked);
        var ex = Assert.Throws<ShapeMismatchException>(() => RunNode("ConcatFromSequence", n => n.Attributes["axis"] = AttributeValue.Of(0L), 1, new SequenceValue([], DType.F32)));
        Assert.Contains("empty", ex.Message);
        s2.Dispose();
    }

    [Fact]
    public void SequenceMapAppliesTheBodyToEachElementWithSequenceAndTensorExtras()
    {
        using var g = NewGraph("map", 17);
        var s1 = g.AddInput("s1");
        var s2 = g.AddInput("s2");
        var t = g.AddInput("t");
        var body = new Graph("body", g);
        var a = body.AddInput("a");
        var b = body.AddInput("b");
        var c = body.AddInput("c");
        var ab = body.AddNode("Add", [a, b], ["ab"]).Outputs[0];
        body.AddOutput(body.AddNode("Mul", [ab, c], ["abc"]).Outputs[0]);
        body.AddOutput(body.AddNode("Identity", [a], ["a2"]).Outputs[0]);
        var n = g.AddNode("SequenceMap", [s1, s2, t], ["o1", "o2"]);
        n.Attributes["body"] = AttributeValue.Of(body);
        g.AddOutput(n.Outputs[0]);
        g.AddOutput(n.Outputs[1]);
        var seq1 = Seq(F([1, 2], 2), F([3], 1));
        var seq2 = Seq(F([10, 20], 2), F([30], 1));
        using var tT = Tensor.Scalar(2);
        var outs = Run(g, ("s1", seq1), ("s2", seq2), ("t", tT));
        Assert.Equal([[22f, 44], [66f]], Items(outs["o1"]));
        Assert.Equal([[1f, 2], [3f]], Items(outs["o2"]));
        Dispose(outs);
        var shortSeq = Seq(F([1], 1));
        var ex = Assert.Throws<ShapeMismatchException>(() => Run(g, ("s1", seq1), ("s2", shortSeq), ("t", tT)));
        Assert.Contains("SequenceMap", ex.Message);
        shortSeq.Dispose();
        var empty = new SequenceValue([], DType.F32);
        outs = Run(g, ("s1", empty), ("s2", empty), ("t", tT));
        Assert.Empty(outs["o1"].AsSequence("o1"));
        Dispose(outs);
        seq1.Dispose();
        seq2.Dispose();
    }
}
