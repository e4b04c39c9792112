using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

public class NormTests
{
    // Reference batch norm over x [N, C, L] values; returns y and the updated running stats.
    private static (double[] Y, double[] Rm, double[] Rv) BatchNormRef(double[] x, int n, int c, int l, double[] rm, double[] rv,
        double[]? g, double[]? b, bool training, double momentum, double eps)
    {
        var y = new double[x.Length];
        var nrm = (double[])rm.Clone();
        var nrv = (double[])rv.Clone();
        for (int ch = 0; ch < c; ch++)
        {
            var set = new List<int>();
            for (int i = 0; i < n; i++)
                for (int j = 0; j < l; j++) set.Add((i * c + ch) * l + j);
            double mean, var;
            if (training)
            {
                var st = Stats(x, set);
                mean = st.Mean; var = st.Var;
                nrm[ch] = (1 - momentum) * rm[ch] + momentum * st.Mean;
                nrv[ch] = (1 - momentum) * rv[ch] + momentum * st.Unbiased;
            }
            else { mean = rm[ch]; var = rv[ch]; }
            foreach (var i in set) y[i] = (x[i] - mean) / Math.Sqrt(var + eps) * (g?[ch] ?? 1) + (b?[ch] ?? 0);
        }
        return (y, nrm, nrv);
    }

    [Theory]
    [InlineData(new[] { 8, 3 }, true, true)]
    [InlineData(new[] { 4, 3, 10 }, true, false)]
    [InlineData(new[] { 2, 4, 5, 7 }, true, true)]
    [InlineData(new[] { 2, 4, 5, 7 }, false, true)]
    [InlineData(new[] { 3, 2, 3, 3 }, false, false)]
    public void BatchNorm_MatchesReference_AndUpdatesRunningStats(int[] shape, bool training, bool affine)
    {
        int n = shape[0], c = shape[1], l = shape.Skip(2).Aggregate(1, (a, b) => a * b);
        using var x = Randn(60, shape);
        using var g = affine ? Randn(61, c) : null;
        using var b = affine ? Randn(62, c) : null;
        using var rmInit = Randn(63, c);
        using var rvInit = Tensor.Rand(new Shape(c), new Generator(64), 0.5, 2.0);
        foreach (var dt in new[] { DType.F32, DType.F64, DType.BF16 })
        {
            using var xd = x.To(dt);
            using var gd = g?.To(dt);
            using var bd = b?.To(dt);
            using var rm = rmInit.To(DType.F32);
            using var rv = rvInit.To(DType.F32);
            var (ey, erm, erv) = BatchNormRef(xd.ToDoubleArray(), n, c, l, rm.ToDoubleArray(), rv.ToDoubleArray(),
                gd?.ToDoubleArray(), bd?.ToDoubleArray(), training, 0.2, 1e-3);
            using var y = xd.BatchNorm(rm, rv, gd, bd, training, 0.2, 1e-3);
            Assert.Equal(dt, y.DType);
            TestUtil.AssertShape(y, shape);
            double tol = dt == DType.BF16 ? 1e-2 : dt == DType.F64 ? 1e-10 : 1e-4;
            TestUtil.AssertClose(y, ey, tol, tol * 2);
            TestUtil.AssertClose(rm, erm, 1e-5, 1e-6);
            TestUtil.AssertClose(rv, erv, 1e-5, 1e-6);
        }
    }

    [Fact]
    public void BatchNorm_NonContiguousInput_AndF64RunningStats()
    {
        using var nhwc = Randn(65, 2, 5, 6, 3);
        using var x = nhwc.Permute(0, 3, 1, 2); // NCHW view of NHWC storage
        using var rm = Tensor.Zeros(new Shape(3), DType.F64);
        using var rv = Tensor.Ones(new Shape(3), DType.F64);
        var (ey, erm, erv) = BatchNormRef(x.ToDoubleArray(), 2, 3, 30, new double[3], new[] { 1.0, 1, 1 }, null, null, true, 0.1, 1e-5);
        using var y = x.BatchNorm(rm, rv, training: true);
        TestUtil.AssertClose(y, ey, 1e-4, 1e-4);
        TestUtil.AssertClose(rm, erm, 1e-6, 1e-7);
        TestUtil.AssertClose(rv, erv, 1e-6, 1e-7);
        using var yNoStats = x.BatchNorm(null, null, training: true);
        TestUtil.AssertClose(yNoStats, ey, 1e-4, 1e-4);
    }

