namespace DeepSeek.Tests.Autograd;

public sealed class AutocastTests
{
    private static Tensor RoundTrip(Tensor t, DType d) { using var low = t.To(d); return low.To(DType.F32); }

    [Theory]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    public void MatMulRunsOnRoundedInputsAndReturnsTheReducedDtype(DType low)
    {
        using var scope = Tensor.NewScope();
        var g = new Generator(1);
        var a = Tensor.RandN(new Shape(5, 7), g);
        var b = Tensor.RandN(new Shape(7, 3), g);
        Tensor y;
        using (Tensor.Autocast(low)) y = a.MatMul(b);
        Assert.Equal(low, y.DType);
        Assert.Null(Autocast.Current);
        // reference: inputs rounded to the reduced type, F32 product, result rounded once
        var expected = RoundTrip(RoundTrip(a, low).MatMul(RoundTrip(b, low)), low);
        Assert.Equal(expected.ToDoubleArray(), y.ToDoubleArray());
    }

    [Fact]
    public void LinearAndConvAreLoweredSoftmaxAndNormsAreWidened()
    {
        using var scope = Tensor.NewScope();
        var g = new Generator(2);
        var x = Tensor.RandN(new Shape(2, 3, 6, 6), g);
        var w = Tensor.RandN(new Shape(4, 3, 3, 3), g);
        var lw = Tensor.RandN(new Shape(5, 6), g);
        using (Tensor.Autocast())
        {
            var c = x.Conv2d(w, padding: 1);
            Assert.Equal(DType.BF16, c.DType);
            var l = Tensor.Linear(x, lw);
            Assert.Equal(DType.BF16, l.DType);
            Assert.Equal(DType.F32, c.Softmax(1).DType);
            Assert.Equal(DType.F32, c.LogSoftmax(1).DType);
            Assert.Equal(DType.F32, c.Mean().DType);
            Assert.Equal(DType.F32, c.Var([1]).DType);
            Assert.Equal(DType.F32, c.LayerNorm([6]).DType);
            Assert.Equal(DType.F32, c.GroupNorm(2).DType);
            Assert.Equal(DType.BF16, c.Relu().DType); // other ops keep their input dtype
            // nested regions and suspension restore the outer state
            using (Tensor.Autocast(DType.F16)) Assert.Equal(DType.F16, x.MatMul(x.Transpose(2, 3)).DType);
            Assert.Equal(DType.BF16, Autocast.Current);
        }
        Assert.Equal(DType.F32, x.MatMul(x.Transpose(2, 3)).DType);
    }

    [Fact]
    public void GradientsReachF32ParametersInF32AndApproximateFullPrecision()
    {
        using var scope = Tensor.NewScope();
        var g = new Generator(3);
        var x = Tensor.RandN(new Shape(16, 8), g);
        var w = Tensor.RandN(new Shape(4, 8), g).RequireGrad();
        using (Tensor.Autocast())
        {
            var loss = Tensor.Linear(x, w).LogSoftmax(-1).Mean().Neg();
            Assert.Equal(DType.F32, loss.DType);
            loss.Backward();
        }
        var gAuto = w.Grad!.ToDoubleArray();
        Assert.Equal(DType.F32, w.Grad.DType);
        w.ZeroGrad();
        Tensor.Linear(x, w).LogSoftmax(-1).Mean().Neg().Backward();
        TestUtil.AssertClose(w.Grad!.ToDoubleArray(), gAuto, 0.05, 0.01);
    }

    [Fact]
    public void OnlyBf16AndF16AreAccepted()
    {
        Assert.Throws<DTypeMismatchException>(() => Tensor.Autocast(DType.F64));
    }
}
