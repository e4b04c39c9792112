namespace DeepSeek.Tests.Autograd;

/// <summary>Finite-difference checks (F64) of MatMul (every rank combination), Mm, Bmm, Dot, Outer and Linear.</summary>
public sealed class LinalgGradTests
{
    public static TheoryData<int[], int[]> MatMulShapes => new()
    {
        { [4], [4] },                 // dot → 0-d
        { [3], [3, 5] },              // vector · matrix
        { [2, 3], [3] },              // matrix · vector
        { [2, 3], [3, 4] },
        { [2, 2, 3], [3, 4] },        // batched · matrix (b broadcast over the batch)
        { [3], [2, 3, 4] },           // vector · batch
        { [2, 1, 2, 3], [3, 3, 4] },  // both batches broadcast
        { [2, 3, 2, 3], [3, 1] },
        { [1, 2, 3], [2, 3, 2] },     // size-1 batch dim broadcast
        { [2, 3, 4], [4] },
    };

    [Theory]
    [MemberData(nameof(MatMulShapes))]
    public void MatMul_AllRankCombinations(int[] aShape, int[] bShape)
    {
        var a = GradCheck.Input(40, aShape);
        var b = GradCheck.Input(41, bShape);
        GradCheck.Check(xs => xs[0].MatMul(xs[1]), [a, b]);
    }

    [Fact]
    public void MatMul_NonContiguousAndExpandedOperands()
    {
        var a = GradCheck.Input(42, 4, 3);
        var b = GradCheck.Input(43, 5, 4);
        GradCheck.Check(xs => xs[0].T.MatMul(xs[1].T), [a, b]);                           // transposed
        GradCheck.Check(xs => xs[0].Slice(0, 0, 4, 2).MatMul(xs[1].Slice(1, 0, 3, 1).Slice(0, 0, 5, 2).T), [a, b]); // sliced with step
        var c = GradCheck.Input(44, 3, 1);
        GradCheck.Check(xs => xs[0].MatMul(xs[1].Expand(3, 6)), [a, c]);                 // stride-0 expansion
        var only = GradCheck.Input(45, 3, 2);
        using var fixedB = Tensor.RandN(new Shape(2, 3), new Generator(1), dtype: DType.F64);
        GradCheck.Check(xs => xs[0].MatMul(fixedB), [only]);                             // one side without grad
    }

    [Fact]
    public void MmBmmDotOuter()
    {
        var a = GradCheck.Input(46, 3, 4);
        var b = GradCheck.Input(47, 4, 2);
        GradCheck.Check(xs => xs[0].Mm(xs[1]), [a, b]);
        var p = GradCheck.Input(48, 2, 3, 4);
        var q = GradCheck.Input(49, 2, 4, 5);
        GradCheck.Check(xs => xs[0].Bmm(xs[1]), [p, q]);
        var u = GradCheck.Input(50, 5);
        var v = GradCheck.Input(51, 5);
        GradCheck.Check(xs => xs[0].Dot(xs[1]), [u, v]);
        var w = GradCheck.Input(52, 3);
        GradCheck.Check(xs => xs[0].Outer(xs[1]), [u, w]);
    }

    [Fact]
    public void Linear_InputWeightBias()
    {
        var w = GradCheck.Input(53, 4, 3);
        var b = GradCheck.Input(54, 4);
        foreach (var shape in new[] { new[] { 3 }, new[] { 5, 3 }, new[] { 2, 3, 3 } })
        {
            var x = GradCheck.Input(55, shape);
            GradCheck.Check(xs => Tensor.Linear(xs[0], xs[1], xs[2]), [x, w, b]);
            GradCheck.Check(xs => xs[0].Linear(xs[1]), [x, w]);
        }
        var xt = GradCheck.Input(56, 3, 5);
        GradCheck.Check(xs => xs[0].T.Linear(xs[1].T.T, xs[2]), [xt, w, b]);
    }

    [Theory]
    [InlineData(DType.F32, 1e-4)]
    [InlineData(DType.F16, 2e-2)]
    [InlineData(DType.BF16, 6e-2)]
    public void LowerPrecisionGradientsMatchF64(DType dtype, double tol)
    {
        foreach (var (sa, sb) in new[] { (new[] { 2, 3, 4 }, new[] { 4, 5 }), (new[] { 4 }, new[] { 2, 4, 3 }) })
        {
            var (ga, gb) = Grads(sa, sb, DType.F64);
            var (la, lb) = Grads(sa, sb, dtype);
            TestUtil.AssertClose(ga, la, tol, tol);
            TestUtil.AssertClose(gb, lb, tol, tol);
        }
        var (lx, lw, lbias) = LinearGrads(dtype);
        var (fx, fw, fbias) = LinearGrads(DType.F64);
        TestUtil.AssertClose(fx, lx, tol, tol);
        TestUtil.AssertClose(fw, lw, tol, tol);
        TestUtil.AssertClose(fbias, lbias, tol, tol);
    }

    private static (double[], double[]) Grads(int[] sa, int[] sb, DType dtype)
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.RandN(new Shape(sa), new Generator(60)).To(dtype).RequireGrad();
        var b = Tensor.RandN(new Shape(sb), new Generator(61)).To(dtype).RequireGrad();
        var y = a.MatMul(b);
        var w = Tensor.RandN(y.Shape, new Generator(62)).To(dtype);
        (y * w).Sum().Backward();
        Assert.Equal(dtype, a.Grad!.DType);
        return (a.Grad!.ToDoubleArray(), b.Grad!.ToDoubleArray());
    }

    private static (double[], double[], double[]) LinearGrads(DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.RandN(new Shape(2, 3, 4), new Generator(63)).To(dtype).RequireGrad();
        var w = Tensor.RandN(new Shape(5, 4), new Generator(64)).To(dtype).RequireGrad();
        var b = Tensor.RandN(new Shape(5), new Generator(65)).To(dtype).RequireGrad();
        var y = x.Linear(w, b);
        var g = Tensor.RandN(y.Shape, new Generator(66)).To(dtype);
        (y * g).Sum().Backward();
        return (x.Grad!.ToDoubleArray(), w.Grad!.ToDoubleArray(), b.Grad!.ToDoubleArray());
    }
}
