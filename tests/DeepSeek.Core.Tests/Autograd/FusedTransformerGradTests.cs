namespace DeepSeek.Tests.Autograd;

/// <summary>
/// The fused transformer ops record their composite form under autograd: analytic gradients against finite differences,
/// whose evaluations (under NoGrad) run the fused kernels — so the two forms also agree on values.
/// </summary>
public sealed class FusedTransformerGradTests
{
    [Theory]
    [InlineData(false, false, 2)]
    [InlineData(true, false, 2)]
    [InlineData(false, true, 1)]
    public void ScaledDotProductAttentionGradients(bool causal, bool mask, int kvHeads)
    {
        var q = GradCheck.Input(1, 1, 2, 4, 3);
        var k = GradCheck.Input(2, 1, kvHeads, 5, 3);
        var v = GradCheck.Input(3, 1, kvHeads, 5, 2);
        var inputs = mask ? new[] { q, k, v, GradCheck.Input(4, 1, 1, 4, 5) } : [q, k, v];
        GradCheck.Check(xs => Tensor.ScaledDotProductAttention(xs[0], xs[1], xs[2], mask ? xs[3] : null, scale: 0.7, isCausal: causal), inputs);
    }

    [Fact]
    public void SkipLayerNormGradients()
    {
        var x = GradCheck.Input(5, 2, 3, 6);
        var r = GradCheck.Input(6, 2, 3, 6);
        var g = GradCheck.Input(7, 6);
        var b = GradCheck.Input(8, 6);
        GradCheck.Check(xs => xs[0].SkipLayerNorm(xs[1], xs[2], xs[3], 1e-5), [x, r, g, b]);
        GradCheck.Check(xs =>
        {
            var (y, s) = xs[0].SkipLayerNormWithSum(xs[1], xs[2], null, 1e-5);
            return y.Add(s.Mul(0.5));
        }, [x, r, g]);
    }
}
