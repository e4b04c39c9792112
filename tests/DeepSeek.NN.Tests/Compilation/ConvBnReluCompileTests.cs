using DeepSeek.Graph.Compilation;
using DeepSeek.NN.Compilation;

namespace DeepSeek.NN.Tests.Compilation;

/// <summary>The seeds' CBR example: Conv → BatchNorm → ReLU compiles to one fused node, and the dump shows it.</summary>
public sealed class ConvBnReluCompileTests
{
    [Fact]
    public void ConvBatchNormReluCompilesToOneFusedConv()
    {
        var gen = new Generator(5);
        using var block = new Sequential(new Conv2d(3, 8, 3, padding: 1, generator: gen), new BatchNorm2d(8), new ReLU());
        using (Tensor.NoGrad())
        foreach (var (name, b) in block.NamedBuffers())
        {
            using var r = name.EndsWith("running_var", StringComparison.Ordinal) ? Tensor.Rand(b.Shape, gen, 0.5, 1.5) : Tensor.RandN(b.Shape, gen, 0, 0.2);
            if (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("running_var", StringComparison.Ordinal)) b.CopyFrom(r);
        }
        block.Eval();
        using var compiled = block.Compile();
        using var x = Tensor.RandN(new Shape(2, 3, 10, 10), new Generator(6));
        using var eager = block.Forward(x);
        using var y = compiled.Forward(x);

        var e = eager.ToArray<float>();
        var a = y.ToArray<float>();
        double scale = e.Max(v => Math.Abs(v));
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 * scale, $"[{i}]: compiled {a[i]} vs eager {e[i]}");

        var graph = compiled.Function.LastGraph!;
        var compute = graph.Nodes.Where(n => n.OpType != "Identity").ToList();
        var fused = Assert.Single(compute);
        Assert.Equal(("deepseek", "FusedConv"), (fused.Domain, fused.OpType));
        Assert.Equal("Relu", fused.GetString("activation", ""));
        var dump = compiled.Dump();
        Assert.Contains("deepseek.FusedConv(", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("BatchNormalization", dump[dump.IndexOf("graph:", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutFusionPassesTheBlockStaysThreeOps()
    {
        var gen = new Generator(7);
        using var block = new Sequential(new Conv2d(3, 4, 3, generator: gen), new BatchNorm2d(4), new ReLU());
        block.Eval();
        using var compiled = block.Compile(CompileOptions.None);
        using var x = Tensor.RandN(new Shape(1, 3, 6, 6), new Generator(8));
        using var y = compiled.Forward(x);
        var ops = compiled.Function.LastGraph!.Nodes.Select(n => n.OpType).Where(o => o != "Identity").ToArray();
        Assert.Equal(["Conv", "BatchNormalization", "Relu"], ops);
    }
}
