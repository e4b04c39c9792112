namespace DeepSeek.Tests.Indexing;

public class ConcatTests
{
    [Fact]
    public void Concat_HandValues_Dim0AndDim1()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var b = Tensor.FromArray(new float[] { 5, 6 }, 1, 2);
        using var c0 = Tensor.Concat([a, b], 0);
        TestUtil.AssertShape(c0, 3, 2);
        Ref.Equal([1, 2, 3, 4, 5, 6], c0);

        using var d = Tensor.FromArray(new float[] { 7, 8, 9, 10, 11, 12 }, 2, 3);
        using var c1 = Tensor.Cat([a, d], -1);
        TestUtil.AssertShape(c1, 2, 5);
        Ref.Equal([1, 2, 7, 8, 9, 3, 4, 10, 11, 12], c1);
    }

    [Fact]
    public void Concat_NonContiguousInputs_TransposedSlicedExpanded()
    {
        using var baseT = Tensor.Arange(0, 6, 1, DType.F32).Reshape(2, 3);
        using var tr = baseT.T;                           // [3,2]: 0 3 / 1 4 / 2 5
        using var big = Tensor.Arange(0, 12, 1, DType.F32).Reshape(3, 4);
        using var sl = big.Slice(1, 0, 4, 2);             // [3,2]: 0 2 / 4 6 / 8 10
        using var one = Tensor.FromArray(new float[] { 7, 9 }, 1, 2);
        using var ex = one.Expand(3, 2);                  // [3,2]: 7 9 ×3
        using var c = Tensor.Concat([tr, sl, ex], 1);
        TestUtil.AssertShape(c, 3, 6);
        Ref.Equal([0, 3, 0, 2, 7, 9, 1, 4, 4, 6, 7, 9, 2, 5, 8, 10, 7, 9], c);
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Concat_AllDTypes_MatchReference(DType dtype)
    {
        var va = Ref.Values(2 * 3 * 4, dtype, 1);
        var vb = Ref.Values(2 * 2 * 4, dtype, 2);
        using var a = Ref.Make(va, dtype, 2, 3, 4);
        using var b = Ref.Make(vb, dtype, 2, 2, 4);
        using var c = Tensor.Concat([a, b], 1);
        Assert.Equal(dtype, c.DType);
        TestUtil.AssertShape(c, 2, 5, 4);
        var expected = new double[2 * 5 * 4];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 5; j++)
                for (int k = 0; k < 4; k++)
                    expected[(i * 5 + j) * 4 + k] = j < 3 ? va[(i * 3 + j) * 4 + k] : vb[(i * 2 + j - 3) * 4 + k];
        Ref.Equal(expected, c);
    }

    public static TheoryData<DType> DTypes() => Ref.AllDTypesData();

    [Fact]
    public void Concat_PromotesDTypes()
    {
        using var a = Tensor.FromArray(new int[] { 1, 2 });
        using var b = Tensor.FromArray(new float[] { 0.5f });
        using var c = Tensor.Concat([a, b]);
        Assert.Equal(DType.F32, c.DType);
        Ref.Equal([1, 2, 0.5], c);
        using var h = Tensor.FromArray(new Half[] { (Half)1.5 });
        using var bf = Tensor.FromArray(new[] { BFloat16.FromSingle(2.5f) });
        using var hb = Tensor.Concat([h, bf]);
        Assert.Equal(DType.F32, hb.DType);
        Ref.Equal([1.5, 2.5], hb);
    }

    [Fact]
    public void Concat_SkipsLegacyEmpty1d()
    {
        using var e = Tensor.Zeros(new Shape(0));
        using var a = Tensor.Ones(2, 2);
        using var c = Tensor.Concat([e, a, e], 0);
        TestUtil.AssertShape(c, 2, 2);
        Ref.Equal([1, 1, 1, 1], c);
    }

    [Fact]
    public void Concat_Errors_NameTensorAndShapes()
    {
        using var a = Tensor.Zeros(2, 3);
        using var b = Tensor.Zeros(2, 4);
        var ex = Assert.Throws<ShapeMismatchException>(() => Tensor.Concat([a, a, b], 0));
        Assert.Contains("Concat", ex.Message);
        Assert.Contains("tensor 2", ex.Message);
        Assert.Contains("[2, 4]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        using var r = Tensor.Zeros(2, 3, 1);
        Assert.Throws<ShapeMismatchException>(() => Tensor.Concat([a, r], 0));
        Assert.Throws<ArgumentException>(() => Tensor.Concat(Array.Empty<Tensor>(), 0));
        Assert.Throws<AxisOutOfRangeException>(() => Tensor.Concat([a, a], 2));
        var d = Tensor.Zeros(2, 3);
        d.Dispose();
        var de = Assert.Throws<TensorDisposedException>(() => Tensor.Concat([a, d], 0));
        Assert.Contains("Concat", de.Message);
    }

    [Fact]
    public void Stack_NewDimAnywhere()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3 });
        using var b = Tensor.FromArray(new float[] { 4, 5, 6 });
        using var s0 = Tensor.Stack([a, b], 0);
        TestUtil.AssertShape(s0, 2, 3);
        Ref.Equal([1, 2, 3, 4, 5, 6], s0);
        using var s1 = Tensor.Stack([a, b], -1);
        TestUtil.AssertShape(s1, 3, 2);
        Ref.Equal([1, 4, 2, 5, 3, 6], s1);
        using var c = Tensor.FromArray(new float[] { 1, 2 });
        var ex = Assert.Throws<ShapeMismatchException>(() => Tensor.Stack([a, c], 0));
        Assert.Contains("tensor 1", ex.Message);
    }

    [Fact]
    public void Split_BySize_ReturnsViewsSharingStorage()
    {
        using var x = Tensor.Arange(0, 10, 1, DType.F32).Reshape(5, 2);
        var parts = x.Split(2, 0);
        try
        {
            Assert.Equal(3, parts.Length);
            TestUtil.AssertShape(parts[0], 2, 2);
            TestUtil.AssertShape(parts[2], 1, 2);
            Ref.Equal([4, 5, 6, 7], parts[1]);
            Ref.Equal([8, 9], parts[2]);
            using var v = Tensor.Full(new Shape(1, 2), -1);
            parts[2].CopyFrom(v);
            Assert.Equal(-1f, x.ToArray<float>()[8]);
        }
        finally { foreach (var p in parts) p.Dispose(); }
    }

    [Fact]
    public void Split_BySizes_AndErrors()
    {
        using var x = Tensor.Arange(0, 6, 1, DType.F32).Reshape(1, 6);
        var parts = x.Split([1, 3, 2], 1);
        try
        {
            Ref.Equal([0], parts[0]);
            Ref.Equal([1, 2, 3], parts[1]);
            Ref.Equal([4, 5], parts[2]);
        }
        finally { foreach (var p in parts) p.Dispose(); }
        var ex = Assert.Throws<ShapeMismatchException>(() => x.Split([1, 2], 1));
        Assert.Contains("add up to 3", ex.Message);
        Assert.Throws<ArgumentException>(() => x.Split(0, 1));
    }

    [Theory]
    [InlineData(5, 3, new[] { 2, 2, 1 })]
    [InlineData(6, 4, new[] { 2, 2, 2 })]   // torch: ceil(6/4) = 2 → only 3 chunks
    [InlineData(6, 3, new[] { 2, 2, 2 })]
    [InlineData(2, 5, new[] { 1, 1 })]
    [InlineData(0, 3, new[] { 0, 0, 0 })]
    public void Chunk_FollowsTorchRule(int n, int chunks, int[] sizes)
    {
        using var x = Tensor.Arange(0, n, 1, DType.F32);
        var parts = x.Chunk(chunks);
        try
        {
            Assert.Equal(sizes, parts.Select(p => p.Size(0)).ToArray());
            var all = parts.SelectMany(p => p.ToArray<float>()).ToArray();
            Assert.Equal(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), all);
        }
        finally { foreach (var p in parts) p.Dispose(); }
    }

    [Fact]
    public void Repeat_HandValues_AndLeadingDims()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var r = x.Repeat(2, 3);
        TestUtil.AssertShape(r, 4, 6);
        Ref.Equal([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4], r);
        using var v = Tensor.FromArray(new int[] { 7, 8 });
        using var r2 = v.Repeat(2, 2);
        TestUtil.AssertShape(r2, 2, 4);
        Ref.Equal([7, 8, 7, 8, 7, 8, 7, 8], r2);
        using var t = x.T;
        using var rt = t.Repeat(1, 2);
        Ref.Equal([1, 3, 1, 3, 2, 4, 2, 4], rt);
        Assert.Throws<ShapeMismatchException>(() => x.Repeat(2));
    }

    [Fact]
    public void Tile_PadsRepeatsWithOnes()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var t = x.Tile(2);
        TestUtil.AssertShape(t, 2, 4);
        Ref.Equal([1, 2, 1, 2, 3, 4, 3, 4], t);
    }
}
