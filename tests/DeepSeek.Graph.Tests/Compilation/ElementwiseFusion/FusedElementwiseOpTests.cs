using DeepSeek.Graph.Execution;
using DeepSeek.Graph.Ops;
using static DeepSeek.Graph.Tests.Compilation.ElementwiseFusion.FusionTestUtil;

namespace DeepSeek.Graph.Tests.Compilation.ElementwiseFusion;

using Shape = DeepSeek.Shape;

/// <summary>deepseek::FusedElementwise through the interpreter and as a static kernel.</summary>
public sealed class FusedElementwiseOpTests
{
    private static Graph OneNode(string program, float[]? constants, int outputs, params (string Name, int[] Shape)[] inputs)
    {
        var g = NewGraph("fused");
        g.OpsetImports["deepseek"] = 1;
        var ins = inputs.Select(i => Input(g, i.Name, i.Shape)).ToArray();
        var n = g.AddNode("FusedElementwise", ins, Enumerable.Range(0, outputs).Select(o => $"y{o}"), "deepseek", "f");
        n.Attributes["program"] = AttributeValue.Of(program);
        if (constants is not null) n.Attributes["constants"] = AttributeValue.Of(constants);
        foreach (var o in n.Outputs) g.AddOutput(o);
        return g;
    }

    [Fact]
    public void TheInterpreterRunsAProgramWithBroadcastingAndTwoOutputs()
    {
        using var g = OneNode("y1=mul x0 x1; y0=add y1 c0", [1f], 2, ("x", [2, 3]), ("s", [3]));
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var s = Tensor.FromArray(new float[] { 10, -1, 0.5f });
        var outs = Run(g, new Dictionary<string, Tensor> { ["x"] = x, ["s"] = s });
        Assert.Equal(new float[] { 10, -2, 1.5f, 40, -5, 3 }, outs["y1"]);
        Assert.Equal(new float[] { 11, -1, 2.5f, 41, -4, 4 }, outs["y0"]);
    }

    [Fact]
    public void BadNodesAreReportedWithTheNodeName()
    {
        using var noProgram = NewGraph("bad");
        noProgram.OpsetImports["deepseek"] = 1;
        var x = Input(noProgram, "x", 2);
        noProgram.AddOutput(noProgram.AddNode("FusedElementwise", [x], ["y"], "deepseek", "f").Outputs[0]);
        using var t = Tensor.Ones(new Shape(2));
        var feeds = new Dictionary<string, Tensor> { ["x"] = t };
        var e1 = Assert.Throws<ModelFormatException>(() => Run(noProgram, feeds));
        Assert.Contains("FusedElementwise node 'f': the 'program' attribute is missing", e1.Message);

        using var tooMany = OneNode("y0=add x0 x1", null, 1, ("x", [2]));
        var e2 = Assert.Throws<ModelFormatException>(() => Run(tooMany, feeds));
        Assert.Contains("FusedElementwise node 'f'", e2.Message);
        Assert.Contains("the program reads x1 but the node has 1 input(s)", e2.Message);

        using var twoOuts = OneNode("y0=neg x0", null, 2, ("x", [2]));
        Assert.Contains("defines 1 output(s) but the node has 2", Assert.Throws<ModelFormatException>(() => Run(twoOuts, feeds)).Message);

        using var ok = OneNode("y0=neg x0", null, 1, ("x", [2]));
        using var d = Tensor.Ones(new Shape(2), DType.F64);
        var e3 = Assert.Throws<DTypeMismatchException>(() => Run(ok, new Dictionary<string, Tensor> { ["x"] = d }));
        Assert.Contains("FusedElementwise node 'f'", e3.Message);
        Assert.Contains("input 0 ('x') is f64[2]", e3.Message);

        using var mismatch = OneNode("y0=add x0 x1", null, 1, ("x", [2]), ("z", [3]));
        using var z = Tensor.Ones(new Shape(3));
        var e4 = Assert.Throws<ShapeMismatchException>(() => Run(mismatch, new Dictionary<string, Tensor> { ["x"] = t, ["z"] = z }));
        Assert.Contains("FusedElementwise node 'f'", e4.Message);
        Assert.Contains("[2] and [3] do not broadcast", e4.Message);
    }

