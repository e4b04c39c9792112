namespace DeepSeek.NN.Tests.Optim;

using DeepSeek.NN.Optim;
using static OptimTestUtil;

/// <summary>SGD, Adam and AdamW against double-precision implementations of PyTorch's update formulas.</summary>
public sealed class OptimizerTests
{
    private const int Steps = 6;

    private static double[] RefSgd(double[] p0, IList<double[]> grads, double lr, double momentum, double dampening, double wd, bool nesterov)
    {
        var p = (double[])p0.Clone();
        double[]? buf = null;
        foreach (var g in grads)
        {
            var d = new double[p.Length];
            for (int i = 0; i < p.Length; i++) d[i] = g[i] + wd * p[i];
            if (momentum != 0)
            {
                if (buf is null) buf = (double[])d.Clone();
                else for (int i = 0; i < p.Length; i++) buf[i] = momentum * buf[i] + (1 - dampening) * d[i];
                for (int i = 0; i < p.Length; i++) d[i] = nesterov ? d[i] + momentum * buf[i] : buf[i];
            }
            for (int i = 0; i < p.Length; i++) p[i] -= lr * d[i];
        }
        return p;
    }

    private static double[] RefAdam(double[] p0, IList<double[]> grads, double lr, double b1, double b2, double eps, double wd, bool amsgrad, bool decoupled)
    {
        int n = p0.Length;
        var p = (double[])p0.Clone();
        double[] m = new double[n], v = new double[n], vmax = new double[n];
        int t = 0;
        foreach (var g0 in grads)
        {
            t++;
            var g = (double[])g0.Clone();
            for (int i = 0; i < n; i++)
            {
                if (decoupled) p[i] *= 1 - lr * wd;
                else g[i] += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                vmax[i] = Math.Max(vmax[i], v[i]);
                double denom = Math.Sqrt(amsgrad ? vmax[i] : v[i]) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps;
                p[i] -= lr / (1 - Math.Pow(b1, t)) * m[i] / denom;
            }
        }
        return p;
    }

