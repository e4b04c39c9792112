namespace DeepSeek.Tests.Reduction;

public class VarianceTests
{
    [Theory]
    [InlineData(DType.F32, 1e-5)]
    [InlineData(DType.F64, 1e-12)]
    public void VarAndStdMatchReference(DType dtype, double tol)
    {
        foreach (var (_, x) in Ref.Layouts([5, 4, 9], dtype, 21))
            using (x)
                foreach (var axes in new[] { new[] { 2 }, new[] { 0 }, new[] { 0, 2 }, new[] { -2 }, Array.Empty<int>() })
                    foreach (var correction in new[] { 0, 1 })
                        foreach (var keep in new[] { false, true })
                        {
                            using var v = x.Var(axes, correction, keep);
                            using var s = x.Std(axes, correction, keep);
                            TestUtil.AssertShape(v, Ref.OutShape([5, 4, 9], axes, keep));
                            var expected = Ref.Reduce(x, axes, g => Ref.Var(g, correction));
                            TestUtil.AssertClose(expected, v.ToDoubleArray(), tol, tol);
                            TestUtil.AssertClose(expected.Select(Math.Sqrt).ToArray(), s.ToDoubleArray(), tol, tol);
                        }
    }

    [Fact]
    public void DefaultIsUnbiasedSampleVariance()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 });
        using var v = x.Var();
        using var p = x.Var(correction: 0);
        Assert.Equal(5f / 3, v.Item<float>(), 6);
        Assert.Equal(1.25f, p.Item<float>(), 6);
        using var one = Tensor.FromArray(new float[] { 7 });
        using var v1 = one.Var();
        Assert.True(float.IsNaN(v1.Item<float>())); // 0 / 0, as in PyTorch
    }

    [Fact]
    public void LargeOffsetDoesNotDestroyVariance()
    {
        var data = Enumerable.Range(0, 1000).Select(i => 1e4f + (i % 10)).ToArray();
        using var x = Tensor.FromArray(data);
        using var v = x.Var(correction: 0);
        Assert.Equal(8.25, v.Item<float>(), 4);
    }

    [Theory]
    [InlineData(DType.F16, 3e-3)]
    [InlineData(DType.BF16, 2e-2)]
    public void HalfTypes(DType dtype, double tol)
    {
        using var x = Tensor.RandN(new Shape(3, 50), new Generator(4), dtype: dtype);
        using var s = x.Std([1]);
        Assert.Equal(dtype, s.DType);
        TestUtil.AssertClose(Ref.Reduce(x, [1], g => Math.Sqrt(Ref.Var(g, 1))), s.ToDoubleArray(), tol, tol);
    }

    [Fact]
    public void IntegerInputIsRejected()
    {
        using var x = Tensor.Arange(6);
        var ex = Assert.Throws<DTypeMismatchException>(() => x.Var());
        Assert.Contains("Var", ex.Message);
        Assert.Contains("i64", ex.Message);
        Assert.Throws<ArgumentException>(() => x.To(DType.F32).Std(correction: -1));
    }
}
