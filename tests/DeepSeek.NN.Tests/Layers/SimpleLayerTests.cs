namespace DeepSeek.NN.Tests.Layers;

public class SimpleLayerTests
{
    [Fact]
    public void EmbeddingLooksUpRowsAndZeroesPadding()
    {
        using var emb = new Embedding(5, 3, paddingIdx: -1, generator: new Generator(1), dtype: DType.F64);
        Assert.Equal(4, emb.PaddingIdx);
        Assert.Equal(["weight"], emb.StateDict().Keys);
        var w = emb.Weight.Data.ToDoubleArray();
        Assert.Equal(new double[] { 0, 0, 0 }, w[12..15]);
        Assert.InRange(w[..12].Select(Math.Abs).Max(), 0.1, 6); // N(0, 1) values
        using var idx = Tensor.FromArray(new long[] { 2, 4, 0, 2 }, 2, 2);
        using var y = emb.Forward(idx);
        Assert.Equal(new Shape(2, 2, 3), y.Shape);
        var expected = new[] { 2, 4, 0, 2 }.SelectMany(r => w[(r * 3)..(r * 3 + 3)]).ToArray();
        Assert.Equal(expected, y.ToDoubleArray());
    }

    [Fact]
    public void EmbeddingPaddingRowGetsNoGradient()
    {
        using var emb = new Embedding(4, 2, paddingIdx: 1, generator: new Generator(2), dtype: DType.F64);
        using (Tensor.NoGrad()) Init.Constant(emb.Weight, 0.5); // even a non-zero padding row is returned as stored
        using var idx = Tensor.FromArray(new long[] { 1, 3, 1, 0, 3 }, 5);
        using var y = emb.Forward(idx);
        Assert.Equal(new double[] { 0.5, 0.5 }, y.Select(0, 0).ToDoubleArray());
        using var loss = (y * Tensor.Arange(1, 11, 1, DType.F64).Reshape(5, 2)).Sum();
        loss.Backward();
        // rows: 0 ← position 3 (7, 8); 1 ← padding (0); 2 ← none; 3 ← positions 1 and 4 (3+9, 4+10)
        Assert.Equal(new double[] { 7, 8, 0, 0, 0, 0, 12, 14 }, emb.Weight.Grad!.ToDoubleArray());
        using var frozen = Embedding.FromPretrained(Tensor.Eye(3), freeze: true);
        Assert.False(frozen.Weight.RequiresGrad);
        using var bad = Tensor.Zeros(new Shape(2));
        Assert.Contains("i64", Assert.Throws<DTypeMismatchException>(() => emb.Forward(bad)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(3, 2, paddingIdx: 3));
    }

    [Fact]
    public void DropoutTrainEvalAndSeeding()
    {
        using var x = Tensor.Ones(new Shape(200, 100));
        using var d = new Dropout(0.3, new Generator(3));
        using var y = d.Forward(x);
        var v = y.ToDoubleArray();
        double zeros = v.Count(a => a == 0) / (double)v.Length;
        Assert.InRange(zeros, 0.28, 0.32);
        Assert.All(v, a => Assert.True(a == 0 || Math.Abs(a - 1 / 0.7) < 1e-6));
        Assert.InRange(v.Average(), 0.97, 1.03); // expectation preserved

        using var d2 = new Dropout(0.3, new Generator(3));
        using var y2 = d2.Forward(x);
        Assert.Equal(v, y2.ToDoubleArray());

        d.Eval();
        using var ye = d.Forward(x);
        Assert.Equal(x.ToDoubleArray(), ye.ToDoubleArray());
        using var all = F.Dropout(x, 1.0);
        Assert.All(all.ToDoubleArray(), a => Assert.Equal(0, a));
        Assert.Throws<ArgumentException>(() => new Dropout(1.5));
    }

    [Fact]
    public void DropoutGradientIsTheMask()
    {
        using var x = Tensor.Ones(new Shape(50), DType.F64).RequireGrad();
        using var y = F.Dropout(x, 0.5, generator: new Generator(4));
        using var s = y.Sum();
        s.Backward();
        Assert.Equal(y.ToDoubleArray(), x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void PoolingModules()
    {
        using var x = Tensor.Arange(0, 32, 1, DType.F32).Reshape(1, 2, 4, 4);
        using var mp = new MaxPool2d(2);
        using var ymp = mp.Forward(x);
        Assert.Equal(new double[] { 5, 7, 13, 15, 21, 23, 29, 31 }, ymp.ToDoubleArray());
        using var ap = new AvgPool2d(2, stride: 2);
        using var yap = ap.Forward(x);
        Assert.Equal(new double[] { 2.5, 4.5, 10.5, 12.5, 18.5, 20.5, 26.5, 28.5 }, yap.ToDoubleArray());
        using var aap = new AdaptiveAvgPool2d(1);
        using var yaap = aap.Forward(x);
        Assert.Equal(new Shape(1, 2, 1, 1), yaap.Shape);
        Assert.Equal(new double[] { 7.5, 23.5 }, yaap.ToDoubleArray());
        using var mp3 = new MaxPool2d(3, stride: 1, padding: 1);
        using var y3 = mp3.Forward(x);
        Assert.Equal(new Shape(1, 2, 4, 4), y3.Shape);
        Assert.Equal(5, y3.ToDoubleArray()[0]);
        using var apPad = new AvgPool2d(3, 1, 1, countIncludePad: false);
        using var yPad = apPad.Forward(x);
        Assert.Equal((0 + 1 + 4 + 5) / 4.0, yPad.ToDoubleArray()[0], 6);
    }

    [Fact]
    public void ActivationsMatchFormulas()
    {
        double[] xs = [-3.5, -1, -0.25, 0, 0.4, 1.5, 4];
        using var x = Tensor.FromArray(xs, xs.Length);
        static double Erf(double z)
        {
            // Abramowitz–Stegun 7.1.26 is too coarse; integrate the series instead
            double sum = 0, term = z;
            for (int n = 0; n < 60; n++) { sum += term / (2 * n + 1); term *= -z * z / (n + 1); }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        var cases = new (Module<Tensor, Tensor> M, Func<double, double> F)[]
        {
            (new ReLU(), v => Math.Max(v, 0)),
            (new LeakyReLU(0.2), v => v >= 0 ? v : 0.2 * v),
            (new GELU(), v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2)))),
            (new GELU(GeluApproximation.Tanh), v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))),
            (new SiLU(), v => v / (1 + Math.Exp(-v))),
            (new Tanh(), Math.Tanh),
            (new Sigmoid(), v => 1 / (1 + Math.Exp(-v))),
            (new Hardswish(), v => v * Math.Clamp(v + 3, 0, 6) / 6),
            (new Hardsigmoid(), v => Math.Clamp(v + 3, 0, 6) / 6),
            (new Identity(), v => v),
        };
        foreach (var (m, f) in cases)
        {
            using (m)
            using (var y = m.Forward(x))
                TestSupport.AssertClose(xs.Select(f).ToArray(), y.ToDoubleArray(), 1e-10, 1e-10);
        }
        using var row = Tensor.FromArray(new[] { 1.0, 2.0, 3.0, 1.0, 1.0, 1.0 }, 2, 3);
        using var sm = new Softmax(1);
        using var lsm = new LogSoftmax(-1);
        using var ys = sm.Forward(row);
        using var yl = lsm.Forward(row);
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        TestSupport.AssertClose([Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z, 1 / 3.0, 1 / 3.0, 1 / 3.0], ys.ToDoubleArray(), 1e-12, 1e-12);
        TestSupport.AssertClose([1 - Math.Log(z), 2 - Math.Log(z), 3 - Math.Log(z), -Math.Log(3), -Math.Log(3), -Math.Log(3)], yl.ToDoubleArray(), 1e-12, 1e-12);
    }

    [Fact]
    public void FlattenAndModuleList()
    {
        using var x = Tensor.Zeros(new Shape(2, 3, 4, 5));
        using var f = new Flatten();
        using var y = f.Forward(x);
        Assert.Equal(new Shape(2, 60), y.Shape);
        using var f2 = new Flatten(0, 1);
        using var y2 = f2.Forward(x);
        Assert.Equal(new Shape(6, 4, 5), y2.Shape);

        using var list = new ModuleList(new Linear(2, 3), new ReLU(), new BatchNorm1d(3));
        Assert.Equal(3, list.Count);
        Assert.IsType<ReLU>(list[1]);
        Assert.IsType<BatchNorm1d>(list[-1]);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var", "2.num_batches_tracked"], list.StateDict().Keys);
        list.Eval();
        Assert.All(list, m => Assert.False(m.Training));
        Assert.Throws<ArgumentOutOfRangeException>(() => list[3]);
    }
}
