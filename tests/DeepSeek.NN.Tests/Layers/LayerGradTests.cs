namespace DeepSeek.NN.Tests.Layers;

/// <summary>Finite-difference checks (F64) of the gradients with respect to a layer's input and every parameter.</summary>
public class LayerGradTests
{
    /// <summary>Compares Backward() of Σ module(x)·w with central differences for x and every parameter.</summary>
    private static void CheckModule(Module<Tensor, Tensor> module, Tensor input, double eps = 1e-6, double tol = 1e-6)
    {
        using var scope = Tensor.NewScope();
        module.ZeroGrad();
        var x = input.Detach().Clone().RequireGrad();
        var y = module.Forward(x);
        var w = Tensor.RandN(y.Shape, new Generator(77), dtype: DType.F64);
        (y * w).Sum().Backward();
        var wv = w.ToDoubleArray();

        double Eval()
        {
            using var ng = Tensor.NoGrad();
            using var s = Tensor.NewScope();
            var o = module.Forward(x).ToDoubleArray();
            return o.Select((v, i) => v * wv[i]).Sum();
        }
        void CheckTensor(Tensor t, double[] analytic, string what)
        {
            var values = t.ToDoubleArray();
            var numeric = new double[values.Length];
            for (int j = 0; j < values.Length; j++)
            {
                double orig = values[j];
                double Perturbed(double d)
                {
                    values[j] = orig + d;
                    using (Tensor.NoGrad())
                    using (var src = Tensor.FromDoubles(values, t.Shape, t.DType)) t.CopyFrom(src);
                    return Eval();
                }
                numeric[j] = (Perturbed(eps) - Perturbed(-eps)) / (2 * eps);
                Perturbed(0);
                values[j] = orig;
            }
            for (int j = 0; j < numeric.Length; j++)
                Assert.True(Math.Abs(numeric[j] - analytic[j]) <= tol * (1 + Math.Abs(numeric[j])),
                    $"{module.TypeName} d/d{what}[{j}]: numeric {numeric[j]}, analytic {analytic[j]}");
        }
        CheckTensor(x, x.Grad!.ToDoubleArray(), "input");
        foreach (var (name, p) in module.NamedParameters())
        {
            Assert.True(p.Grad is not null, $"{module.TypeName}: parameter {name} received no gradient");
            CheckTensor(p.Data, p.Grad!.ToDoubleArray(), name);
        }
        module.ZeroGrad();
    }

    private static Tensor X(params int[] shape) => Tensor.RandN(new Shape(shape), new Generator(5), dtype: DType.F64);

    [Fact]
    public void Convolutions()
    {
        using var c2 = new Conv2d(4, 4, 3, stride: 2, padding: 1, groups: 2, generator: new Generator(1), dtype: DType.F64);
        CheckModule(c2, X(2, 4, 5, 5));
        using var c1 = new Conv1d(2, 3, 3, padding: 1, generator: new Generator(2), dtype: DType.F64);
        CheckModule(c1, X(2, 2, 6));
        using var ct = new ConvTranspose2d(2, 3, 3, stride: 2, padding: 1, outputPadding: 1, generator: new Generator(3), dtype: DType.F64);
        CheckModule(ct, X(1, 2, 3, 3));
    }

    [Fact]
    public void Normalizations()
    {
        using var bn = new BatchNorm2d(3, dtype: DType.F64, momentum: 0);
        using (Tensor.NoGrad()) { Init.Normal(bn.Weight!, 1, 0.5, new Generator(4)); Init.Normal(bn.Bias!, 0, 0.5, new Generator(5)); }
        CheckModule(bn, X(2, 3, 2, 2));
        using var ln = new LayerNorm(4, dtype: DType.F64);
        using (Tensor.NoGrad()) Init.Normal(ln.Weight!, 1, 0.5, new Generator(6));
        CheckModule(ln, X(3, 4));
        using var gn = new GroupNorm(2, 4, dtype: DType.F64);
        using (Tensor.NoGrad()) Init.Normal(gn.Weight!, 1, 0.5, new Generator(7));
        CheckModule(gn, X(2, 4, 3));
    }

    [Fact]
    public void PoolingAndActivations()
    {
        using var seq = new Sequential(new AvgPool2d(2, 1), new GELU(), new MaxPool2d(2, 1), new Flatten(), new Linear(8, 3, generator: new Generator(8), dtype: DType.F64), new Tanh());
        CheckModule(seq, X(1, 2, 4, 4));
    }

    private sealed class MhaSelf(MultiheadAttention m, Tensor? kpm) : Module<Tensor, Tensor>
    {
        private readonly MultiheadAttention _m = m;
        protected override Tensor OnForward(Tensor x) => _m.Forward(x, x, x, kpm, needWeights: false, isCausal: true).Output;
    }

    [Fact]
    public void AttentionAndTransformer()
    {
        using var mha = new MultiheadAttention(4, 2, generator: new Generator(9), dtype: DType.F64);
        using (Tensor.NoGrad()) Init.Normal(mha.InProjBias!, 0, 0.3, new Generator(10));
        using var kpm = Tensor.FromArray(new[] { false, false, true, false, false, false }, 2, 3);
        using (var wrapper = new MhaSelf(mha, kpm)) CheckModule(wrapper, X(3, 2, 4));
        using var layer = new TransformerEncoderLayer(4, 2, 6, dropout: 0, activation: TransformerActivation.Gelu, normFirst: true,
            generator: new Generator(11), dtype: DType.F64);
        CheckModule(layer, X(3, 2, 4));
        var q = GradCheck.Input(12, 2, 3, 4);
        var k = GradCheck.Input(13, 2, 5, 4);
        var v = GradCheck.Input(14, 2, 5, 3);
        using var mask = Tensor.FromArray(Enumerable.Range(0, 15).Select(i => i % 4 != 1).ToArray(), 3, 5);
        GradCheck.Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2], mask), [q, k, v]);
    }
}
