namespace DeepSeek.Tests.Core;

public class ViewTests
{
    private static Tensor Iota(params int[] shape)
    {
        long n = new Shape(shape).Numel;
        using var a = Tensor.Arange(0, n, 1, DType.F32);
        return a.Reshape(shape);
    }

    [Fact]
    public void Reshape_ViewWhenPossible_CopyAfterTranspose()
    {
        using var x = Iota(2, 3, 4);
        using var r = x.Reshape(6, -1);
        TestUtil.AssertShape(r, 6, 4);
        Assert.Same(x.Storage, r.Storage);
        using var t = x.Transpose(1, 2);            // [2, 4, 3]
        Assert.False(t.IsContiguous);
        using var tr = t.Reshape(-1);
        Assert.NotSame(x.Storage, tr.Storage);
        Assert.Equal(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, tr.ToArray<float>()[..12]);
        using var merged = t.Reshape(2, 12);
        TestUtil.AssertShape(merged, 2, 12);
        using var split = t.Reshape(2, 4, 3, 1);     // splitting/adding 1s keeps a view even when transposed
        Assert.Same(x.Storage, split.Storage);
        Assert.Throws<ShapeMismatchException>(() => x.Reshape(5, -1));
        Assert.Throws<ShapeMismatchException>(() => x.Reshape(-1, -1));
        Assert.Throws<ShapeMismatchException>(() => x.Reshape(7, 3));
    }

    [Fact]
    public void ViewAs_FailsWithMessageWhenCopyNeeded()
    {
        using var x = Iota(2, 3);
        using var v = x.ViewAs(3, 2);
        Assert.Same(x.Storage, v.Storage);
        using var t = x.T;
        var ex = Assert.Throws<ShapeMismatchException>(() => t.ViewAs(6));
        Assert.Contains("View", ex.Message);
        Assert.Contains("[3, 2]", ex.Message);
        Assert.Contains("Reshape", ex.Message);
    }

