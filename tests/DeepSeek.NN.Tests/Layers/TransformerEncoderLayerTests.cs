namespace DeepSeek.NN.Tests.Layers;

public class TransformerEncoderLayerTests
{
    [Fact]
    public void StateDictKeysMatchTorch()
    {
        using var layer = new TransformerEncoderLayer(8, 2, 16, generator: new Generator(1));
        Assert.Equal([
            "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
            "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"], layer.StateDict().Keys);
        Assert.Equal(["self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"],
            layer.NamedChildren().Select(c => c.Name));
        Assert.Equal(new Shape(16, 8), layer.Linear1.Weight.Shape);
    }

    private static double[] LayerNormRows(double[] x, LayerNorm ln)
    {
        var w = ln.Weight!.Data.ToDoubleArray(); var b = ln.Bias!.Data.ToDoubleArray();
        int e = w.Length;
        return Naive.NormalizeBlocks(x, e, ln.Eps).Select((v, i) => v * w[i % e] + b[i % e]).ToArray();
    }

    private static double[] Add(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();

    [Theory]
    [InlineData(false, TransformerActivation.Relu)]
    [InlineData(true, TransformerActivation.Gelu)]
    public void EvalForwardMatchesNaive(bool normFirst, TransformerActivation act)
    {
        int l = 3, n = 2, e = 6, ff = 8;
        using var layer = new TransformerEncoderLayer(e, 2, ff, dropout: 0.3, activation: act, normFirst: normFirst,
            generator: new Generator(2), dtype: DType.F64);
        using (Tensor.NoGrad())
            foreach (var (name, p) in layer.NamedParameters().Where(p => p.Name.Contains("norm") || p.Name.EndsWith("in_proj_bias")))
                Init.Normal(p, name.EndsWith("weight") ? 1 : 0, 0.3, new Generator((ulong)name.Length));
        layer.Eval();
        using var x = Tensor.RandN(new Shape(l, n, e), new Generator(3), dtype: DType.F64);
        using var kpm = Tensor.FromArray(new[] { false, false, true, false, false, false }, n, l);
        using var y = layer.Forward(x, null, kpm);
        Assert.Equal(x.Shape, y.Shape);

        var kpmv = kpm.ToArray<bool>();
        double[] Sa(double[] h) => AttentionTests.NaiveMha(layer.SelfAttn, h, h, h, l, l, n,
            (b, i, j) => kpmv[b * l + j] ? double.NegativeInfinity : 0).Out;
        double Gelu(double v)
        {
            double sum = 0, term = v / Math.Sqrt(2), z2 = v * v / 2;
            for (int k = 0; k < 60; k++) { sum += term / (2 * k + 1); term *= -z2 / (k + 1); }
            return 0.5 * v * (1 + 2 / Math.Sqrt(Math.PI) * sum);
        }
        double[] Ff(double[] h)
        {
            var a = Naive.Linear(h, l * n, e, layer.Linear1.Weight.Data.ToDoubleArray(), ff, layer.Linear1.Bias!.Data.ToDoubleArray());
            a = a.Select(v => act == TransformerActivation.Relu ? Math.Max(v, 0) : Gelu(v)).ToArray();
            return Naive.Linear(a, l * n, ff, layer.Linear2.Weight.Data.ToDoubleArray(), e, layer.Linear2.Bias!.Data.ToDoubleArray());
        }
        var xv = x.ToDoubleArray();
        double[] expected;
        if (normFirst)
        {
            var h = Add(xv, Sa(LayerNormRows(xv, layer.Norm1)));
            expected = Add(h, Ff(LayerNormRows(h, layer.Norm2)));
        }
        else
        {
            var h = LayerNormRows(Add(xv, Sa(xv)), layer.Norm1);
            expected = LayerNormRows(Add(h, Ff(h)), layer.Norm2);
        }
        TestSupport.AssertClose(expected, y.ToDoubleArray(), 1e-9, 1e-10);
    }

    [Fact]
    public void TrainingAppliesDropoutAndBatchFirstAgrees()
    {
        using var layer = new TransformerEncoderLayer(4, 2, 8, dropout: 0.5, batchFirst: true, generator: new Generator(4));
        using var x = Tensor.RandN(new Shape(2, 5, 4), new Generator(5));
        using var train1 = layer.Forward(x);
        using var train2 = layer.Forward(x);
        Assert.NotEqual(train1.ToDoubleArray(), train2.ToDoubleArray()); // fresh masks each call
        layer.Eval();
        using var eval1 = layer.Forward(x);
        using var eval2 = layer.Forward(x);
        Assert.Equal(eval1.ToDoubleArray(), eval2.ToDoubleArray());

        using var seqFirst = new TransformerEncoderLayer(4, 2, 8, dropout: 0.5, generator: new Generator(6));
        using (var sd = new DisposableDict(layer.StateDict())) seqFirst.LoadStateDict(sd.Dict);
        seqFirst.Eval();
        using var xt = x.Transpose(0, 1);
        using var ys = seqFirst.Forward(xt);
        using var yst = ys.Transpose(0, 1);
        TestSupport.AssertClose(eval1.ToDoubleArray(), yst.Contiguous().ToDoubleArray(), 1e-5, 1e-6);
    }

    private sealed class DisposableDict(Dictionary<string, Tensor> dict) : IDisposable
    {
        public Dictionary<string, Tensor> Dict { get; } = dict;
        public void Dispose() { foreach (var t in Dict.Values) t.Dispose(); }
    }
}
