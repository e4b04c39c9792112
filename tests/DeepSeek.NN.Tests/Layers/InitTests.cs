namespace DeepSeek.NN.Tests.Layers;

public class InitTests
{
    private static (double Mean, double Std, double Min, double Max) Stats(Tensor t)
    {
        var v = t.ToDoubleArray();
        double mean = v.Average();
        double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
        return (mean, std, v.Min(), v.Max());
    }

    [Fact]
    public void GainsMatchTorch()
    {
        Assert.Equal(Math.Sqrt(2), Init.CalculateGain(Nonlinearity.Relu), 12);
        Assert.Equal(Math.Sqrt(2 / (1 + 0.2 * 0.2)), Init.CalculateGain(Nonlinearity.LeakyRelu, 0.2), 12);
        Assert.Equal(Math.Sqrt(2 / (1 + 0.01 * 0.01)), Init.CalculateGain(Nonlinearity.LeakyRelu), 12);
        Assert.Equal(5.0 / 3, Init.CalculateGain(Nonlinearity.Tanh), 12);
        Assert.Equal(1, Init.CalculateGain(Nonlinearity.Linear));
        Assert.Equal(1, Init.CalculateGain(Nonlinearity.Sigmoid));
        Assert.Equal(0.75, Init.CalculateGain(Nonlinearity.Selu));
    }

    [Fact]
    public void FansOfLinearAndConvWeights()
    {
        Assert.Equal((20L, 10L), Init.CalculateFans(new Shape(10, 20)));
        // grouped conv: weight [out=8, in/groups=2, 3, 3] → fan_in = 2·9, fan_out = 8·9
        Assert.Equal((18L, 72L), Init.CalculateFans(new Shape(8, 2, 3, 3)));
        Assert.Throws<ShapeMismatchException>(() => Init.CalculateFans(new Shape(5)));
    }

    [Fact]
    public void KaimingUniformBoundsAndStd()
    {
        using var w = Tensor.Empty(new Shape(256, 64, 3, 3));
        Init.KaimingUniform(w, nonlinearity: Nonlinearity.Relu, generator: new Generator(1));
        double bound = Math.Sqrt(2) * Math.Sqrt(3.0 / (64 * 9));
        var (mean, std, min, max) = Stats(w);
        Assert.InRange(min, -bound, -0.99 * bound);
        Assert.InRange(max, 0.99 * bound, bound);
        Assert.Equal(0, mean, 3);
        Assert.Equal(bound / Math.Sqrt(3), std, 3);
    }

    [Fact]
    public void KaimingNormalFanOut()
    {
        using var w = Tensor.Empty(new Shape(128, 512));
        Init.KaimingNormal(w, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: new Generator(2));
        var (mean, std, _, _) = Stats(w);
        Assert.Equal(0, mean, 2);
        Assert.InRange(std / Math.Sqrt(2.0 / 128), 0.98, 1.02);
    }

    [Fact]
    public void XavierUniformAndNormal()
    {
        using var a = Tensor.Empty(new Shape(300, 200), DType.F64);
        Init.XavierUniform(a, gain: 2, generator: new Generator(3));
        double b = 2 * Math.Sqrt(6.0 / 500);
        var s = Stats(a);
        Assert.True(s.Min >= -b && s.Max <= b && s.Max > 0.99 * b);
        Assert.InRange(s.Std / (b / Math.Sqrt(3)), 0.98, 1.02);
        using var n = Tensor.Empty(new Shape(300, 200));
        Init.XavierNormal(n, generator: new Generator(4));
        Assert.InRange(Stats(n).Std / Math.Sqrt(2.0 / 500), 0.98, 1.02);
    }

    [Fact]
    public void NormalUniformConstant()
    {
        using var t = Tensor.Empty(new Shape(100000));
        Init.Normal(t, 3, 0.5, new Generator(5));
        var s = Stats(t);
        Assert.Equal(3, s.Mean, 2);
        Assert.Equal(0.5, s.Std, 2);
        Init.Uniform(t, -2, 6, new Generator(6));
        s = Stats(t);
        Assert.True(s.Min >= -2 && s.Max < 6);
        Assert.Equal(2, s.Mean, 1);
        Init.Constant(t, 0.25);
        Assert.All(t.ToDoubleArray(), v => Assert.Equal(0.25, v));
        Init.Zeros(t);
        Assert.All(t.ToDoubleArray(), v => Assert.Equal(0, v));
        Init.Ones(t);
        Assert.All(t.ToDoubleArray(), v => Assert.Equal(1, v));
    }

    [Fact]
    public void ReproducibleBySeedAndWorksOnParametersAndViews()
    {
        using var a = new Parameter(Tensor.Empty(new Shape(8, 8)));
        using var b = new Parameter(Tensor.Empty(new Shape(8, 8)));
        Init.KaimingUniform(a, generator: new Generator(42));
        Init.KaimingUniform(b, generator: new Generator(42));
        Assert.Equal(a.Data.ToArray<float>(), b.Data.ToArray<float>());
        Assert.True(a.RequiresGrad); // in place on a leaf that requires grad, without a graph
        Assert.Null(a.Data.GradFn);
        Init.Normal(b, generator: new Generator(43));
        Assert.NotEqual(a.Data.ToArray<float>(), b.Data.ToArray<float>());

        // a strided view: only the selected column changes
        using var m = Tensor.Zeros(new Shape(4, 3));
        using var col = m.Select(1, 1);
        Init.Constant(col, 7);
        Assert.Equal(new double[] { 0, 7, 0, 0, 7, 0, 0, 7, 0, 0, 7, 0 }, m.ToDoubleArray());
    }

    [Fact]
    public void Errors()
    {
        using var i = Tensor.Zeros(new Shape(3, 3), DType.I64);
        Assert.Contains("i64", Assert.Throws<DTypeMismatchException>(() => Init.Normal(i)).Message);
        using var v = Tensor.Zeros(new Shape(3));
        Assert.Throws<ShapeMismatchException>(() => Init.XavierUniform(v));
        Assert.Throws<ArgumentException>(() => Init.Uniform(v, 2, 1));
        Assert.Throws<ArgumentException>(() => Init.Normal(v, 0, -1));
    }
}
