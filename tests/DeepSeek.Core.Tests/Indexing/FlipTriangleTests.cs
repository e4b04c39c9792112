namespace DeepSeek.Tests.Indexing;

public class FlipTriangleTests
{
    public static TheoryData<DType> DTypes() => Ref.AllDTypesData();

    [Fact]
    public void Flip_HandValues()
    {
        using var x = Tensor.Arange(0, 6, 1, DType.F32).Reshape(2, 3);
        using var f1 = x.Flip(1);
        Ref.Equal([2, 1, 0, 5, 4, 3], f1);
        using var f0 = x.Flip(0);
        Ref.Equal([3, 4, 5, 0, 1, 2], f0);
        using var f01 = x.Flip(0, -1);
        Ref.Equal([5, 4, 3, 2, 1, 0], f01);
        using var none = x.Flip();
        Ref.Equal([0, 1, 2, 3, 4, 5], none);
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Flip_AllDTypes_NonContiguous(DType dtype)
    {
        var v = Ref.Values(4 * 5 * 6, dtype, 8);
        using var b = Ref.Make(v, dtype, 4, 5, 6);
        using var x = b.Permute(2, 0, 1).Slice(1, 0, 4, 2);   // [6, 2, 5]
        using var xc = x.Contiguous();
        var xs = xc.ToDoubleArray();
        using var f = x.Flip(0, 2);
        var expected = new double[xs.Length];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < 5; k++)
                    expected[(i * 2 + j) * 5 + k] = xs[((5 - i) * 2 + j) * 5 + (4 - k)];
        Ref.Equal(expected, f);
    }

    [Fact]
    public void Flip_Errors()
    {
        using var x = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentException>(() => x.Flip(1, -1));
        Assert.Throws<AxisOutOfRangeException>(() => x.Flip(2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(5)]
    [InlineData(-4)]
    public void TrilTriu_MatchDefinition(int diagonal)
    {
        using var x = Tensor.Arange(1, 13, 1, DType.F32).Reshape(3, 4);
        using var lo = x.Tril(diagonal);
        using var up = x.Triu(diagonal);
        var lower = new double[12];
        var upper = new double[12];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
            {
                double v = i * 4 + j + 1;
                lower[i * 4 + j] = j - i <= diagonal ? v : 0;
                upper[i * 4 + j] = j - i >= diagonal ? v : 0;
            }
        Ref.Equal(lower, lo);
        Ref.Equal(upper, up);
    }

    [Fact]
    public void Tril_HandValues_Batched_NonContiguous()
    {
        using var a = Tensor.Arange(1, 10, 1, DType.F32).Reshape(3, 3);
        using var t = a.Tril();
        Ref.Equal([1, 0, 0, 4, 5, 0, 7, 8, 9], t);
        using var at = a.T;
        using var u = at.Triu(1);
        Ref.Equal([0, 4, 7, 0, 0, 8, 0, 0, 0], u);
        using var batch = Tensor.Ones(2, 2, 2).Expand(3, 2, 2, 2);
        using var bt = batch.Triu();
        TestUtil.AssertShape(bt, 3, 2, 2, 2);
        Ref.Equal(Enumerable.Repeat(new double[] { 1, 1, 0, 1 }, 6).SelectMany(r => r).ToArray(), bt);
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Triu_AllDTypes(DType dtype)
    {
        var v = Ref.Values(6, dtype, 2);
        using var x = Ref.Make(v, dtype, 2, 3);
        using var u = x.Triu();
        Assert.Equal(dtype, u.DType);
        Ref.Equal([v[0], v[1], v[2], 0, v[4], v[5]], u);
    }

    [Fact]
    public void Tril_Rank1_Throws()
    {
        using var x = Tensor.Zeros(3);
        var ex = Assert.Throws<ShapeMismatchException>(() => x.Tril());
        Assert.Contains("Tril", ex.Message);
        Assert.Contains("[3]", ex.Message);
    }
}