    [Theory]
    [InlineData(new[] { 4, 10 }, 1, true)]
    [InlineData(new[] { 2, 3, 37 }, 1, false)]
    [InlineData(new[] { 2, 3, 4, 5 }, 2, true)]
    [InlineData(new[] { 3, 1000 }, 1, true)]
    public void LayerNorm_MatchesReference(int[] shape, int normDims, bool affine)
    {
        var ns = shape[^normDims..];
        int k = ns.Aggregate(1, (a, b) => a * b), m = shape.Aggregate(1, (a, b) => a * b) / k;
        using var x = Randn(66, shape);
        using var g = affine ? Randn(67, ns) : null;
        using var b = affine ? Randn(68, ns) : null;
        foreach (var dt in new[] { DType.F32, DType.F64, DType.F16, DType.BF16 })
        {
            using var xd = x.To(dt);
            using var gd = g?.To(dt);
            using var bd = b?.To(dt);
            var xv = xd.ToDoubleArray();
            var gv = gd?.ToDoubleArray();
            var bv = bd?.ToDoubleArray();
            var e = new double[xv.Length];
            for (int r = 0; r < m; r++)
            {
                var (mean, var, _) = Stats(xv, Enumerable.Range(r * k, k).ToList());
                for (int j = 0; j < k; j++) e[r * k + j] = (xv[r * k + j] - mean) / Math.Sqrt(var + 1e-5) * (gv?[j] ?? 1) + (bv?[j] ?? 0);
            }
            using var y = xd.LayerNorm(ns, gd, bd);
            Assert.Equal(dt, y.DType);
            double tol = dt switch { DType.F64 => 1e-10, DType.F32 => 1e-4, DType.F16 => 4e-3, _ => 2e-2 };
            TestUtil.AssertClose(y, e, tol, tol);
        }
    }

    [Fact]
    public void LayerNorm_NonContiguous_LargeMean()
    {
        using var t = Randn(69, 6, 40);
        using var big = t.Mul1000Plus();
        using var x = big.T; // [40, 6] transposed view
        var xv = x.ToDoubleArray();
        var e = new double[xv.Length];
        for (int r = 0; r < 40; r++)
        {
            var (mean, var, _) = Stats(xv, Enumerable.Range(r * 6, 6).ToList());
            for (int j = 0; j < 6; j++) e[r * 6 + j] = (xv[r * 6 + j] - mean) / Math.Sqrt(var + 1e-5);
        }
        using var y = x.LayerNorm(new[] { 6 });
        TestUtil.AssertClose(y, e, 1e-3, 1e-3);
    }

    [Theory]
    [InlineData(new[] { 2, 6, 5, 4 }, 3, true)]
    [InlineData(new[] { 2, 6, 5, 4 }, 6, false)]
    [InlineData(new[] { 1, 8, 33 }, 2, true)]
    [InlineData(new[] { 3, 4 }, 1, true)]
    public void GroupNorm_MatchesReference(int[] shape, int groups, bool affine)
    {
        int n = shape[0], c = shape[1], l = shape.Skip(2).Aggregate(1, (a, b) => a * b), cg = c / groups;
        using var x = Randn(70, shape);
        using var g = affine ? Randn(71, c) : null;
        using var b = affine ? Randn(72, c) : null;
        foreach (var dt in new[] { DType.F32, DType.F64, DType.BF16 })
        {
            using var xd = x.To(dt);
            using var gd = g?.To(dt);
            using var bd = b?.To(dt);
            var xv = xd.ToDoubleArray();
            var gv = gd?.ToDoubleArray();
            var bv = bd?.ToDoubleArray();
            var e = new double[xv.Length];
            for (int i = 0; i < n; i++)
                for (int gi = 0; gi < groups; gi++)
                {
                    int start = (i * c + gi * cg) * l;
                    var (mean, var, _) = Stats(xv, Enumerable.Range(start, cg * l).ToList());
                    for (int j = 0; j < cg * l; j++)
                    {
                        int ch = gi * cg + j / l;
                        e[start + j] = (xv[start + j] - mean) / Math.Sqrt(var + 1e-5) * (gv?[ch] ?? 1) + (bv?[ch] ?? 0);
                    }
                }
            using var y = xd.GroupNorm(groups, gd, bd);
            double tol = dt switch { DType.F64 => 1e-10, DType.F32 => 1e-4, _ => 2e-2 };
            TestUtil.AssertClose(y, e, tol, tol);
        }
        using var perm = Randn(73, shape.Length == 4 ? new[] { shape[0], shape[2], shape[3], shape[1] } : shape);
        if (shape.Length == 4)
        {
            using var xp = perm.Permute(0, 3, 1, 2);
            using var xc = xp.Contiguous();
            using var y1 = xp.GroupNorm(groups, g, b);
            using var y2 = xc.GroupNorm(groups, g, b);
            TestUtil.AssertClose(y1, y2.ToDoubleArray(), 0, 0);
        }
    }
}

internal static class NormTestExtensions
{
    /// <summary>x·0.01 + 1000 (values with a mean far larger than their spread), computed on the host.</summary>
    public static Tensor Mul1000Plus(this Tensor t) =>
        Tensor.FromDoubles(t.ToDoubleArray().Select(v => v * 0.01 + 1000).ToArray(), t.Shape);
}
