using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;
using DeepSeek.Backends.Cpu.Conv;
using DeepSeek.Backends.Cpu.Norm;

namespace DeepSeek.Tests.Autograd;

/// <summary>
/// NN backward kernels against naive double references and fast paths against their scalar references; F32/F16/BF16
/// gradients against F64 ones; pool accounting; error messages.
/// </summary>
[Collection("GlobalState")]
public sealed unsafe class NNGradKernelTests
{
    private static double[] NaiveConvInputGrad(double[] g, double[] w, int n, int cin, int h, int wd, int cout, int kh, int kw,
        int oh, int ow, Conv2dParams p)
    {
        int cig = cin / p.Groups, cog = cout / p.Groups;
        var dx = new double[n * cin * h * wd];
        for (int b = 0; b < n; b++)
            for (int co = 0; co < cout; co++)
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++)
                        for (int ci = 0; ci < cig; ci++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++)
                                {
                                    int iy = y * p.StrideH - p.PadTop + i * p.DilationH, ix = x * p.StrideW - p.PadLeft + j * p.DilationW;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    dx[((b * cin + co / cog * cig + ci) * h + iy) * wd + ix] +=
                                        g[((b * cout + co) * oh + y) * ow + x] * w[((co * cig + ci) * kh + i) * kw + j];
                                }
        return dx;
    }

    // n, cin, h, w, cout, k, stride, pads t,l,b,r, dilation, groups
    [Theory]
    [InlineData(2, 3, 9, 8, 4, 3, 2, 1, 0, 2, 1, 1, 1)]
    [InlineData(3, 4, 7, 7, 6, 3, 1, 1, 1, 1, 1, 2, 2)]
    [InlineData(2, 5, 6, 9, 5, 3, 2, 1, 1, 1, 1, 1, 5)]
    [InlineData(4, 8, 5, 5, 4, 1, 1, 0, 0, 0, 0, 1, 1)]
    public void ConvKernels_MatchNaiveReferences(int n, int cin, int h, int w, int cout, int k, int s, int pt, int pl, int pb, int pr, int d, int g)
    {
        using var scope = Tensor.NewScope();
        var p = new Conv2dParams(s, s, pt, pl, pb, pr, d, d, g);
        int oh = (h + pt + pb - d * (k - 1) - 1) / s + 1, ow = (w + pl + pr - d * (k - 1) - 1) / s + 1;
        // x arrives transposed (non-contiguous), gradOut sliced with a step
        var xt = Tensor.RandN(new Shape(n, cin, w, h), new Generator(70));
        var x = xt.Transpose(2, 3);
        var gBig = Tensor.RandN(new Shape(n, cout, oh, 2 * ow), new Generator(71));
        var gOut = gBig.Slice(3, 0, 2 * ow, 2);
        var wt = Tensor.RandN(new Shape(cout, cin / g, k, k), new Generator(72));
        var xd = x.ToDoubleArray();
        var gd = gOut.ToDoubleArray();
        var wd = wt.ToDoubleArray();
        foreach (var threads in new[] { 1, 2 })
        {
            int old = DeepSeekOptions.Threads;
            try
            {
                DeepSeekOptions.Threads = threads;
                var gw = Tensor.Empty(wt.Shape, DType.F32);
                CpuBackend.Instance.Conv2dBackwardWeight(x, gOut, p, gw);
                var gwRef = Tensor.Empty(wt.Shape, DType.F32);
                ConvBackward.WeightReference<float>(x, gOut, p, gwRef);
                TestUtil.AssertClose(gwRef.ToDoubleArray(), gw.ToDoubleArray(), 1e-4, 1e-4);
                // F64 kernel against the independent naive sum
                var gw64 = Tensor.Empty(wt.Shape, DType.F64);
                CpuBackend.Instance.Conv2dBackwardWeight(x.To(DType.F64), gOut.To(DType.F64), p, gw64);
                var naive = new double[wd.Length];
                int cig = cin / g, cog = cout / g;
                for (int co = 0; co < cout; co++)
                    for (int ci = 0; ci < cig; ci++)
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++)
                                for (int b = 0; b < n; b++)
                                    for (int y = 0; y < oh; y++)
                                        for (int xo = 0; xo < ow; xo++)
                                        {
                                            int iy = y * s - pt + i * d, ix = xo * s - pl + j * d;
                                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                            naive[((co * cig + ci) * k + i) * k + j] += gd[((b * cout + co) * oh + y) * ow + xo]
                                                * xd[((b * cin + co / cog * cig + ci) * h + iy) * w + ix];
                                        }
                TestUtil.AssertClose(naive, gw64.ToDoubleArray(), 1e-10, 1e-10);
                // input gradient (ConvTranspose2d kernel) against the naive adjoint, F32 and F64
                var dxRef = NaiveConvInputGrad(gd, wd, n, cin, h, w, cout, k, k, oh, ow, p);
                foreach (var dt in new[] { DType.F32, DType.F64 })
                {
                    var dx = Tensor.ConvInputGrad(gOut.To(dt), wt.To(dt), p, x.Shape, transposed: false);
                    TestUtil.AssertClose(dxRef, dx.ToDoubleArray(), dt == DType.F32 ? 1e-4 : 1e-10, dt == DType.F32 ? 1e-4 : 1e-10);
                }
            }
            finally { DeepSeekOptions.Threads = old; }
        }
    }

    [Fact]
    public void NormGradMath_FastEqualsReferenceAtEveryLevel()
    {
        var old = SimdInfo.Level;
        try
        {
            foreach (var level in new[] { SimdLevel.Avx512, SimdLevel.Avx2, SimdLevel.Scalar })
            {
                if (level > old) continue;
                SimdInfo.Level = level;
                foreach (int len in new[] { 1, 7, 8, 15, 16, 33, 100, 2049, 4100 })
                {
                    using var x = Tensor.RandN(new Shape(len), new Generator((ulong)len)) + 3.0;
                    using var g = Tensor.RandN(new Shape(len), new Generator((ulong)len + 1));
                    float* xp = CpuBackend.Ptr<float>(x), gp = CpuBackend.Ptr<float>(g);
                    NormGradMath.Stats(xp, gp, len, 3.01, out double s1, out double s2);
                    NormGradMath.StatsReference(xp, gp, len, 3.01, out double r1, out double r2);
                    Assert.True(Math.Abs(s1 - r1) <= 1e-4 * Math.Sqrt(len), $"level {level}, n {len}: Σg {s1} vs {r1}");
                    Assert.True(Math.Abs(s2 - r2) <= 1e-4 * Math.Sqrt(len), $"level {level}, n {len}: Σg(x−μ) {s2} vs {r2}");
                    using var d1 = Tensor.Empty(new Shape(len));
                    using var d2 = Tensor.Empty(new Shape(len));
                    NormGradMath.Affine(xp, gp, CpuBackend.Ptr<float>(d1), len, 0.7, -0.3, 3.01, 0.2);
                    NormGradMath.AffineReference(xp, gp, CpuBackend.Ptr<float>(d2), len, 0.7, -0.3, 3.01, 0.2);
                    TestUtil.AssertClose(d2.ToDoubleArray(), d1.ToDoubleArray(), 1e-5, 1e-6);
                }
            }
        }
        finally { SimdInfo.Level = old; }
    }

    /// <summary>Gradients of f for every input, computed in <paramref name="dtype"/> from the same F32 values.</summary>
    private static double[][] Grads(Func<Tensor[], Tensor> f, Shape[] shapes, DType dtype)
    {
        using var scope = Tensor.NewScope();
        var xs = shapes.Select((s, i) => Tensor.RandN(s, new Generator(80 + (ulong)i)).To(dtype).RequireGrad()).ToArray();
        var y = f(xs);
        Assert.Equal(dtype, y.DType);
        var w = Tensor.RandN(y.Shape, new Generator(90)).To(dtype);
        (y * w).Sum().Backward();
        return xs.Select(x =>
        {
            Assert.Equal(dtype, x.Grad!.DType);
            return x.Grad!.ToDoubleArray();
        }).ToArray();
    }

    public static TheoryData<string> Ops => new() { "conv", "conv1d", "depthwise", "batchnorm_eval", "convT", "maxpool", "avgpool", "adaptive", "batchnorm", "layernorm", "groupnorm" };

    private static (Func<Tensor[], Tensor>, Shape[]) Case(string op) => op switch
    {
        "conv" => (xs => xs[0].Conv2d(xs[1], xs[2], (2, 1), [1, 0, 2, 1], (1, 2), 2), [new(2, 4, 7, 6), new(4, 2, 3, 2), new(4)]),
        "conv1d" => (xs => xs[0].Conv1d(xs[1], xs[2], 2, 1, 2), [new(2, 3, 11), new(4, 3, 3), new(4)]),
        "depthwise" => (xs => xs[0].Conv2d(xs[1], xs[2], 2, 1, 1, 4), [new(2, 4, 9, 10), new(4, 1, 3, 3), new(4)]),
        "batchnorm_eval" => (xs => xs[0].BatchNorm(Tensor.Full(new Shape(3), 0.2), Tensor.Full(new Shape(3), 1.5), xs[1], xs[2]),
            [new(4, 3, 5), new(3), new(3)]),
        "convT" => (xs => xs[0].ConvTranspose2d(xs[1], xs[2], 2, 1, 1, 2, 1), [new(2, 4, 3, 4), new(4, 3, 3, 3), new(6)]),
        "maxpool" => (xs => xs[0].MaxPool2d(3, 2, 1, 1, true), [new(2, 3, 7, 8)]),
        "avgpool" => (xs => xs[0].AvgPool2d(3, 2, 1, true, false), [new(2, 3, 7, 8)]),
        "adaptive" => (xs => xs[0].AdaptiveAvgPool2d(3, 5), [new(2, 3, 7, 8)]),
        "batchnorm" => (xs => xs[0].BatchNorm(null, null, xs[1], xs[2], training: true), [new(4, 3, 5, 5), new(3), new(3)]),
        "layernorm" => (xs => xs[0].LayerNorm([40], xs[1], xs[2]), [new(6, 40), new(40), new(40)]),
        "groupnorm" => (xs => xs[0].GroupNorm(2, xs[1], xs[2]), [new(2, 6, 4, 5), new(6), new(6)]),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(Ops))]
    public void F32F16BF16GradientsAgreeWithF64(string op)
    {
        var (f, shapes) = Case(op);
        var reference = Grads(f, shapes, DType.F64);
        foreach (var (dt, tol) in new[] { (DType.F32, 1e-4), (DType.F16, 3e-2), (DType.BF16, 1.5e-1) })
        {
            var got = Grads(f, shapes, dt);
            for (int i = 0; i < got.Length; i++)
            {
                double scale = reference[i].Select(Math.Abs).Max();
                TestUtil.AssertClose(reference[i], got[i], tol, tol * Math.Max(1, scale));
            }
        }
    }

    [Fact]
    public void ForwardBackwardLoopLeavesPoolUnchanged()
    {
        var w = Tensor.RandN(new Shape(4, 3, 3, 3), new Generator(1)).RequireGrad();
        var wl = Tensor.RandN(new Shape(5, 4), new Generator(2)).RequireGrad();
        var gamma = Tensor.Ones(new Shape(4)).RequireGrad();
        var beta = Tensor.Zeros(new Shape(4)).RequireGrad();
        var rm = Tensor.Zeros(new Shape(4));
        var rv = Tensor.Ones(new Shape(4));
        void Step()
        {
            using var scope = Tensor.NewScope();
            var x = Tensor.RandN(new Shape(2, 3, 8, 8), new Generator(3)).RequireGrad();
            var y = x.Conv2d(w, null, padding: 1).BatchNorm(rm, rv, gamma, beta, training: true).Relu();
            y = y.MaxPool2d(2).AvgPool2d(2).GroupNorm(2).AdaptiveAvgPool2d(1).Flatten(1);
            var z = y.Linear(wl).LayerNorm([5]).MatMul(Tensor.Ones(new Shape(5)));
            z.Sum().Backward();
        }
        Step(); // warm the pool and create the leaf gradients
        foreach (var t in new[] { w, wl, gamma, beta }) t.ZeroGrad();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = CpuBackend.Instance.Pool.Statistics.BytesInUse;
        for (int i = 0; i < 3; i++)
        {
            Step();
            foreach (var t in new[] { w, wl, gamma, beta })
            {
                Assert.NotNull(t.Grad);
                t.ZeroGrad();
            }
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(before, CpuBackend.Instance.Pool.Statistics.BytesInUse);
        foreach (var t in new[] { w, wl, gamma, beta, rm, rv }) t.Dispose();
    }

    [Fact]
    public void Errors_NameTheNodeAndTheProblem()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.RandN(new Shape(1, 2, 5, 5), new Generator(4)).RequireGrad();
        var w = Tensor.RandN(new Shape(3, 2, 3, 3), new Generator(5)).RequireGrad();
        var y = x.Conv2d(w).Sum();
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("retainGraph", e.Message);

        // a saved input modified in place before backward is caught by the node
        var xs = Tensor.RandN(new Shape(4, 6), new Generator(6));
        var ws = Tensor.RandN(new Shape(3, 6), new Generator(7)).RequireGrad();
        var z = xs.Linear(ws).Sum();
        xs.AddInPlace(xs);
        e = Assert.Throws<InvalidOperationException>(() => z.Backward());
        Assert.Contains("LinearBackward", e.Message);
        Assert.Contains("modified in place", e.Message);

        var xn = Tensor.RandN(new Shape(2, 3, 4), new Generator(8)).RequireGrad();
        var ln = xn.LayerNorm([4]).Sum();
        var saved = Assert.Throws<InvalidOperationException>(() =>
        {
            ln.Backward();
            ln.Backward();
        });
        Assert.Contains("retainGraph", saved.Message);

        // shape errors still come from the forward op while recording
        var bad = Tensor.RandN(new Shape(2, 5), new Generator(9)).RequireGrad();
        var se = Assert.Throws<ShapeMismatchException>(() => bad.MatMul(w.Reshape(3, 18)));
        Assert.Contains("MatMul", se.Message);
        var ce = Assert.Throws<ShapeMismatchException>(() => x.Conv2d(w.Slice(1, 0, 1)));
        Assert.Contains("Conv2d", ce.Message);
    }
}