    [Fact]
    public void Transpose_Permute_T()
    {
        using var x = Iota(2, 3, 4);
        using var p = x.Permute(2, 0, 1);
        TestUtil.AssertShape(p, 4, 2, 3);
        Assert.Equal([1L, 12, 4], p.Strides.ToArray());
        Assert.Equal(new float[] { 0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21 }, p.ToArray<float>()[..12]);
        using var tt = x.Transpose(-1, 0);
        TestUtil.AssertShape(tt, 4, 3, 2);
        using var m = Iota(2, 3);
        using var mt = m.T;
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, mt.ToArray<float>());
        Assert.Throws<ShapeMismatchException>(() => x.T);
        Assert.Throws<ShapeMismatchException>(() => x.Permute(0, 0, 1));
        Assert.Throws<ShapeMismatchException>(() => x.Permute(0, 1));
    }

    [Fact]
    public void Slice_WithStepAndNegativeBounds_Narrow_Select()
    {
        using var x = Iota(10);
        using var a = x.Slice(0, 1, 8, 3);
        Assert.Equal(new float[] { 1, 4, 7 }, a.ToArray<float>());
        using var b = x.Slice(0, -4, -1);
        Assert.Equal(new float[] { 6, 7, 8 }, b.ToArray<float>());
        using var c = x.Slice(0, -100, 100, 4);        // clamped like Python
        Assert.Equal(new float[] { 0, 4, 8 }, c.ToArray<float>());
        using var e = x.Slice(0, 7, 2);
        Assert.Equal(0, e.Numel);
        Assert.Throws<ArgumentException>(() => x.Slice(0, 0, 5, 0));
        using var n = x.Narrow(0, -3, 2);
        Assert.Equal(new float[] { 7, 8 }, n.ToArray<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Narrow(0, 8, 3));
        using var m = Iota(3, 4);
        using var s = m.Select(1, -1);
        Assert.Equal(new float[] { 3, 7, 11 }, s.ToArray<float>());
        var ex = Assert.Throws<IndexOutOfRangeException>(() => m.Select(0, 3));
        Assert.Contains("Select", ex.Message);
        Assert.Contains("size 3", ex.Message);
    }

    [Fact]
    public void Expand_BroadcastTo()
    {
        using var col = Tensor.FromArray(new float[] { 1, 2 }, 2, 1);
        using var e = col.Expand(2, 3);
        Assert.Equal([1L, 0], e.Strides.ToArray());
        Assert.Equal(new float[] { 1, 1, 1, 2, 2, 2 }, e.ToArray<float>());
        using var e2 = col.Expand(4, -1, 2);
        TestUtil.AssertShape(e2, 4, 2, 2);
        Assert.Equal(0, e2.Strides[0]);
        using var b = col.BroadcastTo(new Shape(3, 2, 5));
        TestUtil.AssertShape(b, 3, 2, 5);
        var ex = Assert.Throws<ShapeMismatchException>(() => col.Expand(3, 3));
        Assert.Contains("Expand", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => col.Expand(3));
    }

    [Fact]
    public void Expand_NegativeTarget_Throws()
    {
        using var col = Tensor.FromArray(new float[] { 1, 2 }, 2, 1);
        Assert.Throws<ShapeMismatchException>(() => col.Expand(2, -2));
    }

    [Fact]
    public void Transpose_OnScalar_ReturnsScalar()
    {
        using var s = Tensor.Scalar(4);
        using var t = s.Transpose(0, 0);
        Assert.Equal(4f, t.Item<float>());
    }

    [Fact]
    public void Squeeze_Unsqueeze_Flatten()
    {
        using var x = Iota(1, 3, 1, 2);
        using var s = x.Squeeze();
        TestUtil.AssertShape(s, 3, 2);
        using var s2 = x.Squeeze(2);
        TestUtil.AssertShape(s2, 1, 3, 2);
        using var s3 = x.Squeeze(1);
        TestUtil.AssertShape(s3, 1, 3, 1, 2);
        using var u = s.Unsqueeze(-1);
        TestUtil.AssertShape(u, 3, 2, 1);
        using var u0 = s.Unsqueeze(0);
        TestUtil.AssertShape(u0, 1, 3, 2);
        Assert.Equal(s.ToArray<float>(), u0.ToArray<float>());
        using var f = x.Flatten();
        TestUtil.AssertShape(f, 6);
        using var f2 = Iota(2, 3, 4).Flatten(1);
        TestUtil.AssertShape(f2, 2, 12);
        using var sc = Tensor.Scalar(5);
        using var fs = sc.Flatten();
        TestUtil.AssertShape(fs, 1);
        Assert.Throws<AxisOutOfRangeException>(() => x.Flatten(2, 1));
    }

    [Fact]
    public void Contiguous_Clone_CopyFrom_ShareOrNot()
    {
        using var x = Iota(2, 3);
        using var c = x.Contiguous();
        Assert.Same(x.Storage, c.Storage);
        using var t = x.T;
        using var tc = t.Contiguous();
        Assert.NotSame(x.Storage, tc.Storage);
        Assert.True(tc.IsContiguous);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, tc.ToArray<float>());
        using var cl = x.Clone();
        Assert.NotSame(x.Storage, cl.Storage);

        // Writing through CopyFrom into a view changes the base.
        using var col = x.Select(1, 1);                 // [1, 4]
        using var v = Tensor.FromArray(new float[] { -1, -2 });
        col.CopyFrom(v);
        Assert.Equal(new float[] { 0, -1, 2, 3, -2, 5 }, x.ToArray<float>());
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, cl.ToArray<float>());
        using var row = x.Select(0, 0);
        using var nine = Tensor.Scalar(9);
        row.CopyFrom(nine);                                // broadcast source
        Assert.Equal(new float[] { 9, 9, 9, 3, -2, 5 }, x.ToArray<float>());
        using var tv = x.T;                                // write through a transposed view
        using var src = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        tv.CopyFrom(src);
        Assert.Equal(new float[] { 1, 3, 5, 2, 4, 6 }, x.ToArray<float>());
        using var d = Tensor.Zeros(new Shape(2, 3), DType.F64);
        Assert.Throws<DTypeMismatchException>(() => x.CopyFrom(d));
    }

    [Fact]
    public void Indexer_IntsRangesHatEllipsisNewAxis()
    {
        using var x = Iota(2, 3, 4);
        using var a = x[1];
        TestUtil.AssertShape(a, 3, 4);
        Assert.Equal(12f, a.ToArray<float>()[0]);
        using var b = x[0, 1..];
        TestUtil.AssertShape(b, 2, 4);
        Assert.Equal(new float[] { 4, 5, 6, 7, 8, 9, 10, 11 }, b.ToArray<float>());
        using var c = x[-1, -1, ^1..][TensorIndex.Ellipsis, 0];
        Assert.Equal(0, c.Rank);
        Assert.Equal(23f, c.Item<float>());
        using var c2 = x[^1, ^2, ^1];   // bare System.Index from the end
        Assert.Equal(19f, c2.Item<float>());
        using var d = x[TensorIndex.Ellipsis, 1];
        TestUtil.AssertShape(d, 2, 3);
        Assert.Equal(new float[] { 1, 5, 9, 13, 17, 21 }, d.ToArray<float>());
        using var e = x[0, TensorIndex.Ellipsis, 2];
        Assert.Equal(new float[] { 2, 6, 10 }, e.ToArray<float>());
        using var f = x[TensorIndex.NewAxis, 1, ..2];
        TestUtil.AssertShape(f, 1, 2, 4);
        Assert.Equal(new float[] { 12, 13, 14, 15, 16, 17, 18, 19 }, f.ToArray<float>());
        using var g = x[.., TensorIndex.NewAxis, 1..^1, -1];
        TestUtil.AssertShape(g, 2, 1, 1);
        Assert.Equal(new float[] { 7, 19 }, g.ToArray<float>());
        using var h = x[1, 2, 3];
        Assert.Equal(23f, h.Item<float>());
        Assert.Same(x.Storage, h.Storage);
        Assert.Throws<IndexOutOfRangeException>(() => x[0, 0, 0, 0]);
        Assert.Throws<IndexOutOfRangeException>(() => x[2]);
        Assert.Throws<ArgumentException>(() => x[TensorIndex.Ellipsis, TensorIndex.Ellipsis]);

        // writing through an indexed view changes the base
        using var slot = x[1, 2];
        using var z = Tensor.Zeros(4);
        slot.CopyFrom(z);
        Assert.Equal(new float[] { 0, 0, 0, 0 }, x.ToArray<float>()[20..24]);
    }
}
