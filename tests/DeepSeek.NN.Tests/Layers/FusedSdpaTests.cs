namespace DeepSeek.NN.Tests.Layers;

/// <summary>F.ScaledDotProductAttention's inference calls run Core's fused kernel: same results as the composite path within 1e-5.</summary>
public class FusedSdpaTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.RandN(new Shape(shape), new Generator(seed));

    private static void AssertSame(Tensor composite, Tensor fused)
    {
        var e = composite.ToDoubleArray();
        var a = fused.ToDoubleArray();
        double scale = e.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(1).Max();
        Assert.Equal(composite.Shape, fused.Shape);
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i])) { Assert.True(double.IsNaN(a[i]), $"[{i}] NaN expected, got {a[i]}"); continue; }
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 * (scale + Math.Abs(e[i])), $"[{i}] composite {e[i]}, fused {a[i]}");
        }
    }

    [Fact]
    public void InferenceCallsMatchTheCompositePath()
    {
        using var scope = Tensor.NewScope();
        // BERT-like: heads as strided views of [B, S, H, D], an additive padding mask [B, 1, 1, S]
        var q = R(1, 2, 40, 4, 16).Transpose(1, 2);
        var k = R(2, 2, 40, 4, 16).Transpose(1, 2);
        var v = R(3, 2, 40, 4, 16).Transpose(1, 2);
        var pad = Tensor.Where(R(4, 2, 1, 1, 40).Gt(1.0), Tensor.Scalar(double.NegativeInfinity), 0.0);
        var boolMask = R(5, 40, 40).Gt(-1.0);
        foreach (var (mask, causal, scale) in new (Tensor?, bool, double?)[] { (pad, false, null), (null, true, 0.3), (boolMask, false, null), (null, false, null) })
        {
            var fused = F.ScaledDotProductAttention(q, k, v, mask, isCausal: causal, scale: scale);
            var composite = F.Attention("test", q, k, v, mask, 0, causal, scale, null).Output;
            AssertSame(composite, fused);
        }
    }

    [Fact]
    public void GradientAndDropoutCallsKeepTheCompositePath()
    {
        using var scope = Tensor.NewScope();
        var q = R(6, 1, 2, 5, 8).RequireGrad();
        var k = R(7, 1, 2, 5, 8);
        var v = R(8, 1, 2, 5, 8);
        var y = F.ScaledDotProductAttention(q, k, v, isCausal: true);
        Assert.NotNull(y.GradFn);
        y.Sum().Backward();
        Assert.Contains(q.Grad!.ToArray<float>(), g => g != 0);
        Tensor noGrad;
        using (Tensor.NoGrad()) noGrad = F.ScaledDotProductAttention(q, k, v, isCausal: true);
        Assert.Null(noGrad.GradFn);
        AssertSame(y, noGrad);
    }

    [Fact]
    public void MultiheadAttentionOutputMatchesTheFusedPath()
    {
        // MultiheadAttention (composite F.Attention inside) against the same projections through the fused F.SDPA
        using var scope = Tensor.NewScope();
        var x = R(9, 2, 12, 32);
        var mha = new MultiheadAttention(32, 4, batchFirst: true, generator: new Generator(10));
        mha.Eval();
        var (viaComposite, _) = mha.Forward(x, x, x, needWeights: false);
        int b = 2, s = 12, h = 4, d = 8;
        var w = mha.InProjWeight.Data;
        var bias = mha.InProjBias!.Data;
        Tensor Heads(int i) => Tensor.Linear(x, w.Narrow(0, i * 32, 32), bias.Narrow(0, i * 32, 32)).Reshape(b, s, h, d).Transpose(1, 2);
        var ctx = F.ScaledDotProductAttention(Heads(0), Heads(1), Heads(2));
        var viaFused = mha.OutProj.Forward(ctx.Transpose(1, 2).Reshape(b, s, 32));
        AssertSame(viaComposite, viaFused);
    }
}
