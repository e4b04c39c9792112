using DeepSeek.Graph.Compilation.Passes;
using static DeepSeek.Graph.Tests.Compilation.Passes.PassTest;

namespace DeepSeek.Graph.Tests.Compilation.Passes;

public sealed class ConstantFoldingTests
{
    [Fact]
    public void AllConstantSubgraphsBecomeOneConstant()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [2, 3]));
        var a = g.AddConstant("a", RandN(1, 3, 2));
        var b = g.AddConstant("b", RandN(2, 2, 3));
        var t = g.AddNode("Transpose", [a], ["t"]); // [2, 3]
        var s = g.AddNode("Add", [t.Outputs[0], b], ["s"]);
        var e = g.AddNode("Exp", [s.Outputs[0]], ["e"]);
        g.AddOutput(g.AddNode("Mul", [x, e.Outputs[0]], ["y"]).Outputs[0]);
        using var xv = RandN(3, 2, 3);
        using var after = ApplyAndCompare(new ConstantFolding(), g, 0, ("x", xv));
        var mul = Assert.Single(after.Nodes);
        Assert.Equal("Mul", mul.OpType);
        var folded = mul.Inputs[1]!;
        Assert.True(folded.IsConstant);
        Assert.Equal([2, 3], folded.Constant!.Shape.ToArray());
        Assert.Single(after.Constants); // a and b are gone with the nodes that read them
    }

    [Fact]
    public void ShapeGatherUnsqueezeConcatReshapeChainFoldsToAConstantShape()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [2, 3, 4]));
        var shape = g.AddNode("Shape", [x], ["shape"]);
        var first = g.AddNode("Gather", [shape.Outputs[0], g.AddConstant("zero", Tensor.Scalar(0, DType.I64))], ["n"]);
        var u = g.AddNode("Unsqueeze", [first.Outputs[0], g.AddConstant("axes", Longs(0))], ["n1"]);
        var cat = g.AddNode("Concat", [u.Outputs[0], g.AddConstant("rest", Longs(-1))], ["target"]);
        cat.Attributes["axis"] = AttributeValue.Of(0L);
        g.AddOutput(g.AddNode("Reshape", [x, cat.Outputs[0]], ["y"]).Outputs[0]);
        using var xv = RandN(4, 2, 3, 4);
        using var after = ApplyAndCompare(new ConstantFolding(), g, 0, ("x", xv));
        var reshape = Assert.Single(after.Nodes);
        Assert.Equal([2L, -1], reshape.Inputs[1]!.Constant!.ToArray<long>());
    }

    [Fact]
    public void AFoldedGraphOutputKeepsItsNameAsAConstantNode()
    {
        using var g = NewGraph();
        var a = g.AddConstant("a", RandN(5, 4));
        var b = g.AddConstant("b", RandN(6, 4));
        g.AddOutput(g.AddNode("Sub", [a, b], ["diff"]).Outputs[0]);
        using var after = ApplyAndCompare(new ConstantFolding(), g, 0);
        var node = Assert.Single(after.Nodes);
        Assert.Equal("Constant", node.OpType);
        Assert.Equal("diff", after.Outputs[0].Name);
        // a second run finds nothing left to do
        Assert.False(Apply(new ConstantFolding(), after).Changed);
    }

    [Fact]
    public void OverridableInitializersSymbolicShapesAndRandomOpsStay()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [Dim.Named("batch"), 3]));
        var init = g.AddConstant("init", RandN(7, 3));
        g.Inputs.Add(init); // an initializer listed as input: callers may feed another value
        var c = g.AddConstant("c", RandN(8, 3));
        var sum = g.AddNode("Add", [init, c], ["sum"]);
        var shape = g.AddNode("Shape", [x], ["shape"]); // batch is not known
        var noise = g.AddNode("RandomNormal", [], ["noise"]);
        noise.Attributes["shape"] = AttributeValue.Of(new long[] { 3 });
        g.AddOutput(g.AddNode("Add", [x, sum.Outputs[0]], ["y"]).Outputs[0]);
        g.AddOutput(shape.Outputs[0]);
        g.AddOutput(noise.Outputs[0]);
        Assert.False(Apply(new ConstantFolding(), g).Changed);
        Assert.Equal(["Add", "Shape", "RandomNormal", "Add"], OpTypes(g));
    }

    [Fact]
    public void HugeOutputsAndFailingKernelsAreLeftToRunTime()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [1]));
        var big = g.AddNode("ConstantOfShape", [g.AddConstant("dims", Longs(4097, 4097))], ["big"]); // 16.8 M elements
        var bad = g.AddNode("Reshape", [g.AddConstant("six", RandN(9, 6)), g.AddConstant("shape", Longs(4, -1))], ["bad"]);
        var a = g.AddNode("ReduceSum", [big.Outputs[0]], ["a"]);
        a.Attributes["keepdims"] = AttributeValue.Of(0L);
        var b = g.AddNode("ReduceSum", [bad.Outputs[0]], ["b"]);
        b.Attributes["keepdims"] = AttributeValue.Of(0L);
        var s = g.AddNode("Add", [a.Outputs[0], b.Outputs[0]], ["s"]);
        g.AddOutput(g.AddNode("Add", [x, s.Outputs[0]], ["y"]).Outputs[0]);
        var (changed, log) = Apply(new ConstantFolding(), g);
        Assert.False(changed);
        Assert.Equal(["ConstantOfShape", "Reshape", "ReduceSum", "ReduceSum", "Add", "Add"], OpTypes(g));
        Assert.Contains(log, l => l.Contains("Reshape", StringComparison.Ordinal) && l.Contains("unfolded", StringComparison.Ordinal));
    }
}