    private static (double[] Start, List<double[]> Grads) Run(Parameter p, Optimizer opt, bool transposedGrad = false)
    {
        var start = p.Data.ToDoubleArray();
        var grads = new List<double[]>();
        for (int s = 0; s < Steps; s++)
        {
            grads.Add(SetGrad(p, 100 + (ulong)s, transposedGrad));
            opt.Step();
        }
        return (start, grads);
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0, false)]
    [InlineData(0.9, 0.0, 0.0, false)]
    [InlineData(0.9, 0.1, 1e-2, false)]
    [InlineData(0.8, 0.0, 5e-2, true)]
    public void SgdMatchesReference(double momentum, double dampening, double wd, bool nesterov)
    {
        foreach (var dtype in new[] { DType.F32, DType.F64 })
        {
            using var p = Param(1, dtype, 3, 5);
            using var opt = new SGD([p], lr: 0.05, momentum: momentum, dampening: dampening, weightDecay: wd, nesterov: nesterov);
            var (start, grads) = Run(p, opt, transposedGrad: true);
            var expected = RefSgd(start, grads, 0.05, momentum, dampening, wd, nesterov);
            double tol = dtype == DType.F64 ? 1e-12 : 2e-6;
            AssertClose(expected, p.Data, tol, tol);
        }
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(1e-2, false)]
    [InlineData(0.0, true)]
    [InlineData(0.1, true)]
    public void AdamMatchesReference(double wd, bool amsgrad)
    {
        foreach (var dtype in new[] { DType.F32, DType.F64 })
        {
            using var p = Param(2, dtype, 4, 6);
            using var opt = new Adam([p], lr: 0.01, betas: (0.8, 0.95), eps: 1e-6, weightDecay: wd, amsgrad: amsgrad);
            var (start, grads) = Run(p, opt);
            var expected = RefAdam(start, grads, 0.01, 0.8, 0.95, 1e-6, wd, amsgrad, decoupled: false);
            double tol = dtype == DType.F64 ? 1e-12 : 1e-5;
            AssertClose(expected, p.Data, tol, tol);
            Assert.Equal(Steps, opt.GetState(p)!.Step);
        }
    }

    [Theory]
    [InlineData(0.01, false)]
    [InlineData(0.3, true)]
    public void AdamWMatchesReference(double wd, bool amsgrad)
    {
        foreach (var dtype in new[] { DType.F32, DType.F64 })
        {
            using var p = Param(3, dtype, 7);
            using var opt = new AdamW([p], lr: 0.02, weightDecay: wd, amsgrad: amsgrad);
            var (start, grads) = Run(p, opt);
            var expected = RefAdam(start, grads, 0.02, 0.9, 0.999, 1e-8, wd, amsgrad, decoupled: true);
            double tol = dtype == DType.F64 ? 1e-12 : 1e-5;
            AssertClose(expected, p.Data, tol, tol);
        }
    }

    [Fact]
    public void AdamWDefaultsToWeightDecayOfOneHundredth()
    {
        using var p = Param(4, DType.F32, 2);
        using var opt = new AdamW([p]);
        Assert.Equal(0.01, opt.ParamGroups[0].WeightDecay);
        Assert.Equal(0.9, opt.ParamGroups[0]["beta1"]);
        Assert.Equal(0.999, opt.ParamGroups[0]["beta2"]);
    }

    [Fact]
    public void HalfPrecisionParametersAreUpdatedCloseToReference()
    {
        foreach (var dtype in new[] { DType.F16, DType.BF16 })
        {
            using var p = Param(5, dtype, 8);
            using var opt = new SGD([p], lr: 0.1, momentum: 0.9);
            var (start, grads) = Run(p, opt);
            var expected = RefSgd(start, grads, 0.1, 0.9, 0, 0, false);
            Assert.Equal(dtype, p.DType);
            AssertClose(expected, p.Data, dtype == DType.F16 ? 1e-2 : 5e-2, 2e-2);
        }
    }

    [Fact]
    public void ParameterGroupsUseTheirOwnOptionsAndSkipMissingGradients()
    {
        using var a = Param(6, DType.F64, 3);
        using var b = Param(7, DType.F64, 3);
        using var frozen = Param(8, DType.F64, 3);
        using var opt = new SGD([new ParamGroup([a], lr: 0.5), new ParamGroup([b, frozen], weightDecay: 0.1)], lr: 0.1, momentum: 0.5);
        Assert.Equal(0.5, opt.ParamGroups[0].Lr);
        Assert.Equal(0.0, opt.ParamGroups[0].WeightDecay);
        Assert.Equal(0.1, opt.ParamGroups[1].Lr);
        Assert.Equal(0.5, opt.ParamGroups[1]["momentum"]);
        var a0 = a.Data.ToDoubleArray();
        var b0 = b.Data.ToDoubleArray();
        var f0 = frozen.Data.ToDoubleArray();
        var ga = new List<double[]>();
        var gb = new List<double[]>();
        for (int s = 0; s < 3; s++)
        {
            ga.Add(SetGrad(a, 10 + (ulong)s));
            gb.Add(SetGrad(b, 20 + (ulong)s));
            opt.Step();
        }
        AssertClose(RefSgd(a0, ga, 0.5, 0.5, 0, 0, false), a.Data, 1e-12, 1e-12);
        AssertClose(RefSgd(b0, gb, 0.1, 0.5, 0, 0.1, false), b.Data, 1e-12, 1e-12);
        Assert.Equal(f0, frozen.Data.ToDoubleArray());
        Assert.Null(opt.GetState(frozen));

        opt.ZeroGrad();
        Assert.Null(a.Grad);
        Assert.Null(b.Grad);
    }

    [Fact]
    public void TrainsALinearModelWithRealGradients()
    {
        var gen = new Generator(9);
        using var model = new Sequential(new Linear(3, 8, generator: gen), new TanhLayer(), new Linear(8, 1, generator: gen));
        using var x = Tensor.RandN(new Shape(32, 3), gen);
        using var w = Tensor.FromArray(new float[] { 0.5f, -1f, 2f }, 3, 1);
        using var target = x.MatMul(w);
        using var opt = new Adam(model.Parameters(), lr: 0.02);
        double first = 0, last = 0;
        for (int s = 0; s < 60; s++)
        {
            using var scope = Tensor.NewScope();
            opt.ZeroGrad();
            var loss = (model.Forward(x) - target).Square().Mean();
            if (s == 0) first = loss.ItemAsDouble();
            last = loss.ItemAsDouble();
            loss.Backward();
            opt.Step();
        }
        Assert.True(last < first * 0.2, $"loss went from {first} to {last}");
    }

    [Fact]
    public void BadArgumentsThrowNamingTheOptimizer()
    {
        using var p = Param(11, DType.F32, 2);
        Assert.Contains("SGD", Assert.Throws<ArgumentException>(() => new SGD([p], lr: -1)).Message);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => new SGD([p], nesterov: true)).Message);
        Assert.Contains("beta1", Assert.Throws<ArgumentException>(() => new Adam([p], betas: (1.0, 0.9))).Message);
        Assert.Contains("eps", Assert.Throws<ArgumentException>(() => new AdamW([p], eps: -1)).Message);
        Assert.Contains("more than one", Assert.Throws<ArgumentException>(() => new SGD([p, p])).Message);
        Assert.Throws<ArgumentException>(() => new SGD(Array.Empty<ParamGroup>()));
        Assert.Contains("no option", Assert.Throws<KeyNotFoundException>(() => new SGD([p]).ParamGroups[0]["nope"]).Message);
        using var opt = new SGD([p]);
        p.Grad = Tensor.Zeros(3).DetachFromScope();
        var e = Assert.Throws<ShapeMismatchException>(() => opt.Step());
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[2]", e.Message);
    }
}
