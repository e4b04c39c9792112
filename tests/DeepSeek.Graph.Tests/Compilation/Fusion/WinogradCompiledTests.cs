using DeepSeek.Backends;
using static DeepSeek.Graph.Tests.Execution.Static.PlanTestUtil;

namespace DeepSeek.Graph.Tests.Compilation.Fusion;

using Shape = DeepSeek.Shape;

/// <summary>
/// A ResNet basic block (conv3×3 + bias + Relu, conv3×3 + bias + identity + Relu) compiled: its 3×3 stride-1 convs
/// become FusedConv static kernels whose weights PackedWeights.ForConv(weight, params, H, W, batch) transforms for
/// Winograd F(4×4, 3×3) at these sizes, and the compiled output equals the eager ops'.
/// </summary>
public sealed class WinogradCompiledTests
{
    [Theory]
    [InlineData(2, 32, 20, 20)]
    [InlineData(1, 24, 30, 26)]
    public void CompiledBasicBlockMatchesEager(int n, int c, int h, int w)
    {
        using var scope = Tensor.NewScope();
        var g = new Generator(17);
        var w1 = Tensor.RandN(new Shape(c, c, 3, 3), g).Mul(Math.Sqrt(2.0 / (9 * c)));
        var b1 = Tensor.RandN(new Shape(c), g);
        var w2 = Tensor.RandN(new Shape(c, c, 3, 3), g).Mul(Math.Sqrt(2.0 / (9 * c)));
        var b2 = Tensor.RandN(new Shape(c), g);
        var x = Tensor.RandN(new Shape(n, c, h, w), g);
        var pad1 = new Conv2dParams(1, 1, 1, 1, 1, 1, 1, 1, 1);
        // the premise: at this size the packing factory picks Winograd (so the compiled plan runs it)
        using (var probe = PackedWeights.ForConv(w1, pad1, h, w, n))
            Assert.Contains("winograd", probe.ToString());
        using var graph = Tracer.Trace(t =>
        {
            using var a = t.Conv2d(w1, b1, padding: 1);
            using var r = a.Relu();
            using var d = r.Conv2d(w2, b2, padding: 1);
            using var s = d.Add(t);
            return s.Relu();
        }, x);
        using var compiled = DeepSeek.Graph.Compilation.Compiler.Compile(graph);
        Assert.Equal(2, compiled.Graph.Nodes.Count(node => node.OpType == "FusedConv"));
        var want = x.Conv2d(w1, b1, padding: 1).Relu().Conv2d(w2, b2, padding: 1).Add(x).Relu();
        // F(4×4, 3×3) in fp32 is accurate to ~1e-5 of the output's scale (the transforms' coefficients up to 8 amplify
        // rounding), not of each element: the bound is 2e-5·max|y| (a wrong transform is off by O(max|y|))
        double scale = want.ToDoubleArray().Max(Math.Abs);
        for (int run = 0; run < 2; run++)
        {
            var got = compiled.Run(x);
            AssertSame(want, got[0], 0, 2e-5 * scale, $"run {run}");
            DisposeAll(got);
        }
    }
}
