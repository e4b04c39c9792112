using DeepSeek.Backends;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests;

public sealed class InterpreterTests
{
    private static Graph LinearRelu()
    {
        var g = new Graph("linear_relu");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x", new TensorType(DType.F32, [Dim.Named("batch"), 3]));
        var w = g.AddConstant("w", Tensor.FromArray(new float[] { 1, 0, -1, 2, 1, 0 }, 3, 2));
        var b = g.AddConstant("b", Tensor.FromArray(new float[] { 0.5f, -4 }));
        var mm = g.AddNode("MatMul", [x, w], ["mm"]);
        var add = g.AddNode("Add", [mm.Outputs[0], b], ["pre"]);
        var relu = g.AddNode("Relu", [add.Outputs[0]], ["y"], name: "act");
        g.AddOutput(relu.Outputs[0]);
        return g;
    }

    [Fact]
    public void RunsAGraphWithConstantsAndFreesIntermediates()
    {
        using var g = LinearRelu();
        g.Validate();
        var interp = new Interpreter();
        interp.Check(g);
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 0, 1, 0 }, 2, 3);
        var outs = interp.Run(g, new Dictionary<string, RuntimeValue> { ["x"] = x.Detach() });
        using var y = outs["y"];
        // x·w = [[1+4-3... ]] computed by hand: row0 = [1·1+2·(-1)+3·1, 1·0+2·2+3·0] = [2, 4]; row1 = [-1, 2]
        Assert.Equal(new float[] { 2.5f, 0, 0, 0 }, y.AsTensor("y").ToArray<float>());
        Assert.False(x.IsDisposed);
    }

    [Fact]
    public void DumpShowsNodesTypesAndNames()
    {
        using var g = LinearRelu();
        var text = g.ToString();
        Assert.Contains("graph linear_relu(%x: f32[batch, 3])", text);
        Assert.Contains("%y = Relu(%pre)", text);
        Assert.Contains("const %w: f32[3, 2]", text);
    }

    [Fact]
    public void UnknownOpsFailAtCheckTimeWithDomainAndOpset()
    {
        using var g = new Graph("bad");
        g.OpsetImports[""] = 18;
        var x = g.AddInput("x");
        var n = g.AddNode("FancyOp", [x], ["y"], domain: "com.example");
        g.AddOutput(n.Outputs[0]);
        var ex = Assert.Throws<UnsupportedOperatorException>(() => new Interpreter().Check(g));
        Assert.Contains("com.example::FancyOp", ex.Message);
    }

    [Fact]
    public void OpsetSelectsTheNewestSinceVersionNotAboveTheModel()
    {
        var r = new OpRegistry();
        r.Register("Foo", 1, _ => [new TensorValue(Tensor.Scalar(1))]);
        r.Register("Foo", 13, _ => [new TensorValue(Tensor.Scalar(13))]);
        Assert.Null(r.Find("", "Foo", 0));
        Assert.NotNull(r.Find("ai.onnx", "Foo", 12));
        Assert.NotSame(r.Find("", "Foo", 12), r.Find("", "Foo", 13));
        Assert.Same(r.Find("", "Foo", 13), r.Find("", "Foo", 20));
    }

    [Fact]
    public void TopologicalOrderIsValidated()
    {
        using var g = new Graph("order");
        var x = g.AddInput("x");
        var later = g.AddNode("Relu", [x], ["a"]);
        var first = g.AddNode("Relu", [later.Outputs[0]], ["b"]);
        g.Nodes.Reverse();
        g.AddOutput(first.Outputs[0]);
        var ex = Assert.Throws<ModelFormatException>(() => g.Validate());
        Assert.Contains("%a", ex.Message);
    }

    [Fact]
    public void MissingAndUnknownInputsAreReported()
    {
        using var g = LinearRelu();
        var interp = new Interpreter();
        Assert.Throws<ArgumentException>(() => interp.Run(g, new Dictionary<string, RuntimeValue>()));
        using var x = Tensor.Zeros(1, 3);
        var ex = Assert.Throws<ArgumentException>(() => interp.Run(g, new Dictionary<string, RuntimeValue> { ["x"] = x.Detach(), ["z"] = x.Detach() }));
        Assert.Contains("'z'", ex.Message);
    }

    [Fact]
    public void KernelErrorsNameTheNode()
    {
        using var g = LinearRelu();
        using var x = Tensor.Zeros(2, 4);
        var ex = Assert.Throws<ShapeMismatchException>(() => new Interpreter().Run(g, new Dictionary<string, RuntimeValue> { ["x"] = x.Detach() }));
        Assert.Contains("MatMul", ex.Message);
    }

}

[Collection("Pool")]
public sealed class InterpreterMemoryTests
{
    private static Graph LinearRelu()
    {
        var g = new Graph("linear_relu");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x", new TensorType(DType.F32, [Dim.Named("batch"), 3]));
        var w = g.AddConstant("w", Tensor.FromArray(new float[] { 1, 0, -1, 2, 1, 0 }, 3, 2));
        var mm = g.AddNode("MatMul", [x, w], ["mm"]);
        var relu = g.AddNode("Relu", [mm.Outputs[0]], ["y"]);
        g.AddOutput(relu.Outputs[0]);
        return g;
    }

    [Fact]
    public void NoPoolBytesLeakAcrossRuns()
    {
        using var g = LinearRelu();
        var interp = new Interpreter();
        using var x = Tensor.RandN(new Shape(4, 3), new Generator(1));
        interp.Run(g, new Dictionary<string, RuntimeValue> { ["x"] = x.Detach() })["y"].Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse;
        for (int i = 0; i < 50; i++)
            interp.Run(g, new Dictionary<string, RuntimeValue> { ["x"] = x.Detach() })["y"].Dispose();
        Assert.Equal(before, BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse);
    }
}
