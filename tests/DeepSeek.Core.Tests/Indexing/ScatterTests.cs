using DeepSeek.Backends.Cpu.Indexing;

namespace DeepSeek.Tests.Indexing;

public class ScatterTests
{
    [Fact]
    public void ScatterAdd_HandValues_DuplicatesAccumulate()
    {
        using var self = Tensor.Zeros(3, 3);
        using var src = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var idx = Tensor.FromArray(new long[] { 0, 1, 2, 0, 0, 0 }, 2, 3);
        using var r = self.ScatterAdd(0, idx, src);
        // column j: src[0,j] goes to row idx[0,j], src[1,j] to row 0
        Ref.Equal([1 + 4, 5, 6, 0, 2, 0, 0, 0, 3], r);
        Ref.Equal(new double[9], self);   // out of place
    }

    public static TheoryData<DType> NumericDTypes() =>
        new() { DType.F32, DType.F64, DType.F16, DType.BF16, DType.I8, DType.U8, DType.I16, DType.I32, DType.I64 };

    [Theory]
    [MemberData(nameof(NumericDTypes))]
    public void ScatterAdd_Random_AllNumericDTypes(DType dtype)
    {
        var g = new Generator(3);
        var sv = Ref.Values(4 * 5, dtype, 1).Select(v => v % 5).ToArray();
        var xv = Ref.Values(3 * 5, dtype, 2).Select(v => v % 5).ToArray();
        using var x = Ref.Make(xv, dtype, 3, 5);
        using var srcBig = Ref.Make(sv, dtype, 4, 5);
        using var idx = Tensor.RandInt(0, 3, new Shape(4, 4), g);     // index smaller than src along dim 1
        using var r = x.ScatterAdd(0, idx, srcBig);
        Assert.Equal(dtype, r.DType);
        Ref.Equal(Ref.ScatterAdd(xv, [3, 5], 0, idx.ToDoubleArray(), [4, 4], sv, [4, 5]), r);
    }

    [Fact]
    public void ScatterAdd_NonContiguousOperands_LastDim()
    {
        var g = new Generator(17);
        using var xb = Tensor.RandN(new Shape(8, 6), g, dtype: DType.F64);
        using var x = xb.T;                                        // [6, 8]
        using var sb = Tensor.RandN(new Shape(10, 6), g, dtype: DType.F64);
        using var s = sb.T;                                        // [6, 10]
        using var ib = Tensor.RandInt(0, 8, new Shape(20, 6), g, DType.I32);
        using var idx = ib.Slice(0, 0, 20, 2).T;                   // [6, 10], strided
        using var r = x.ScatterAdd(-1, idx, s);
        using var xc = x.Contiguous();
        using var sc = s.Contiguous();
        Ref.Equal(Ref.ScatterAdd(xc.ToDoubleArray(), [6, 8], 1, idx.ToDoubleArray(), [6, 10], sc.ToDoubleArray(), [6, 10]), r);
    }

    [Fact]
    public void ScatterAdd_Errors()
    {
        using var x = Tensor.Zeros(2, 2);
        using var s = Tensor.Ones(2, 2);
        using var bad = Tensor.FromArray(new long[] { 0, 2, 1, 1 }, 2, 2);
        var ex = Assert.Throws<IndexOutOfRangeException>(() => x.ScatterAdd(0, bad, s));
        Assert.Contains("ScatterAdd", ex.Message);
        Assert.Contains("index 2", ex.Message);
        using var sd = Tensor.Ones(new Shape(2, 2), DType.F64);
        using var ok = Tensor.Zeros(new Shape(2, 2), DType.I64);
        Assert.Throws<DTypeMismatchException>(() => x.ScatterAdd(0, ok, sd));
        using var b = Tensor.Zeros(new Shape(2, 2), DType.Bool);
        using var bs = Tensor.Zeros(new Shape(2, 2), DType.Bool);
        Assert.Throws<DTypeMismatchException>(() => b.ScatterAdd(0, ok, bs));
        using var big = Tensor.Zeros(new Shape(3, 2), DType.I64);
        Assert.Throws<ShapeMismatchException>(() => x.ScatterAdd(0, big, s));
    }

    [Fact]
    public void IndexAdd_HandValues()
    {
        using var x = Tensor.Ones(3, 2);
        using var src = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        using var idx = Tensor.FromArray(new int[] { 2, 0, 2 });
        using var r = x.IndexAdd(0, idx, src);
        Ref.Equal([1 + 3, 1 + 4, 1, 1, 1 + 1 + 5, 1 + 2 + 6], r);
        using var idx1 = Tensor.FromArray(new long[] { 1, 1 });
        using var s1 = Tensor.FromArray(new float[] { 10, 20, 30, 40, 50, 60 }, 3, 2);
        using var r1 = x.IndexAdd(1, idx1, s1);
        Ref.Equal([1, 31, 1, 71, 1, 111], r1);
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    [InlineData(DType.I16)]
    public void IndexAdd_BlockPathEqualsGenericPath_EmbeddingBackward(DType dtype)
    {
        // grad_weight[num, dim] += grad_out[n, dim] at rows idx[n]: the embedding backward.
        var g = new Generator(21);
        int num = 13, dim = 48, n = 40;
        var gv = Ref.Values(n * dim, dtype, 4).Select(v => v - 50).ToArray();
        using var grad = Ref.Make(gv, dtype, n, dim);
        using var acc = Tensor.Zeros(new Shape(num, dim), dtype);
        using var idx = Tensor.RandInt(0, num, new Shape(n), g);
        using var fast = acc.Clone();
        using var slow = acc.Clone();
        ScatterKernels.IndexAdd(fast, 0, idx, grad, allowBlocks: true);
        ScatterKernels.IndexAdd(slow, 0, idx, grad, allowBlocks: false);
        var iv = idx.ToDoubleArray();
        var expected = new double[num * dim];
        for (int k = 0; k < n; k++)
            for (int c = 0; c < dim; c++) expected[(int)iv[k] * dim + c] += gv[k * dim + c];
        Ref.Equal(expected, fast);
        Ref.Equal(expected, slow);
        using var viaOp = acc.IndexAdd(0, idx, grad);
        Ref.Equal(expected, viaOp);
    }

    [Fact]
    public void IndexAdd_BF16_AccumulatesInF32_AndNonContiguousSource()
    {
        using var x = Tensor.Zeros(new Shape(2, 3), DType.BF16);
        using var sb = Tensor.FromDoubles([1, 2, 3, 4, 5, 6], new Shape(3, 2), DType.BF16);
        using var s = sb.T;  // [2, 3] = 1 3 5 / 2 4 6
        using var idx = Tensor.FromArray(new long[] { 0, 0, 2 });
        using var r = x.IndexAdd(1, idx, s);
        Assert.Equal(DType.BF16, r.DType);
        Ref.Equal([4, 0, 5, 6, 0, 6], r);
    }

    [Fact]
    public void IndexAdd_Errors()
    {
        using var x = Tensor.Zeros(3, 2);
        using var s = Tensor.Ones(2, 2);
        using var bad = Tensor.FromArray(new long[] { 0, -1 });
        var ex = Assert.Throws<IndexOutOfRangeException>(() => x.IndexAdd(0, bad, s));
        Assert.Contains("IndexAdd", ex.Message);
        Assert.Contains("-1", ex.Message);
        using var idx3 = Tensor.FromArray(new long[] { 0, 1, 2 });
        var se = Assert.Throws<ShapeMismatchException>(() => x.IndexAdd(0, idx3, s));
        Assert.Contains("[3, 2]", se.Message);
    }
}
