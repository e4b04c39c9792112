namespace DeepSeek.NN.Tests.Losses;

public class CrossEntropyTests
{
    private static Tensor Targets(long[] v, params int[] shape) => Tensor.FromArray(v, shape);

    [Fact]
    public void HandComputedTwoClasses()
    {
        // logits [0, ln 3] → p = [1/4, 3/4]; target 1 → −ln(3/4); target 0 → −ln(1/4)
        using var x = Tensor.FromArray(new[] { 0f, (float)Math.Log(3), 0f, (float)Math.Log(3) }, 2, 2);
        using var t = Targets([1, 0], 2);
        using var loss = F.CrossEntropy(x, t);
        Assert.Equal(0.5 * (-Math.Log(0.75) - Math.Log(0.25)), loss.ItemAsDouble(), 5);
        using var none = F.CrossEntropy(x, t, reduction: Reduction.None);
        TestSupport.AssertClose([-Math.Log(0.75), -Math.Log(0.25)], none.ToDoubleArray(), 1e-5, 1e-6);
    }

    public static TheoryData<Reduction, bool, bool, double, bool> Options()
    {
        var d = new TheoryData<Reduction, bool, bool, double, bool>();
        foreach (var r in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            foreach (var weighted in new[] { false, true })
                foreach (var ignore in new[] { false, true })
                    foreach (var eps in new[] { 0.0, 0.2 })
                        d.Add(r, weighted, ignore, eps, eps > 0 && ignore); // spatial layout for some
        return d;
    }

    [Theory]
    [MemberData(nameof(Options))]
    public void MatchesReference(Reduction reduction, bool weighted, bool ignore, double eps, bool spatial)
    {
        int n = 4, c = 5, d = spatial ? 3 : 1;
        var g = new Generator(7);
        using var x = spatial ? Tensor.RandN(new Shape(n, c, d), g, dtype: DType.F64) : Tensor.RandN(new Shape(n, c), g, dtype: DType.F64);
        var tv = new long[n * d];
        for (int i = 0; i < tv.Length; i++) tv[i] = (i * 3 + 1) % c;
        if (ignore) { tv[1] = -100; tv[tv.Length - 1] = -100; }
        using var t = spatial ? Targets(tv, n, d) : Targets(tv, n);
        double[]? wv = weighted ? [0.5, 2.0, 1.0, 0.25, 3.0] : null;
        using var w = wv is null ? null : Tensor.FromArray(wv, c);
        using var loss = F.CrossEntropy(x, t, w, reduction: reduction, labelSmoothing: eps);
        var (per, reduced) = LossReference.CrossEntropy(x.ToDoubleArray(), tv, n, c, d, wv, -100, reduction, eps);
        if (reduction == Reduction.None)
        {
            Assert.Equal(t.Shape, loss.Shape);
            TestSupport.AssertClose(per, loss.ToDoubleArray(), 1e-12, 1e-12);
        }
        else
        {
            Assert.Equal(0, loss.Rank);
            Assert.Equal(reduced, loss.ItemAsDouble(), 10);
        }
    }

    [Fact]
    public void CustomIgnoreIndexAndTransposedInput()
    {
        // logits as a transposed view [N, C] of a [C, N] buffer
        using var buf = Tensor.RandN(new Shape(3, 6), new Generator(3));
        using var x = buf.T;
        using var t = Targets([0, 2, 1, 2, 0, 1], 6);
        using var loss = F.CrossEntropy(x, t, ignoreIndex: 2);
        var xs = x.Contiguous().ToDoubleArray();
        var (_, expected) = LossReference.CrossEntropy(xs, [0, 2, 1, 2, 0, 1], 6, 3, 1, null, 2, Reduction.Mean, 0);
        Assert.Equal(expected, loss.ItemAsDouble(), 5);
    }

    [Fact]
    public void UnbatchedInput()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }, 3);
        using var t = Tensor.Scalar(2, DType.I64);
        using var loss = F.CrossEntropy(x, t, reduction: Reduction.None);
        Assert.Equal(0, loss.Rank);
        double lse = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        Assert.Equal(lse - 3, loss.ItemAsDouble(), 12);
    }

    [Fact]
    public void AllIgnoredMeanIsNaNLikeTorch()
    {
        using var x = Tensor.RandN(new Shape(2, 3), new Generator(1));
        using var t = Targets([-100, -100], 2);
        using var loss = F.CrossEntropy(x, t);
        Assert.True(double.IsNaN(loss.ItemAsDouble()));
        using var sum = F.CrossEntropy(x, t, reduction: Reduction.Sum);
        Assert.Equal(0, sum.ItemAsDouble());
    }

    [Fact]
    public void ProbabilityTargets()
    {
        using var x = Tensor.RandN(new Shape(3, 4), new Generator(5), dtype: DType.F64);
        using var y = Tensor.RandN(new Shape(3, 4), new Generator(6), dtype: DType.F64).Softmax(1);
        double[] wv = [1, 2, 0.5, 1.5];
        using var w = Tensor.FromArray(wv, 4);
        double eps = 0.1;
        using var loss = F.CrossEntropy(x, y, w, labelSmoothing: eps);
        var xv = x.ToDoubleArray(); var yv = y.ToDoubleArray();
        double total = 0;
        for (int i = 0; i < 3; i++)
        {
            double max = Enumerable.Range(0, 4).Max(k => xv[i * 4 + k]);
            double lse = max + Math.Log(Enumerable.Range(0, 4).Sum(k => Math.Exp(xv[i * 4 + k] - max)));
            for (int k = 0; k < 4; k++) total -= wv[k] * (yv[i * 4 + k] * (1 - eps) + eps / 4) * (xv[i * 4 + k] - lse);
        }
        Assert.Equal(total / 3, loss.ItemAsDouble(), 10);
    }

    [Theory]
    [InlineData(DType.F32, 1e-5)]
    [InlineData(DType.F16, 3e-3)]
    [InlineData(DType.BF16, 2e-2)]
    public void ReducedPrecisionDTypes(DType dtype, double tol)
    {
        using var x64 = Tensor.RandN(new Shape(5, 7), new Generator(11), dtype: DType.F64);
        using var x = x64.To(dtype);
        using var t = Targets([0, 6, 3, 2, 5], 5);
        using var loss = F.CrossEntropy(x, t, labelSmoothing: 0.1);
        Assert.Equal(dtype, loss.DType);
        var (_, expected) = LossReference.CrossEntropy(x.To(DType.F64).ToDoubleArray(), [0, 6, 3, 2, 5], 5, 7, 1, null, -100, Reduction.Mean, 0.1);
        Assert.Equal(expected, loss.ItemAsDouble(), tol * 10);
    }

    [Fact]
    public void NllLossMatchesReferenceAndModule()
    {
        using var logp = Tensor.RandN(new Shape(6, 4), new Generator(9), dtype: DType.F64).LogSoftmax(1);
        long[] tv = [3, 0, -1, 2, 1, 3];
        using var t = Targets(tv, 6);
        double[] wv = [1, 0.5, 2, 4];
        using var w = Tensor.FromArray(wv, 4);
        using var loss = F.NLLLoss(logp, t, w, ignoreIndex: -1);
        var (_, expected) = LossReference.CrossEntropy(logp.ToDoubleArray(), tv, 6, 4, 1, wv, -1, Reduction.Mean, 0, logSoftmax: false);
        Assert.Equal(expected, loss.ItemAsDouble(), 12);
        using var module = new NLLLoss(w, ignoreIndex: -1);
        using var viaModule = module.Forward(logp, t);
        Assert.Equal(expected, viaModule.ItemAsDouble(), 12);
        Assert.Equal(["weight"], module.StateDict().Keys);
    }

    [Fact]
    public void ModuleMatchesFunction()
    {
        using var x = Tensor.RandN(new Shape(4, 3), new Generator(2));
        using var t = Targets([0, 1, 2, 1], 4);
        using var ce = new CrossEntropyLoss(labelSmoothing: 0.05, reduction: Reduction.Sum);
        using var a = ce.Forward(x, t);
        using var b = F.CrossEntropy(x, t, reduction: Reduction.Sum, labelSmoothing: 0.05);
        Assert.Equal(b.ItemAsDouble(), a.ItemAsDouble(), 12);
        Assert.Empty(ce.StateDict());
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        using var w = Tensor.FromArray(new[] { 0.5, 2.0, 1.0, 1.5 }, 4);
        using var t = Targets([1, 3, -100, 0, 2, 3], 2, 3);
        GradCheck.Check(xs => F.CrossEntropy(xs[0], t, w, labelSmoothing: 0.1), [GradCheck.Input(1, 2, 4, 3)]);
        GradCheck.Check(xs => F.CrossEntropy(xs[0], t, reduction: Reduction.None), [GradCheck.Input(2, 2, 4, 3)]);
        using var t1 = Targets([2, 0, 1], 3);
        GradCheck.Check(xs => F.NLLLoss(xs[0], t1, reduction: Reduction.Sum), [GradCheck.Input(3, 3, 3)]);
        using var probs = Tensor.RandN(new Shape(3, 4), new Generator(4), dtype: DType.F64).Softmax(1);
        GradCheck.Check(xs => F.CrossEntropy(xs[0], probs), [GradCheck.Input(5, 3, 4)]);
    }

    [Fact]
    public void ErrorsNameTheLossShapesAndValues()
    {
        using var x = Tensor.RandN(new Shape(3, 4), new Generator(1));
        using var bad = Targets([0, 4, 1], 3);
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => F.CrossEntropy(x, bad));
        Assert.Contains("CrossEntropy", e1.Message);
        Assert.Contains("target value 4", e1.Message);
        Assert.Contains("[3, 4]", e1.Message);
        using var neg = Targets([0, -5, 1], 3);
        Assert.Contains("-5", Assert.Throws<ArgumentOutOfRangeException>(() => F.NLLLoss(x, neg)).Message);

        using var floatT = Tensor.Zeros(new Shape(3), DType.F32);
        var e2 = Assert.Throws<DTypeMismatchException>(() => F.NLLLoss(x, floatT));
        Assert.Contains("NLLLoss", e2.Message);
        Assert.Contains("f32", e2.Message);

        using var wrongShape = Targets([0, 1], 2);
        var e3 = Assert.Throws<ShapeMismatchException>(() => F.CrossEntropy(x, wrongShape));
        Assert.Contains("[2]", e3.Message);
        Assert.Contains("[3, 4]", e3.Message);

        using var w = Tensor.Ones(new Shape(3));
        using var t = Targets([0, 1, 2], 3);
        Assert.Contains("weight", Assert.Throws<ShapeMismatchException>(() => F.CrossEntropy(x, t, w)).Message);
        Assert.Throws<ArgumentException>(() => F.CrossEntropy(x, t, labelSmoothing: 1.5));
        Assert.Throws<ArgumentException>(() => F.CrossEntropy(x, t, reduction: Reduction.BatchMean));
        using var probs = Tensor.Zeros(new Shape(3, 5));
        Assert.Throws<ShapeMismatchException>(() => F.CrossEntropy(x, probs));
    }
}
