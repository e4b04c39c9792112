using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Compilation.Frontend;

using Shape = DeepSeek.Shape;

public sealed class CompiledGraphTests
{
    // y = Relu(x · W + b) with W, b initializers; W is also listed as a graph input (an ONNX IR ≥ 4 default)
    private static Graph Mlp()
    {
        var g = new Graph("mlp");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x", new TensorType(DType.F32, [Dim.Named("batch"), 4]));
        var w = g.AddConstant("W", Tensor.RandN(new Shape(4, 3), new Generator(1)));
        g.Inputs.Add(w);
        var b = g.AddConstant("b", Tensor.RandN(new Shape(3), new Generator(2)));
        var mm = g.AddNode("MatMul", [x, w], ["mm"]).Outputs[0];
        var add = g.AddNode("Add", [mm, b], ["add"]).Outputs[0];
        g.AddOutput(g.AddNode("Relu", [add], ["y"]).Outputs[0]);
        return g;
    }

    private static Tensor Reference(Graph g, Tensor x)
    {
        var outs = new Interpreter().Run(g, new Dictionary<string, RuntimeValue> { ["x"] = new TensorValue(x) });
        return outs["y"].AsTensor("y");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RunsLikeTheInterpreterWithAPlanPerSignature(bool plan)
    {
        using var g = Mlp();
        string before = g.ToString();
        using var c = Compiler.Compile(g, new CompileOptions { PlanMemory = plan });
        Assert.Equal(before, g.ToString()); // the caller's graph is untouched
        Assert.Equal(["x"], c.InputNames);  // the initializer listed as an input became a constant
        foreach (int batch in new[] { 2, 5, 2 })
        {
            using var x = Tensor.RandN(new Shape(batch, 4), new Generator((ulong)batch));
            using var want = Reference(g, x);
            var got = c.Run(x);
            var (e, a) = (want.ToArray<float>(), got[0].ToArray<float>());
            Assert.Equal(e.Length, a.Length);
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5f * (1 + Math.Abs(e[i])), $"[{i}] {a[i]} vs {e[i]}");
            got[0].Dispose();
        }
        Assert.Equal(plan ? 2 : 0, c.PlanCount);
        Assert.Equal(plan, c.MemoryReport is not null);
        Assert.Contains(c.Graph.Nodes, n => n.Domain == "deepseek" && n.OpType == "FusedGemm");
    }

    [Fact]
    public void WrongInputCountOrDisposedInputIsAClearError()
    {
        using var g = Mlp();
        using var c = Compiler.Compile(g);
        using var x = Tensor.RandN(new Shape(1, 4), new Generator(3));
        var e = Assert.Throws<ArgumentException>(() => c.Run(x, x));
        Assert.Contains("expects 1 inputs (x), got 2", e.Message, StringComparison.Ordinal);
        var d = Tensor.RandN(new Shape(1, 4), new Generator(4));
        d.Dispose();
        Assert.Throws<TensorDisposedException>(() => c.Run(d));
    }
}
