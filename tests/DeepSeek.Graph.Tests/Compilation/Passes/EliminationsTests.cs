using DeepSeek.Graph.Compilation.Passes;
using static DeepSeek.Graph.Tests.Compilation.Passes.PassTest;

namespace DeepSeek.Graph.Tests.Compilation.Passes;

public sealed class EliminationsTests
{
    private static TensorType F32(params Dim[] dims) => new(DType.F32, dims);

    [Fact]
    public void IdentityDropoutAndSameTypeCastGoAndTheOutputKeepsItsName()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", F32(2, 3));
        var id = g.AddNode("Identity", [x], ["id"]);
        var no = g.AddConstant("no", Tensor.Scalar(0, DType.Bool));
        var ratio = g.AddConstant("ratio", Tensor.Scalar(0.3));
        var drop = g.AddNode("Dropout", [id.Outputs[0], ratio, no], ["drop"]);
        var cast = g.AddNode("Cast", [drop.Outputs[0]], ["cast"]);
        cast.Attributes["to"] = AttributeValue.Of(1L); // FLOAT
        var relu = g.AddNode("Relu", [cast.Outputs[0]], ["r"]);
        g.AddOutput(g.AddNode("Identity", [relu.Outputs[0]], ["out"]).Outputs[0]);
        using var xv = RandN(1, 2, 3);
        using var after = ApplyAndCompare(new Eliminations(), g, 0, ("x", xv));
        Assert.Equal(["Relu"], OpTypes(after));
        Assert.Equal("out", after.Outputs[0].Name);
        Assert.Same(after.Nodes[0], after.Outputs[0].Producer);
        Assert.Same(after.Inputs[0], after.Nodes[0].Inputs[0]);
    }

    [Fact]
    public void IdentitiesThatAreTheOnlyLinkToAnOutputStay()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", F32(3));
        var c = g.AddConstant("c", RandN(2, 3));
        g.AddOutput(g.AddNode("Identity", [x], ["from_input"]).Outputs[0]);
        g.AddOutput(g.AddNode("Identity", [c], ["from_constant"]).Outputs[0]);
        var relu = g.AddNode("Relu", [x], ["relu"]);
        g.AddOutput(relu.Outputs[0]);
        g.AddOutput(g.AddNode("Identity", [relu.Outputs[0]], ["copy_of_output"]).Outputs[0]);
        Assert.False(Apply(new Eliminations(), g).Changed);
        Assert.Equal(["Identity", "Identity", "Relu", "Identity"], OpTypes(g));
    }

    [Fact]
    public void DropoutThatMayTrainOrWhoseMaskIsReadStays()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", F32(4));
        var train = g.AddInput("train", new TensorType(DType.Bool, []));
        var d1 = g.AddNode("Dropout", [x, null, train], ["d1"]);
        var d2 = g.AddNode("Dropout", [d1.Outputs[0]], ["d2", "mask"]);
        var cast = g.AddNode("Cast", [d2.Outputs[1]], ["maskf"]);
        cast.Attributes["to"] = AttributeValue.Of(1L);
        g.AddOutput(g.AddNode("Mul", [d2.Outputs[0], cast.Outputs[0]], ["y"]).Outputs[0]);
        Assert.False(Apply(new Eliminations(), g).Changed);
        Assert.Equal(["Dropout", "Dropout", "Cast", "Mul"], OpTypes(g));
    }

    [Fact]
    public void ShapeOpsThatKeepTheStaticShapeGoOthersStay()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", F32(2, 3));
        var r = g.AddNode("Reshape", [x, g.AddConstant("s", Longs(2, 3))], ["r"]);
        var f = g.AddNode("Flatten", [r.Outputs[0]], ["f"]); // [2, 3] → [2, 3]
        var u = g.AddNode("Unsqueeze", [f.Outputs[0], g.AddConstant("ax", Longs(0))], ["u"]); // [1, 2, 3]
        var cast = g.AddNode("Cast", [u.Outputs[0]], ["d"]);
        cast.Attributes["to"] = AttributeValue.Of(11L); // DOUBLE: a real conversion
        g.AddOutput(g.AddNode("Squeeze", [cast.Outputs[0], g.AddConstant("ax0", Longs(0))], ["y"]).Outputs[0]);
        using var xv = RandN(3, 2, 3);
        using var after = ApplyAndCompare(new Eliminations(), g, 0, ("x", xv));
        Assert.Equal(["Unsqueeze", "Cast", "Squeeze"], OpTypes(after));
    }

    [Fact]
    public void ReshapeWithASymbolicBatchThatKeepsTheShapeGoes()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", F32(Dim.Named("batch"), 3));
        var r = g.AddNode("Reshape", [x, g.AddConstant("s", Longs(0, 3))], ["r"]); // shape inference: [batch, 3]
        g.AddOutput(g.AddNode("Exp", [r.Outputs[0]], ["y"]).Outputs[0]);
        using var xv = RandN(4, 5, 3);
        using var after = ApplyAndCompare(new Eliminations(), g, 0, ("x", xv));
        Assert.Equal(["Exp"], OpTypes(after));
    }

    [Fact]
    public void TransposesComposeAndIdentityPermsVanish()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", F32(2, 3, 4));
        var t1 = g.AddNode("Transpose", [x], ["t1"]);
        t1.Attributes["perm"] = AttributeValue.Of(new long[] { 1, 0, 2 });
        var t2 = g.AddNode("Transpose", [t1.Outputs[0]], ["t2"]);
        t2.Attributes["perm"] = AttributeValue.Of(new long[] { 0, 2, 1 });
        var back1 = g.AddNode("Transpose", [t2.Outputs[0]], ["b1"]);
        back1.Attributes["perm"] = AttributeValue.Of(new long[] { 0, 1, 2 }); // identity
        var swap = g.AddNode("Transpose", [back1.Outputs[0]], ["s1"]);
        swap.Attributes["perm"] = AttributeValue.Of(new long[] { 2, 1, 0 });
        g.AddOutput(g.AddNode("Transpose", [swap.Outputs[0]], ["y"]).Outputs[0]); // no perm: reverses, undoing swap
        using var xv = RandN(5, 2, 3, 4);
        using var after = ApplyAndCompare(new Eliminations(), g, 0, ("x", xv));
        new DeadCodeElimination().Run(after, new(new()));
        after.RemoveUnusedValues();
        // t2∘t1 has perm[i] = p1[p2[i]] = [1, 2, 0]; the identity and the reversal pair disappear
        var t = Assert.Single(after.Nodes);
        Assert.Equal([1L, 2, 0], t.GetInts("perm")!);
        Assert.Same(after.Inputs[0], t.Inputs[0]);
        Assert.Equal("y", t.Outputs[0].Name);
        SameOutputs(g, after, 0, ("x", xv));
    }

    [Fact]
    public void ConsecutiveReshapesKeepTheLastUnlessItCopiesADim()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", F32(2, 3, 4));
        var r1 = g.AddNode("Reshape", [x, g.AddConstant("s1", Longs(6, 4))], ["r1"]);
        var fl = g.AddNode("Flatten", [r1.Outputs[0]], ["fl"]);
        var r2 = g.AddNode("Reshape", [fl.Outputs[0], g.AddConstant("s2", Longs(4, -1))], ["r2"]);
        var r3 = g.AddNode("Reshape", [r2.Outputs[0], g.AddConstant("s3", Longs(0, 2, 3))], ["y"]); // copies dim 0 of r2: stays chained
        g.AddOutput(r3.Outputs[0]);
        using var xv = RandN(6, 2, 3, 4);
        using var after = ApplyAndCompare(new Eliminations(), g, 0, ("x", xv));
        new DeadCodeElimination().Run(after, new(new()));
        Assert.Equal(["Reshape", "Reshape"], OpTypes(after));
        Assert.Same(after.Inputs[0], after.Nodes[0].Inputs[0]);
        Assert.Equal([4L, -1], after.Nodes[0].Inputs[1]!.Constant!.ToArray<long>());
        Assert.Same(after.Nodes[0].Outputs[0], after.Nodes[1].Inputs[0]);
    }
}