    private static StaticKernelRequest Request(Node n, params TensorMeta?[] inputs) =>
        new(n, 1, inputs, n.Outputs.Select(_ => new TensorMeta(DType.F32, new Shape(4, 300))).ToArray(), new Tensor?[inputs.Length]);

    [Fact]
    public void TheStaticKernelMatchesTheInterpreterAndMayWriteOverItsInput()
    {
        using var g = OneNode("t0=mul x0 x1; t1=sigmoid t0; y0=mul t1 x0", null, 1, ("x", [4, 300]), ("s", [300]));
        var node = g.Nodes[0];
        var kernel = StaticKernelRegistry.Default.TryCreate(Request(node, new TensorMeta(DType.F32, new Shape(4, 300)), new TensorMeta(DType.F32, new Shape(300))));
        Assert.NotNull(kernel);
        using var _k = kernel;
        Assert.Equal(0, kernel!.InPlaceInput);
        using var x = Tensor.RandN(new Shape(4, 300), new Generator(1));
        using var s = Tensor.RandN(new Shape(300), new Generator(2));
        var expected = Run(g, new Dictionary<string, Tensor> { ["x"] = x, ["s"] = s })["y0"];
        using var y = Tensor.Empty(new Shape(4, 300));
        kernel.Run([x, s], [y]);
        Assert.Equal(expected, y.ToArray<float>());
        kernel.Run([x, s], [x]); // in place, as the planner may arrange
        Assert.Equal(expected, x.ToArray<float>());
    }

    [Fact]
    public void TheStaticKernelDeclinesOtherTypesAndRejectsWrongOutputShapes()
    {
        using var g = OneNode("y0=add x0 x1", null, 1, ("x", [4, 300]), ("s", [300]));
        var node = g.Nodes[0];
        Assert.Null(StaticKernelRegistry.Default.TryCreate(Request(node, new TensorMeta(DType.F64, new Shape(4, 300)), new TensorMeta(DType.F64, new Shape(300)))));
        var bad = new StaticKernelRequest(node, 1, [new TensorMeta(DType.F32, new Shape(4, 300)), new TensorMeta(DType.F32, new Shape(300))],
            [new TensorMeta(DType.F32, new Shape(4, 3))], new Tensor?[2]);
        var ex = Assert.Throws<ShapeMismatchException>(() => StaticKernelRegistry.Default.TryCreate(bad));
        Assert.Contains("FusedElementwise node 'f'", ex.Message);
        Assert.Contains("broadcast to [4, 300]", ex.Message);
        // the same value passed twice: neither copy may be overwritten when the second is read after y0 is written
        using var g2 = NewGraph("twice");
        var v = Input(g2, "v", 8);
        var n2 = g2.AddNode("FusedElementwise", [v, v], ["y0", "y1"], "deepseek", "f2");
        n2.Attributes["program"] = AttributeValue.Of("y0=exp x0; y1=mul y0 x1");
        var meta = new TensorMeta(DType.F32, new Shape(8));
        using var k2 = StaticKernelRegistry.Default.TryCreate(new StaticKernelRequest(n2, 1, [meta, meta], [meta, meta], new Tensor?[2]));
        Assert.Equal(-1, k2!.InPlaceInput);
    }

    [Fact]
    public void TheFusedOpIsRegisteredForBothExecutors()
    {
        Assert.NotNull(OpRegistry.Default.Find("deepseek", "FusedElementwise", 1));
        Assert.True(StaticKernelRegistry.Default.Has("deepseek", "FusedElementwise"));
        using var g = OneNode("y0 = neg x0", null, 1, ("x", [1]));
        Assert.Equal("y0=neg x0", FusedElementwiseOps.ProgramOf(g.Nodes[0]).ToString());
    }
}
