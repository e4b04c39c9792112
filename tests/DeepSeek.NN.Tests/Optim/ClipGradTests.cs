namespace DeepSeek.NN.Tests.Optim;

using DeepSeek.NN.Optim;
using static OptimTestUtil;

/// <summary>ClipGradNorm / ClipGradValue against hand-computed norms.</summary>
public sealed class ClipGradTests
{
    private static Parameter WithGrad(double[] grad, DType dtype = DType.F32)
    {
        var p = new Parameter(Tensor.Zeros(new Shape(grad.Length), dtype));
        p.Grad = Tensor.FromDoubles(grad, new Shape(grad.Length), dtype).DetachFromScope();
        return p;
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    [InlineData(DType.F16)]
    public void TwoNormIsJointAndScalesWhenAboveTheBound(DType dtype)
    {
        using var a = WithGrad([3, 0], dtype);
        using var b = WithGrad([0, 4, 0], dtype);
        using var none = new Parameter(Tensor.Zeros(2));
        double total = ClipGrad.ClipGradNorm([a, b, none], maxNorm: 1.0);
        Assert.Equal(5.0, total, 12);
        double coef = 1.0 / (5 + 1e-6);
        double tol = dtype == DType.F16 ? 1e-3 : 1e-6;
        TestSupport.AssertClose([3 * coef, 0], a.Grad!.ToDoubleArray(), tol, tol);
        TestSupport.AssertClose([0, 4 * coef, 0], b.Grad!.ToDoubleArray(), tol, tol);
    }

    [Fact]
    public void BelowTheBoundNothingChanges()
    {
        using var a = WithGrad([0.3, -0.4]);
        Assert.Equal(0.5, ClipGrad.ClipGradNorm([a], maxNorm: 1.0), 6);
        Assert.Equal(new float[] { 0.3f, -0.4f }, a.Grad!.ToArray<float>());
    }

    [Fact]
    public void InfinityAndOtherNorms()
    {
        using var a = WithGrad([1, -7, 2], DType.F64);
        using var b = WithGrad([5], DType.F64);
        double inf = ClipGrad.ClipGradNorm([a, b], 3.5, double.PositiveInfinity);
        Assert.Equal(7.0, inf, 12);
        TestSupport.AssertClose([0.5, -3.5, 1], a.Grad!.ToDoubleArray(), 1e-6, 1e-6);

        using var c = WithGrad([1, -2], DType.F64);
        Assert.Equal(3.0, ClipGrad.ClipGradNorm([c], 10, normType: 1), 12);
        using var d = WithGrad([1, -2], DType.F64);
        Assert.Equal(Math.Pow(9, 1.0 / 3), ClipGrad.ClipGradNorm([d], 10, normType: 3), 12);
    }

    [Fact]
    public void NonFiniteNormIsReportedOrRejected()
    {
        using var a = WithGrad([1, double.NaN]);
        Assert.True(double.IsNaN(ClipGrad.ClipGradNorm([a], 1.0)));
        using var b = WithGrad([1, double.PositiveInfinity]);
        var e = Assert.Throws<ArgumentException>(() => ClipGrad.ClipGradNorm([b], 1.0, errorIfNonfinite: true));
        Assert.Contains("ClipGradNorm", e.Message);
        Assert.Throws<ArgumentException>(() => ClipGrad.ClipGradNorm([b], -1));
        Assert.Throws<ArgumentException>(() => ClipGrad.ClipGradNorm([b], 1, normType: 0));
    }

    [Fact]
    public void ClipGradValueClampsEachElement()
    {
        using var a = WithGrad([-3, 0.25, 2, -0.5]);
        ClipGrad.ClipGradValue([a], 0.5);
        Assert.Equal(new float[] { -0.5f, 0.25f, 0.5f, -0.5f }, a.Grad!.ToArray<float>());
        Assert.Throws<ArgumentException>(() => ClipGrad.ClipGradValue([a], -1));
    }

    [Fact]
    public void ClipsRealGradientsOfAModel()
    {
        using var p = Param(3, DType.F32, 4, 5);
        SetGrad(p, 4, transposedView: true);
        var g = p.Grad!.ToDoubleArray();
        double norm = Math.Sqrt(g.Sum(v => v * v));
        Assert.Equal(norm, ClipGrad.ClipGradNorm([p], 0.1), 5);
        TestSupport.AssertClose(g.Select(v => v * 0.1 / (norm + 1e-6)).ToArray(), p.Grad!.ToDoubleArray(), 1e-5, 1e-7);
    }
}
