using DeepSeek.Backends.Cpu.Indexing;

namespace DeepSeek.Tests.Indexing;

public class GatherTests
{
    public static TheoryData<DType> DTypes() => Ref.AllDTypesData();

    [Fact]
    public void IndexSelect_HandValues()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        using var i = Tensor.FromArray(new long[] { 2, 0, 2 });
        using var r0 = x.IndexSelect(0, i);
        TestUtil.AssertShape(r0, 3, 2);
        Ref.Equal([5, 6, 1, 2, 5, 6], r0);
        using var j = Tensor.FromArray(new int[] { 1 });
        using var r1 = x.IndexSelect(-1, j);
        TestUtil.AssertShape(r1, 3, 1);
        Ref.Equal([2, 4, 6], r1);
    }

    [Theory]
    [InlineData(0, DType.I64)]
    [InlineData(1, DType.I32)]
    [InlineData(2, DType.I64)]
    public void IndexSelect_Random3d_NonContiguous_MatchesReference(int axis, DType idxType)
    {
        var g = new Generator(7);
        using var baseX = Tensor.RandN(new Shape(9, 10, 12), g);
        using var x = baseX.Permute(1, 0, 2);            // [10, 9, 12], non-contiguous
        using var xc = x.Contiguous();
        int n = x.Size(axis);
        using var bigIdx = Tensor.RandInt(0, n, new Shape(14), g, idxType);
        using var idx = bigIdx.Slice(0, 0, 14, 2);          // strided index, 7 entries
        using var r = x.IndexSelect(axis, idx);
        var expected = Ref.IndexSelect(xc.ToDoubleArray(), xc.Shape.ToArray(), axis, idx.ToDoubleArray());
        Ref.Equal(expected, r);
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void IndexSelect_AllDTypes_BlockPathEqualsGenericPath(DType dtype)
    {
        var v = Ref.Values(4 * 6 * 40, dtype, 3);
        using var x = Ref.Make(v, dtype, 4, 6, 40);  // inner block of 40 elements takes the memcpy path
        using var idx = Tensor.FromArray(new long[] { 5, 0, 3, 3, 1 });
        using var fast = Tensor.Empty(new Shape(4, 5, 40), dtype);
        using var slow = Tensor.Empty(new Shape(4, 5, 40), dtype);
        GatherKernels.IndexSelect(x, 1, idx, fast, allowBlocks: true);
        GatherKernels.IndexSelect(x, 1, idx, slow, allowBlocks: false);
        var expected = Ref.IndexSelect(v, [4, 6, 40], 1, [5, 0, 3, 3, 1]);
        Ref.Equal(expected, fast);
        Ref.Equal(expected, slow);
        using var viaOp = x.IndexSelect(1, idx);
        Ref.Equal(expected, viaOp);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(100)]
    public void IndexSelect_BadIndex_ThrowsNamingIndexAndRange(long bad)
    {
        using var x = Tensor.Zeros(3, 40);
        using var idx = Tensor.FromArray(new long[] { 0, bad, 1 });
        var ex = Assert.Throws<IndexOutOfRangeException>(() => x.IndexSelect(0, idx));
        Assert.Contains("IndexSelect", ex.Message);
        Assert.Contains(bad.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
        Assert.Contains("0 … 2", ex.Message);
        using var small = Tensor.Zeros(3, 2);  // generic path
        var ex2 = Assert.Throws<IndexOutOfRangeException>(() => small.IndexSelect(0, idx));
        Assert.Contains("IndexSelect", ex2.Message);
    }

    [Fact]
    public void IndexSelect_ArgumentErrors()
    {
        using var x = Tensor.Zeros(3, 2);
        using var f = Tensor.Zeros(2);
        Assert.Contains("i32 or i64", Assert.Throws<DTypeMismatchException>(() => x.IndexSelect(0, f)).Message);
        using var i2 = Tensor.Zeros(new Shape(1, 1), DType.I64);
        Assert.Throws<ShapeMismatchException>(() => x.IndexSelect(0, i2));
        using var i1 = Tensor.Zeros(new Shape(1), DType.I64);
        Assert.Throws<AxisOutOfRangeException>(() => x.IndexSelect(2, i1));
    }

    [Fact]
    public void Embedding_HandValues_2dIndices()
    {
        using var w = Tensor.FromArray(new float[] { 0, 1, 10, 11, 20, 21, 30, 31 }, 4, 2);
        using var idx = Tensor.FromArray(new int[] { 3, 0, 1, 1, 2, 3 }, 2, 3);
        using var e = Tensor.Embedding(idx, w);
        TestUtil.AssertShape(e, 2, 3, 2);
        Ref.Equal([30, 31, 0, 1, 10, 11, 10, 11, 20, 21, 30, 31], e);
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    [InlineData(DType.F64)]
    public void Embedding_RandomAndTransposedInputs_MatchReference(DType dtype)
    {
        var g = new Generator(11);
        using var wT = Tensor.RandN(new Shape(64, 50), g, dtype: dtype);
        using var w = wT.T;                      // [50, 64] non-contiguous weight
        using var wc = w.Contiguous();
        using var idxBase = Tensor.RandInt(0, 50, new Shape(6, 5), g);
        using var idx = idxBase.T;               // [5, 6] non-contiguous indices
        using var e = Tensor.Embedding(idx, w);
        TestUtil.AssertShape(e, 5, 6, 64);
        var expected = Ref.IndexSelect(wc.ToDoubleArray(), [50, 64], 0, idx.ToDoubleArray());
        Ref.Equal(expected, e);
        using var e2 = Tensor.Embedding(idx, wc);
        Ref.Equal(expected, e2);
    }

    [Fact]
    public void Embedding_BadIndex_NamesEmbedding()
    {
        using var w = Tensor.Zeros(5, 8);
        using var idx = Tensor.FromArray(new long[] { 1, 5 });
        var ex = Assert.Throws<IndexOutOfRangeException>(() => Tensor.Embedding(idx, w));
        Assert.StartsWith("Embedding", ex.Message);
        Assert.Contains("5", ex.Message);
        using var idxF = Tensor.Zeros(2);
        Assert.Throws<DTypeMismatchException>(() => Tensor.Embedding(idxF, w));
        using var w3 = Tensor.Zeros(2, 2, 2);
        Assert.Throws<ShapeMismatchException>(() => Tensor.Embedding(idx, w3));
    }

    [Fact]
    public void Gather_TorchDocExample()
    {
        // torch.gather(t, 1, [[0, 0], [1, 0]]) with t = [[1, 2], [3, 4]] → [[1, 1], [4, 3]]
        using var t = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var i = Tensor.FromArray(new long[] { 0, 0, 1, 0 }, 2, 2);
        using var r = t.Gather(1, i);
        Ref.Equal([1, 1, 4, 3], r);
        using var r0 = t.Gather(0, i);
        Ref.Equal([1, 2, 3, 2], r0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Gather_Random_NonContiguous_SmallerIndex_MatchesReference(int dim)
    {
        var g = new Generator(5);
        using var baseX = Tensor.RandN(new Shape(7, 6, 5), g);
        using var x = baseX.Transpose(0, 2);                   // [5, 6, 7]
        using var xc = x.Contiguous();
        int axis = dim < 0 ? dim + 3 : dim;
        var ishape = new[] { 4, 5, 6 };
        ishape[axis] = 9;                                      // larger than the input along the gather axis is fine
        using var idxBase = Tensor.RandInt(0, x.Size(axis), new Shape(ishape[2], ishape[1], ishape[0]), g, DType.I32);
        using var idx = idxBase.Permute(2, 1, 0);
        using var r = x.Gather(dim, idx);
        TestUtil.AssertShape(r, ishape);
        Ref.Equal(Ref.Gather(xc.ToDoubleArray(), [5, 6, 7], axis, idx.ToDoubleArray(), ishape), r);
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Gather_AllDTypes(DType dtype)
    {
        var v = Ref.Values(12, dtype, 9);
        using var x = Ref.Make(v, dtype, 3, 4);
        using var idx = Tensor.FromArray(new long[] { 3, 0, 1, 2, 2, 2 }, 3, 2);
        using var r = x.Gather(1, idx);
        Assert.Equal(dtype, r.DType);
        Ref.Equal(Ref.Gather(v, [3, 4], 1, [3, 0, 1, 2, 2, 2], [3, 2]), r);
    }

    [Fact]
    public void Gather_ExpandedIndex()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var col = Tensor.FromArray(new long[] { 2 }, 1, 1);
        using var ix = col.Expand(2, 4);
        using var r = x.Gather(1, ix);
        Ref.Equal([3, 3, 3, 3, 6, 6, 6, 6], r);
    }

    [Fact]
    public void Gather_Errors()
    {
        using var x = Tensor.Zeros(2, 3);
        using var bad = Tensor.FromArray(new long[] { 0, 3 }, 1, 2);
        var ex = Assert.Throws<IndexOutOfRangeException>(() => x.Gather(1, bad));
        Assert.Contains("Gather", ex.Message);
        Assert.Contains("index 3", ex.Message);
        Assert.Contains("size 3", ex.Message);
        using var tooWide = Tensor.Zeros(new Shape(3, 1), DType.I64);
        Assert.Contains("exceeds", Assert.Throws<ShapeMismatchException>(() => x.Gather(1, tooWide)).Message);
        using var rank1 = Tensor.Zeros(new Shape(2), DType.I64);
        Assert.Throws<ShapeMismatchException>(() => x.Gather(0, rank1));
    }
}
