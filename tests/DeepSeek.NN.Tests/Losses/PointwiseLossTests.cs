namespace DeepSeek.NN.Tests.Losses;

public class PointwiseLossTests
{
    private static double Reduce(double[] v, Reduction r, int batch = 1) => r switch
    {
        Reduction.Sum => v.Sum(),
        Reduction.Mean => v.Average(),
        Reduction.BatchMean => v.Sum() / batch,
        _ => double.NaN,
    };

    private static void AssertLoss(double[] per, Reduction r, Tensor loss, double tol = 1e-12, int batch = 1)
    {
        if (r == Reduction.None) TestSupport.AssertClose(per, loss.ToDoubleArray(), tol, tol);
        else Assert.Equal(Reduce(per, r, batch), loss.ItemAsDouble(), 9);
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void MseL1SmoothL1(Reduction r)
    {
        using var x = Tensor.RandN(new Shape(3, 5), new Generator(1), dtype: DType.F64);
        using var ybuf = Tensor.RandN(new Shape(5, 3), new Generator(2), dtype: DType.F64);
        using var y = ybuf.T; // non-contiguous target
        var xv = x.ToDoubleArray(); var yv = y.Contiguous().ToDoubleArray();
        var d = xv.Select((v, i) => v - yv[i]).ToArray();
        using (var mse = F.MSELoss(x, y, r)) AssertLoss(d.Select(v => v * v).ToArray(), r, mse);
        using (var l1 = F.L1Loss(x, y, r)) AssertLoss(d.Select(Math.Abs).ToArray(), r, l1);
        foreach (var beta in new[] { 1.0, 0.5, 0.0 })
        {
            var per = d.Select(v => beta > 0 && Math.Abs(v) < beta ? 0.5 * v * v / beta : Math.Abs(v) - 0.5 * beta).ToArray();
            using var s = F.SmoothL1Loss(x, y, r, beta);
            AssertLoss(per, r, s);
        }
    }

    [Fact]
    public void HandComputedSmallCases()
    {
        using var x = Tensor.FromArray(new[] { 1f, 2f, 3f }, 3);
        using var y = Tensor.FromArray(new[] { 1f, 0f, 3.5f }, 3);
        using (var mse = F.MSELoss(x, y)) Assert.Equal((0 + 4 + 0.25) / 3, mse.ItemAsDouble(), 6);
        using (var l1 = F.L1Loss(x, y, Reduction.Sum)) Assert.Equal(2.5, l1.ItemAsDouble(), 6);
        // smooth L1, beta 1: |d| = 0, 2, 0.5 → 0, 1.5, 0.125
        using (var s = F.SmoothL1Loss(x, y, Reduction.Sum)) Assert.Equal(1.625, s.ItemAsDouble(), 6);
        // BCE with logits at x = 0: ln 2 for either target
        using var z = Tensor.Zeros(new Shape(2));
        using var t = Tensor.FromArray(new[] { 0f, 1f }, 2);
        using (var b = F.BCEWithLogitsLoss(z, t)) Assert.Equal(Math.Log(2), b.ItemAsDouble(), 6);
    }

    [Theory]
    [InlineData(Reduction.Mean, false, false)]
    [InlineData(Reduction.Sum, true, false)]
    [InlineData(Reduction.None, true, true)]
    [InlineData(Reduction.Mean, false, true)]
    public void BceWithLogitsMatchesReference(Reduction r, bool posWeighted, bool weighted)
    {
        using var x = Tensor.RandN(new Shape(4, 3), new Generator(3), 0, 4, DType.F64);
        using var y = Tensor.Rand(new Shape(4, 3), new Generator(4), dtype: DType.F64);
        double[] pw = [0.5, 2, 3];
        double[] wv = [1, 0.25, 2, 0.5];
        using var pwt = Tensor.FromArray(pw, 3);
        using var wt = Tensor.FromArray(wv, 4, 1);
        using var loss = F.BCEWithLogitsLoss(x, y, weighted ? wt : null, posWeighted ? pwt : null, r);
        var xv = x.ToDoubleArray(); var yv = y.ToDoubleArray();
        var per = new double[12];
        for (int i = 0; i < 12; i++)
        {
            double p = 1 / (1 + Math.Exp(-xv[i]));
            double pwi = posWeighted ? pw[i % 3] : 1;
            per[i] = -(pwi * yv[i] * Math.Log(p) + (1 - yv[i]) * Math.Log(1 - p)) * (weighted ? wv[i / 3] : 1);
        }
        AssertLoss(per, r, loss, 1e-9);
    }

    [Fact]
    public void BceWithLogitsIsStableForLargeLogits()
    {
        using var x = Tensor.FromArray(new[] { 1000f, -1000f, 80f, -80f }, 4);
        using var y = Tensor.FromArray(new[] { 0f, 1f, 1f, 0f }, 4);
        using var loss = F.BCEWithLogitsLoss(x, y, reduction: Reduction.None);
        TestSupport.AssertClose([1000, 1000, Math.Exp(-80), Math.Exp(-80)], loss.ToDoubleArray(), 1e-6, 1e-30);
    }

    [Theory]
    [InlineData(Reduction.Mean, false)]
    [InlineData(Reduction.Sum, false)]
    [InlineData(Reduction.BatchMean, false)]
    [InlineData(Reduction.None, false)]
    [InlineData(Reduction.BatchMean, true)]
    public void KLDivMatchesReference(Reduction r, bool logTarget)
    {
        using var input = Tensor.RandN(new Shape(3, 4), new Generator(5), dtype: DType.F64).LogSoftmax(1);
        var yv = Tensor.RandN(new Shape(3, 4), new Generator(6), dtype: DType.F64).Softmax(1).ToDoubleArray();
        yv[5] = 0; // 0·log 0 = 0
        using var y = Tensor.FromArray(logTarget ? yv.Select(v => v > 0 ? Math.Log(v) : -1e300).ToArray() : yv, 3, 4);
        using var loss = F.KLDiv(input, y, r, logTarget);
        var xv = input.ToDoubleArray();
        var per = yv.Select((t, i) => t > 0 ? t * (Math.Log(t) - xv[i]) : 0).ToArray();
        AssertLoss(per, r, loss, 1e-12, batch: 3);
    }

    [Theory]
    [InlineData(DType.F32, 1e-5)]
    [InlineData(DType.F16, 2e-3)]
    [InlineData(DType.BF16, 2e-2)]
    public void ReducedPrecision(DType dtype, double tol)
    {
        using var x = Tensor.RandN(new Shape(16), new Generator(7), dtype: dtype);
        using var y = Tensor.RandN(new Shape(16), new Generator(8), dtype: dtype);
        var xv = x.ToDoubleArray(); var yv = y.ToDoubleArray();
        using var mse = F.MSELoss(x, y);
        Assert.Equal(dtype, mse.DType);
        double expected = xv.Select((v, i) => (v - yv[i]) * (v - yv[i])).Average();
        Assert.True(Math.Abs(mse.ItemAsDouble() - expected) <= tol * Math.Max(1, expected), $"{mse.ItemAsDouble()} vs {expected}");
        using var bce = F.BCEWithLogitsLoss(x, y.Sigmoid());
        Assert.True(double.IsFinite(bce.ItemAsDouble()));
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var x = GradCheck.Input(1, 3, 4);
        var y = GradCheck.Input(2, 3, 4);
        GradCheck.Check(a => F.MSELoss(a[0], a[1]), [x, y]);
        GradCheck.Check(a => F.L1Loss(a[0], a[1], Reduction.Sum), [x, y]);
        GradCheck.Check(a => F.SmoothL1Loss(a[0], a[1], Reduction.None, 0.7), [x, y]);
        using var pw = Tensor.FromArray(new[] { 0.5, 2, 3, 1 }, 4);
        var probs = GradCheck.Uniform(3, 0.05, 0.95, 3, 4);
        GradCheck.Check(a => F.BCEWithLogitsLoss(a[0], a[1], posWeight: pw), [x, probs]);
        var logq = GradCheck.Uniform(4, -3, -0.1, 3, 4);
        GradCheck.Check(a => F.KLDiv(a[0], a[1], Reduction.BatchMean), [logq, probs]);
        GradCheck.Check(a => F.KLDiv(a[0], a[1], Reduction.Sum, logTarget: true), [logq, GradCheck.Uniform(5, -3, -0.1, 3, 4)]);
    }

    [Fact]
    public void ModulesMatchFunctions()
    {
        using var x = Tensor.RandN(new Shape(2, 3), new Generator(9));
        using var y = Tensor.Rand(new Shape(2, 3), new Generator(10));
        using var mse = new MSELoss(Reduction.Sum);
        using var l1 = new L1Loss();
        using var sl1 = new SmoothL1Loss(beta: 0.3);
        using var bce = new BCEWithLogitsLoss(posWeight: Tensor.Full(new Shape(3), 2));
        using var kl = new KLDivLoss(Reduction.BatchMean);
        Assert.Equal(F.MSELoss(x, y, Reduction.Sum).ItemAsDouble(), mse.Forward(x, y).ItemAsDouble(), 6);
        Assert.Equal(F.L1Loss(x, y).ItemAsDouble(), l1.Forward(x, y).ItemAsDouble(), 6);
        Assert.Equal(F.SmoothL1Loss(x, y, beta: 0.3).ItemAsDouble(), sl1.Forward(x, y).ItemAsDouble(), 6);
        using var pw = Tensor.Full(new Shape(3), 2);
        Assert.Equal(F.BCEWithLogitsLoss(x, y, posWeight: pw).ItemAsDouble(), bce.Forward(x, y).ItemAsDouble(), 6);
        using var lx = x.LogSoftmax(1);
        Assert.Equal(F.KLDiv(lx, y, Reduction.BatchMean).ItemAsDouble(), kl.Forward(lx, y).ItemAsDouble(), 6);
        Assert.Equal(["pos_weight"], bce.StateDict().Keys);
    }

    [Fact]
    public void Errors()
    {
        using var x = Tensor.Zeros(new Shape(2, 3));
        using var y = Tensor.Zeros(new Shape(3, 2));
        var e = Assert.Throws<ShapeMismatchException>(() => F.MSELoss(x, y));
        Assert.Contains("MSELoss", e.Message);
        Assert.Contains("[3, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        using var yi = Tensor.Zeros(new Shape(2, 3), DType.I64);
        Assert.Contains("L1Loss", Assert.Throws<DTypeMismatchException>(() => F.L1Loss(x, yi)).Message);
        Assert.Throws<ArgumentException>(() => F.SmoothL1Loss(x, x, beta: -1));
        Assert.Throws<ArgumentException>(() => F.MSELoss(x, x, Reduction.BatchMean));
        using var pw = Tensor.Ones(new Shape(4));
        Assert.Contains("posWeight", Assert.Throws<ShapeMismatchException>(() => F.BCEWithLogitsLoss(x, x, posWeight: pw)).Message);
        var disposed = Tensor.Zeros(new Shape(2, 3));
        disposed.Dispose();
        Assert.Throws<TensorDisposedException>(() => F.KLDiv(disposed, x));
    }
}
