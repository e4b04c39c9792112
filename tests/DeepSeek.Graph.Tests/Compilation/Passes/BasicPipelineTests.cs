using DeepSeek.Graph.Compilation;
using static DeepSeek.Graph.Tests.Compilation.Passes.PassTest;

namespace DeepSeek.Graph.Tests.Compilation.Passes;

using Shape = DeepSeek.Shape;

/// <summary>The pass pipeline on a traced conv net: the BatchNorms and the output Identity go, the results stay.</summary>
public sealed class BasicPipelineTests
{
    [Fact]
    public void ATracedConvNetLosesItsBatchNormsAndIdentityAndComputesTheSame()
    {
        var gen = new Generator(31);
        using var w1 = Tensor.RandN(new Shape(8, 3, 3, 3), gen);
        using var m1 = Tensor.RandN(new Shape(8), gen);
        using var v1 = Tensor.Rand(new Shape(8), gen, 0.5, 1.5);
        using var g1 = Tensor.RandN(new Shape(8), gen);
        using var b1 = Tensor.RandN(new Shape(8), gen);
        using var w2 = Tensor.RandN(new Shape(8, 4, 3, 3), gen);
        using var m2 = Tensor.RandN(new Shape(8), gen);
        using var v2 = Tensor.Rand(new Shape(8), gen, 0.5, 1.5);
        using var wfc = Tensor.RandN(new Shape(4, 8), gen);
        Func<Tensor, Tensor> net = x =>
        {
            using var c1 = x.Conv2d(w1, null, padding: 1);
            using var n1 = c1.BatchNorm(m1, v1, g1, b1);
            using var r1 = n1.Relu();
            using var c2 = r1.Conv2d(w2, null, stride: 2, padding: 1, groups: 2);
            using var n2 = c2.BatchNorm(m2, v2);
            using var sum = n2 + 0.5;
            using var r2 = sum.Relu();
            using var gap = r2.AdaptiveAvgPool2d(1);
            using var fl = gap.Flatten(1);
            using var wt = wfc.T;
            return fl.MatMul(wt);
        };
        using var example = Tensor.RandN(new Shape(2, 3, 10, 10), gen);
        using var g = Tracer.Trace(net, example);
        using var compiled = g.Clone();
        var log = PassManager.Run(compiled, new CompileOptions());
        Assert.DoesNotContain(compiled.Nodes, n => n.OpType is "BatchNormalization" or "Identity");
        Assert.Contains(log, l => l.StartsWith("bn-fold:", StringComparison.Ordinal));
        Assert.Equal("output", compiled.Outputs[0].Name);
        using var x = Tensor.RandN(new Shape(2, 3, 10, 10), gen);
        SameOutputs(g, compiled, 1e-5, ("input", x));
    }
}
