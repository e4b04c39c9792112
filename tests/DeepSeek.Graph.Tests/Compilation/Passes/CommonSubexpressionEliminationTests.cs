using DeepSeek.Graph.Compilation.Passes;
using static DeepSeek.Graph.Tests.Compilation.Passes.PassTest;

namespace DeepSeek.Graph.Tests.Compilation.Passes;

using Shape = DeepSeek.Shape;

public sealed class CommonSubexpressionEliminationTests
{
    [Fact]
    public void SharesEqualConstantsThenMergesTheNodesThatBecameEqual()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [2, 3]));
        using var data = RandN(1, 3);
        var c1 = g.AddConstant("c1", data.Clone());
        var c2 = g.AddConstant("c2", data.Clone());
        using var row = data.Reshape(1, 3);
        var c3 = g.AddConstant("c3", row.Clone()); // same bytes, other shape
        var a = g.AddNode("Add", [x, c1], ["a"]);
        var b = g.AddNode("Add", [x, c2], ["b"]);
        var ea = g.AddNode("Exp", [a.Outputs[0]], ["ea"]);
        var eb = g.AddNode("Exp", [b.Outputs[0]], ["eb"]); // equal once a and b merge
        var m = g.AddNode("Mul", [ea.Outputs[0], eb.Outputs[0]], ["m"]);
        g.AddOutput(g.AddNode("Add", [m.Outputs[0], c3], ["y"]).Outputs[0]);
        using var xv = RandN(2, 2, 3);
        using var after = ApplyAndCompare(new CommonSubexpressionElimination(), g, 0, ("x", xv));
        Assert.Equal(["Add", "Exp", "Mul", "Add"], OpTypes(after));
        Assert.Equal(2, after.Constants.Count());
        Assert.Same(after.Nodes[1].Outputs[0], after.Nodes[2].Inputs[0]);
        Assert.Same(after.Nodes[1].Outputs[0], after.Nodes[2].Inputs[1]);
    }

    [Fact]
    public void AttributesDecideTensorAttributesByContent()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [2, 2]));
        using var k = RandN(3, 2, 2);
        var k1 = g.AddNode("Constant", [], ["k1"]);
        k1.Attributes["value"] = AttributeValue.Of(k.Clone());
        var k2 = g.AddNode("Constant", [], ["k2"]);
        k2.Attributes["value"] = AttributeValue.Of(k.Clone()); // another tensor object, same content
        var l1 = g.AddNode("LeakyRelu", [x], ["l1"]);
        l1.Attributes["alpha"] = AttributeValue.Of(0.1f);
        var l2 = g.AddNode("LeakyRelu", [x], ["l2"]);
        l2.Attributes["alpha"] = AttributeValue.Of(0.2f); // differs: stays
        var t1 = g.AddNode("Transpose", [x], ["t1"]);
        t1.Attributes["perm"] = AttributeValue.Of(new long[] { 1, 0 });
        var t2 = g.AddNode("Transpose", [x], ["t2"]);
        t2.Attributes["perm"] = AttributeValue.Of(new long[] { 1, 0 });
        var s1 = g.AddNode("Sum", [k1.Outputs[0], k2.Outputs[0], l1.Outputs[0]], ["s1"]);
        var s2 = g.AddNode("Sum", [l2.Outputs[0], t1.Outputs[0], t2.Outputs[0]], ["s2"]);
        g.AddOutput(g.AddNode("Sub", [s1.Outputs[0], s2.Outputs[0]], ["y"]).Outputs[0]);
        using var xv = RandN(4, 2, 2);
        using var after = ApplyAndCompare(new CommonSubexpressionElimination(), g, 0, ("x", xv));
        Assert.Equal(["Constant", "LeakyRelu", "LeakyRelu", "Transpose", "Sum", "Sum", "Sub"], OpTypes(after));
        var sum1 = after.Nodes[4];
        Assert.Same(sum1.Inputs[0], sum1.Inputs[1]);
    }

    [Fact]
    public void RandomOpsAndNamedGraphOutputsAreNotMerged()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [3]));
        var n1 = g.AddNode("RandomNormalLike", [x], ["n1"]);
        var n2 = g.AddNode("RandomNormalLike", [x], ["n2"]);
        g.AddOutput(g.AddNode("Add", [n1.Outputs[0], n2.Outputs[0]], ["noise"]).Outputs[0]);
        g.AddOutput(g.AddNode("Relu", [x], ["relu_a"]).Outputs[0]);
        g.AddOutput(g.AddNode("Relu", [x], ["relu_b"]).Outputs[0]);
        Assert.False(Apply(new CommonSubexpressionElimination(), g).Changed);
        Assert.Equal(["RandomNormalLike", "RandomNormalLike", "Add", "Relu", "Relu"], OpTypes(g));
    }

    [Fact]
    public void ConstantsAboveTheByteLimitAreNotCompared()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [1]));
        int n = (int)(CommonSubexpressionElimination.MaxSharedConstantBytes / 4) + 1;
        var big1 = g.AddConstant("big1", Tensor.Zeros(new Shape(n)));
        var big2 = g.AddConstant("big2", Tensor.Zeros(new Shape(n)));
        var a = g.AddNode("Add", [x, big1], ["a"]);
        var b = g.AddNode("Add", [x, big2], ["b"]);
        g.AddOutput(g.AddNode("Sub", [a.Outputs[0], b.Outputs[0]], ["y"]).Outputs[0]);
        Assert.False(Apply(new CommonSubexpressionElimination(), g).Changed);
        Assert.Equal(2, g.Constants.Count());
    }
}
