using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Compilation.Passes;
using static DeepSeek.Graph.Tests.Compilation.Passes.PassTest;

namespace DeepSeek.Graph.Tests.Compilation.Passes;

public sealed class DeadCodeEliminationTests
{
    [Fact]
    public void RemovesNodesThatReachNoOutputAndTheirConstants()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [2, 3]));
        var c = g.AddConstant("c", RandN(1, 2, 3));
        var dead1 = g.AddNode("Exp", [x], ["e"]);
        g.AddNode("Add", [dead1.Outputs[0], c], ["dead"]);
        var live = g.AddNode("Relu", [x], ["y"]);
        g.AddOutput(live.Outputs[0]);
        using var xv = RandN(2, 2, 3);
        using var after = ApplyAndCompare(new DeadCodeElimination(), g, 0, ("x", xv));
        Assert.Equal(["Relu"], OpTypes(after));
        Assert.Empty(after.Constants);
        Assert.Null(after.Find("e"));
    }

    [Fact]
    public void KeepsValuesReadInsideSubGraphsAndSweepsTheBodies()
    {
        using var g = NewGraph();
        var cond = g.AddInput("cond", new TensorType(DType.Bool, []));
        var x = g.AddInput("x", new TensorType(DType.F32, [3]));
        var outer = g.AddNode("Exp", [x], ["outer"]); // read only by the then-branch
        var thenG = new Graph("then", g);
        thenG.AddNode("Neg", [x], ["unused_inside"]); // dead inside the body
        thenG.AddOutput(thenG.AddNode("Sqrt", [outer.Outputs[0]], ["t"]).Outputs[0]);
        var elseG = new Graph("else", g);
        elseG.AddOutput(elseG.AddNode("Abs", [x], ["e"]).Outputs[0]);
        var n = g.AddNode("If", [cond], ["y"]);
        n.Attributes["then_branch"] = AttributeValue.Of(thenG);
        n.Attributes["else_branch"] = AttributeValue.Of(elseG);
        g.AddOutput(n.Outputs[0]);
        using var xv = RandN(3, 3);
        using var t = Tensor.Scalar(1, DType.Bool);
        using var after = ApplyAndCompare(new DeadCodeElimination(), g, 0, ("cond", t), ("x", xv));
        Assert.Equal(["Exp", "If"], OpTypes(after));
        Assert.Equal(["Sqrt"], OpTypes(after.Nodes[1].GetGraph("then_branch")));
        using var f = Tensor.Scalar(0, DType.Bool);
        SameOutputs(g, after, 0, ("cond", f), ("x", xv));
    }

    [Fact]
    public void UnusedRandomOpsGoUsedOnesStay()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [4]));
        g.AddNode("RandomNormalLike", [x], ["noise_unused"]);
        var used = g.AddNode("RandomUniformLike", [x], ["noise"]);
        g.AddOutput(g.AddNode("Add", [x, used.Outputs[0]], ["y"]).Outputs[0]);
        Assert.True(Apply(new DeadCodeElimination(), g).Changed);
        Assert.Equal(["RandomUniformLike", "Add"], OpTypes(g));
    }

    [Fact]
    public void ALiveGraphIsLeftAlone()
    {
        using var g = NewGraph();
        var x = g.AddInput("x");
        g.AddOutput(g.AddNode("Relu", [x], ["y"]).Outputs[0]);
        Assert.False(Apply(new DeadCodeElimination(), g).Changed);
        Assert.Equal(["Relu"], OpTypes(g));
    }

    [Fact]
    public void PipelineStartsWithTheBasicPassesAndDisablingOneSkipsIt()
    {
        Assert.Equal(["eliminations", "dce", "cse", "constant-folding", "bn-fold"], PassManager.PassNames.Take(5).ToArray());
        Assert.Equal([1, 1, 1, 1, 2], PassManager.AllPasses.Take(5).Select(p => p.Level).ToArray());
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [2]));
        g.AddNode("Exp", [x], ["dead"]);
        g.AddOutput(g.AddNode("Relu", [x], ["y"]).Outputs[0]);
        var skip = PassManager.PassNames.Where(n => n != "dce").ToArray();
        using (var only = g.Clone())
        {
            PassManager.Run(only, new CompileOptions().Without(skip));
            Assert.Equal(["Relu"], OpTypes(only));
        }
        using (var none = g.Clone())
        {
            PassManager.Run(none, new CompileOptions().Without(PassManager.PassNames.ToArray()));
            Assert.Equal(["Exp", "Relu"], OpTypes(none));
        }
    }
}
