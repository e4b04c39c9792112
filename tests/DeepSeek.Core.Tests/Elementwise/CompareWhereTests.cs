namespace DeepSeek.Tests.Elementwise;

public class CompareWhereTests
{
    public static TheoryData<DType> AllNumeric()
    {
        var d = new TheoryData<DType>();
        foreach (var t in Ref.Floats.Concat(Ref.Ints)) d.Add(t);
        return d;
    }

    [Theory]
    [MemberData(nameof(AllNumeric))]
    public void ComparisonsMatchReferenceWithBroadcasting(DType dtype)
    {
        var av = Enumerable.Range(0, 70).Select(i => (double)((i * 7) % 11)).ToArray();
        using var a = Tensor.FromDoubles(av, new Shape(10, 7), dtype);
        using var b = Tensor.FromDoubles(new double[] { 0, 3, 5, 7, 10, 2, 4 }, new Shape(7), dtype);
        var cmp = new (Func<Tensor, Tensor, Tensor> Op, Func<double, double, bool> Ref)[]
        {
            ((x, y) => x.Eq(y), (x, y) => x == y), ((x, y) => x.Ne(y), (x, y) => x != y), ((x, y) => x.Lt(y), (x, y) => x < y),
            ((x, y) => x.Le(y), (x, y) => x <= y), ((x, y) => x.Gt(y), (x, y) => x > y), ((x, y) => x.Ge(y), (x, y) => x >= y),
        };
        using var at = a.T; // non-contiguous left operand [7, 10] vs column [7, 1]
        using var bc = b.Unsqueeze(1);
        foreach (var (op, r) in cmp)
        {
            using var y = op(a, b);
            Assert.Equal(DType.Bool, y.DType);
            Assert.Equal(Ref.Zip(a, b, (x, z) => r(x, z) ? 1 : 0), y.ToDoubleArray());
            using var y2 = op(at, bc);
            Assert.Equal(Ref.Zip(at, bc, (x, z) => r(x, z) ? 1 : 0), y2.ToDoubleArray());
        }
    }

    [Fact]
    public void NaNAndScalarComparisons()
    {
        using var x = Tensor.FromArray(new float[] { float.NaN, 1, 2, float.PositiveInfinity });
        using (var y = x.Eq(x)) Assert.Equal(new[] { false, true, true, true }, y.ToArray<bool>());
        using (var y = x.Ne(x)) Assert.Equal(new[] { true, false, false, false }, y.ToArray<bool>());
        using (var y = x.Gt(1.5)) Assert.Equal(new[] { false, false, true, true }, y.ToArray<bool>());
        using (var y = x.Le(1)) Assert.Equal(new[] { false, true, false, false }, y.ToArray<bool>());
        using var u = Tensor.FromArray(new byte[] { 0, 200, 255 });
        using (var y = u.Lt(300)) Assert.Equal(new[] { true, true, true }, y.ToArray<bool>()); // no wrap of the scalar
        using (var y = u.Ge(199.5)) Assert.Equal(new[] { false, true, true }, y.ToArray<bool>());
        using var i = Tensor.FromArray(new int[] { 2, 3 });
        using (var y = i.Eq(2.5)) Assert.Equal(new[] { false, false }, y.ToArray<bool>());
        using var f = Tensor.FromArray(new float[] { 2, 3 });
        using (var y = i.Eq(f)) Assert.Equal(new[] { true, true }, y.ToArray<bool>());
        using var b = Tensor.FromArray(new[] { true, false });
        using (var y = b.Eq(1)) Assert.Equal(new[] { true, false }, y.ToArray<bool>());
    }

    [Fact]
    public void LongRowsTakeTheVectorPath()
    {
        int n = 1000;
        var av = Ref.Values(n, 11);
        var bv = Ref.Values(n, 12);
        av[5] = double.NaN;
        bv[9] = double.NaN;
        using var a = Tensor.FromDoubles(av, new Shape(n));
        using var b = Tensor.FromDoubles(bv, new Shape(n));
        using var lt = a.Lt(b);
        using var ne = a.Ne(b);
        Assert.Equal(Ref.Zip(a, b, (x, y) => x < y ? 1 : 0), lt.ToDoubleArray());
        Assert.Equal(Ref.Zip(a, b, (x, y) => x != y ? 1 : 0), ne.ToDoubleArray());
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.I8)]
    [InlineData(DType.I64)]
    [InlineData(DType.Bool)]
    public void WhereBroadcastsThreeWays(DType dtype)
    {
        using var cond = Tensor.FromArray(new[] { true, false, true }, 3, 1);       // [3, 1]
        using var a = Tensor.FromDoubles(new double[] { 1, 0, 3, 4 }, new Shape(4), dtype); // [4]
        using var b = Tensor.FromDoubles(new double[] { 0, 1 }, new Shape(2, 1, 1), dtype); // [2, 1, 1]
        using var y = Tensor.Where(cond, a, b);
        TestUtil.AssertShape(y, 2, 3, 4);
        Assert.Equal(dtype, y.DType);
        var ad = a.ToDoubleArray();
        var bd = b.ToDoubleArray();
        var c = new[] { true, false, true };
        var expected = new List<double>();
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) expected.Add(c[j] ? ad[k] : bd[i]);
        Assert.Equal(expected, y.ToDoubleArray());
    }

    [Fact]
    public void WherePromotesAndTakesScalars()
    {
        using var x = Tensor.FromArray(new float[] { -1, 2, -3, 4 });
        using var pos = x.Gt(0);
        using var i = Tensor.FromArray(new int[] { 10, 20, 30, 40 });
        using (var y = Tensor.Where(pos, i, x)) { Assert.Equal(DType.F32, y.DType); TestUtil.AssertClose(y, new double[] { -1, 20, -3, 40 }); }
        using (var y = Tensor.Where(pos, x, 0)) TestUtil.AssertClose(y, new double[] { 0, 2, 0, 4 });
        using (var y = Tensor.Where(pos, 1, x)) TestUtil.AssertClose(y, new double[] { -1, 1, -3, 1 });
        using var xt = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var t = xt.T; // [3, 2] strided
        using var m = t.Gt(2.5);
        using (var y = Tensor.Where(m, t, -t)) TestUtil.AssertClose(y, new double[] { -1, 4, -2, 5, 3, 6 });
        var ex = Assert.Throws<DTypeMismatchException>(() => Tensor.Where(x, x, x));
        Assert.Contains("Where", ex.Message);
        using var bad = Tensor.FromArray(new[] { true, false, true });
        var ex2 = Assert.Throws<ShapeMismatchException>(() => Tensor.Where(bad, x, x));
        Assert.Contains("[3]", ex2.Message);
        Assert.Contains("[4]", ex2.Message);
    }
}
