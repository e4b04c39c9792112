namespace DeepSeek.NN.Tests.Layers;

public class NormLayerTests
{
    /// <summary>Per-channel (mean, biased var, unbiased var) of x [n, c, l].</summary>
    private static (double[] Mean, double[] Var, double[] Unbiased) ChannelStats(double[] x, int n, int c, int l)
    {
        var mean = new double[c]; var var = new double[c]; var unb = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < l; j++) s += x[(i * c + ch) * l + j];
            mean[ch] = s / (n * l);
            double q = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < l; j++) q += Math.Pow(x[(i * c + ch) * l + j] - mean[ch], 2);
            var[ch] = q / (n * l);
            unb[ch] = q / (n * l - 1);
        }
        return (mean, var, unb);
    }

    [Fact]
    public void BatchNorm2dTrainEvalAndRunningStats()
    {
        using var bn = new BatchNorm2d(3, dtype: DType.F64);
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], bn.StateDict().Keys);
        Assert.Equal(new double[] { 1, 1, 1 }, bn.Weight!.Data.ToDoubleArray());
        Assert.Equal(new double[] { 0, 0, 0 }, bn.Bias!.Data.ToDoubleArray());
        Assert.Equal(DType.I64, bn.NumBatchesTracked!.DType);
        using (Tensor.NoGrad())
        {
            Init.Normal(bn.Weight, 1, 0.3, new Generator(1));
            Init.Normal(bn.Bias, 0, 0.3, new Generator(2));
        }
        var wv = bn.Weight.Data.ToDoubleArray(); var bv = bn.Bias.Data.ToDoubleArray();
        using var x = Tensor.RandN(new Shape(4, 3, 2, 5), new Generator(3), 2, 3, DType.F64);
        var xv = x.ToDoubleArray();
        var (mean, var, unb) = ChannelStats(xv, 4, 3, 10);

        using var y = bn.Forward(x);
        var expected = xv.Select((v, i) => { int ch = i / 10 % 3; return (v - mean[ch]) / Math.Sqrt(var[ch] + 1e-5) * wv[ch] + bv[ch]; }).ToArray();
        TestSupport.AssertClose(expected, y.ToDoubleArray(), 1e-9, 1e-9);
        TestSupport.AssertClose(mean.Select(m => 0.1 * m).ToArray(), bn.RunningMean!.ToDoubleArray(), 1e-9, 1e-12);
        TestSupport.AssertClose(unb.Select(u => 0.9 + 0.1 * u).ToArray(), bn.RunningVar!.ToDoubleArray(), 1e-9, 1e-12);
        Assert.Equal(1L, bn.NumBatchesTracked.Item<long>());

        bn.Eval();
        using var ye = bn.Forward(x);
        var rm = bn.RunningMean.ToDoubleArray(); var rv = bn.RunningVar.ToDoubleArray();
        var expectedEval = xv.Select((v, i) => { int ch = i / 10 % 3; return (v - rm[ch]) / Math.Sqrt(rv[ch] + 1e-5) * wv[ch] + bv[ch]; }).ToArray();
        TestSupport.AssertClose(expectedEval, ye.ToDoubleArray(), 1e-9, 1e-9);
        Assert.Equal(1L, bn.NumBatchesTracked.Item<long>()); // eval does not count batches
        TestSupport.AssertClose(rm, bn.RunningMean.ToDoubleArray(), 0, 0);
    }

    [Fact]
    public void BatchNormCumulativeAverageWithNullMomentum()
    {
        using var bn = new BatchNorm1d(2, momentum: null, dtype: DType.F64);
        using var a = Tensor.RandN(new Shape(6, 2), new Generator(4), dtype: DType.F64);
        using var b = Tensor.RandN(new Shape(6, 2), new Generator(5), 1, 2, DType.F64);
        bn.Forward(a).Dispose();
        bn.Forward(b).Dispose();
        var ma = ChannelStats(a.ToDoubleArray(), 6, 2, 1); var mb = ChannelStats(b.ToDoubleArray(), 6, 2, 1);
        // momentum 1/1 then 1/2: the running mean is the plain average of the two batch means
        TestSupport.AssertClose(ma.Mean.Select((m, i) => (m + mb.Mean[i]) / 2).ToArray(), bn.RunningMean!.ToDoubleArray(), 1e-9, 1e-12);
        TestSupport.AssertClose(ma.Unbiased.Select((u, i) => (u + mb.Unbiased[i]) / 2).ToArray(), bn.RunningVar!.ToDoubleArray(), 1e-9, 1e-12);
        Assert.Equal(2L, bn.NumBatchesTracked!.Item<long>());
    }

    [Fact]
    public void BatchNormWithoutRunningStatsOrAffine()
    {
        using var bn = new BatchNorm1d(3, affine: false, trackRunningStats: false);
        Assert.Empty(bn.StateDict());
        Assert.Empty(bn.Parameters());
        bn.Eval(); // still uses batch statistics
        using var x = Tensor.RandN(new Shape(4, 3, 5), new Generator(6), dtype: DType.F32);
        using var y = bn.Forward(x);
        var (mean, var, _) = ChannelStats(x.ToDoubleArray(), 4, 3, 5);
        var expected = x.ToDoubleArray().Select((v, i) => { int ch = i / 5 % 3; return (v - mean[ch]) / Math.Sqrt(var[ch] + 1e-5); }).ToArray();
        TestSupport.AssertClose(expected, y.ToDoubleArray(), 1e-4, 1e-5);
    }

    [Fact]
    public void BatchNormErrors()
    {
        using var bn = new BatchNorm2d(3);
        using var x = Tensor.Zeros(new Shape(2, 4, 3, 3));
        var e = Assert.Throws<ShapeMismatchException>(() => bn.Forward(x));
        Assert.Contains("BatchNorm2d", e.Message);
        Assert.Contains("[2, 4, 3, 3]", e.Message);
        using var bn1 = new BatchNorm1d(3);
        using var x4 = Tensor.Zeros(new Shape(2, 3, 3, 3));
        Assert.Throws<ShapeMismatchException>(() => bn1.Forward(x4));
        Assert.Throws<ArgumentException>(() => new BatchNorm1d(0));
        Assert.Throws<ArgumentException>(() => new BatchNorm1d(2, momentum: 2));
    }

    [Fact]
    public void LayerNormMatchesNaive()
    {
        using var ln = new LayerNorm([2, 3], eps: 1e-3, dtype: DType.F64);
        Assert.Equal(["weight", "bias"], ln.StateDict().Keys);
        Assert.Equal(new Shape(2, 3), ln.Weight!.Shape);
        using (Tensor.NoGrad())
        {
            Init.Normal(ln.Weight, 1, 0.5, new Generator(7));
            Init.Normal(ln.Bias!, 0, 0.5, new Generator(8));
        }
        using var xbuf = Tensor.RandN(new Shape(3, 2, 4), new Generator(9), dtype: DType.F64);
        using var x = xbuf.Slice(2, 0, 4, 1).Slice(2, 0, 3); // [3, 2, 3] view with strides
        using var y = ln.Forward(x);
        var norm = Naive.NormalizeBlocks(x.Contiguous().ToDoubleArray(), 6, 1e-3);
        var w = ln.Weight.Data.ToDoubleArray(); var b = ln.Bias!.Data.ToDoubleArray();
        TestSupport.AssertClose(norm.Select((v, i) => v * w[i % 6] + b[i % 6]).ToArray(), y.ToDoubleArray(), 1e-10, 1e-10);
        using var plain = new LayerNorm(4, elementwiseAffine: false);
        Assert.Empty(plain.StateDict());
        using var noBias = new LayerNorm(4, bias: false);
        Assert.Equal(["weight"], noBias.StateDict().Keys);
    }

    [Fact]
    public void GroupNormMatchesNaive()
    {
        using var gn = new GroupNorm(2, 4, dtype: DType.F64);
        Assert.Equal(["weight", "bias"], gn.StateDict().Keys);
        using (Tensor.NoGrad()) Init.Normal(gn.Weight!, 1, 0.5, new Generator(10));
        using var x = Tensor.RandN(new Shape(3, 4, 5), new Generator(11), dtype: DType.F64);
        using var y = gn.Forward(x);
        var norm = Naive.NormalizeBlocks(x.ToDoubleArray(), 10, 1e-5); // each group: 2 channels × 5
        var w = gn.Weight!.Data.ToDoubleArray();
        TestSupport.AssertClose(norm.Select((v, i) => v * w[i / 5 % 4]).ToArray(), y.ToDoubleArray(), 1e-10, 1e-10);
        Assert.Throws<ArgumentException>(() => new GroupNorm(3, 4));
        using var bad = Tensor.Zeros(new Shape(2, 3, 5));
        Assert.Contains("GroupNorm", Assert.Throws<ShapeMismatchException>(() => gn.Forward(bad)).Message);
    }
}
