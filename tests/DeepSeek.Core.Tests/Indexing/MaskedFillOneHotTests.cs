namespace DeepSeek.Tests.Indexing;

public class MaskedFillOneHotTests
{
    public static TheoryData<DType> DTypes() => Ref.AllDTypesData();

    [Fact]
    public void MaskedFill_HandValues_BroadcastMask()
    {
        using var x = Tensor.Arange(0, 6, 1, DType.F32).Reshape(2, 3);
        using var m = Tensor.FromArray(new[] { true, false, true });
        using var r = x.MaskedFill(m, -1);
        Ref.Equal([-1, 1, -1, -1, 4, -1], r);
        using var col = Tensor.FromArray(new[] { false, true }, 2, 1);
        using var r2 = x.MaskedFill(col, double.NegativeInfinity);
        Ref.Equal([0, 1, 2, double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity], r2);
    }

    [Fact]
    public void MaskedFill_BroadcastsInputToo()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2 });
        using var m = Tensor.FromArray(new[] { true, false, false, true }, 2, 2);
        using var r = x.MaskedFill(m, 0);
        TestUtil.AssertShape(r, 2, 2);
        Ref.Equal([0, 2, 1, 0], r);
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void MaskedFill_AllDTypes_NonContiguous(DType dtype)
    {
        var v = Ref.Values(5 * 7, dtype, 12);
        using var b = Ref.Make(v, dtype, 5, 7);
        using var x = b.T;                                  // [7, 5]
        var mv = Ref.Values(7 * 5, DType.Bool, 13);
        using var m = Ref.Make(mv, DType.Bool, 7, 5);
        using var r = x.MaskedFill(m, 1);
        var expected = new double[35];
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 5; j++)
                expected[i * 5 + j] = mv[i * 5 + j] != 0 ? 1 : v[j * 7 + i];
        Ref.Equal(expected, r);
    }

    [Fact]
    public void MaskedFill_Errors()
    {
        using var x = Tensor.Zeros(2, 3);
        using var fm = Tensor.Zeros(2, 3);
        Assert.Contains("bool", Assert.Throws<DTypeMismatchException>(() => x.MaskedFill(fm, 1)).Message);
        using var bm = Tensor.Zeros(new Shape(4), DType.Bool);
        Assert.Throws<ShapeMismatchException>(() => x.MaskedFill(bm, 1));
        using var u = Tensor.Zeros(new Shape(3), DType.U8);
        using var m3 = Tensor.Zeros(new Shape(3), DType.Bool);
        Assert.Contains("u8", Assert.Throws<ArgumentException>(() => u.MaskedFill(m3, -1)).Message);
    }

    [Fact]
    public void OneHot_HandValues_InferredAndExplicit()
    {
        using var i = Tensor.FromArray(new long[] { 0, 2, 1 });
        using var h = i.OneHot();
        Assert.Equal(DType.I64, h.DType);
        TestUtil.AssertShape(h, 3, 3);
        Ref.Equal([1, 0, 0, 0, 0, 1, 0, 1, 0], h);
        using var j = Tensor.FromArray(new int[] { 3, 0, 1, 3 }, 2, 2);
        using var jt = j.T;
        using var h2 = jt.OneHot(5);
        TestUtil.AssertShape(h2, 2, 2, 5);
        Ref.Equal([0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0], h2);
        using var empty = Tensor.Zeros(new Shape(0), DType.I64);
        using var he = empty.OneHot(4);
        TestUtil.AssertShape(he, 0, 4);
    }

    [Fact]
    public void OneHot_Errors_NameBadValue()
    {
        using var neg = Tensor.FromArray(new long[] { 1, -3 });
        Assert.Contains("-3", Assert.Throws<IndexOutOfRangeException>(() => neg.OneHot()).Message);
        using var big = Tensor.FromArray(new int[] { 1, 7 });
        var ex = Assert.Throws<IndexOutOfRangeException>(() => big.OneHot(4));
        Assert.Contains("7", ex.Message);
        Assert.Contains("4 classes", ex.Message);
        using var f = Tensor.Zeros(2);
        Assert.Throws<DTypeMismatchException>(() => f.OneHot());
        using var empty = Tensor.Zeros(new Shape(0), DType.I64);
        Assert.Throws<ArgumentException>(() => empty.OneHot());
    }
}
