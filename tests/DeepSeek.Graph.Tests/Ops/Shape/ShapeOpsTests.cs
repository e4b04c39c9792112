using static DeepSeek.Graph.Tests.Ops.ShapeFamily.OneNode;

namespace DeepSeek.Graph.Tests.Ops.ShapeFamily;

public sealed class ShapeOpsTests
{
    [Fact]
    public void ReshapeZeroCopiesAndMinusOneInfers()
    {
        using var x = Seq(24, 2, 3, 4);
        using var s = L(0, -1, 2);
        using var y = Run1("Reshape", 13, [x, s]);
        Same(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), [2, 6, 2], y);
    }

    [Fact]
    public void ReshapeAllowZeroKeepsZeroAndRejectsMinusOneWithZero()
    {
        using var x = Tensor.Zeros(new DeepSeek.Shape(0, 3), DType.F32);
        using var s = L(3, 0);
        using var y = Run1("Reshape", 14, [x, s], A("allowzero", 1));
        Assert.Equal(new[] { 3, 0 }, y.Shape.ToArray());
        using var bad = L(-1, 0);
        Assert.Throws<ShapeMismatchException>(() => Run1("Reshape", 14, [x, bad], A("allowzero", 1)));
        using var x2 = Seq(6, 2, 3);
        using var wrong = L(4, 2);
        var ex = Assert.Throws<ShapeMismatchException>(() => Run1("Reshape", 13, [x2, wrong]));
        Assert.Contains("Reshape", ex.Message);
    }

    [Fact]
    public void TransposeDefaultReversesAndPermMoves()
    {
        using var x = Seq(6, 2, 3);
        using var y = Run1("Transpose", 13, [x]);
        Same([0, 3, 1, 4, 2, 5], [3, 2], y);
        using var x3 = Seq(24, 2, 3, 4);
        using var z = Run1("Transpose", 13, [x3], A("perm", new long[] { 1, 2, 0 }));
        Assert.Equal(new[] { 3, 4, 2 }, z.Shape.ToArray());
        var zd = z.ToArray<float>();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) for (int k = 0; k < 2; k++)
            Assert.Equal(k * 12 + i * 4 + j, zd[(i * 4 + j) * 2 + k]);
        Assert.Throws<ArgumentException>(() => Run1("Transpose", 13, [x3], A("perm", new long[] { 0, 0, 1 })));
    }

    [Fact]
    public void FlattenAxes()
    {
        using var x = Seq(24, 2, 3, 4);
        using var a = Run1("Flatten", 13, [x], A("axis", 2));
        Assert.Equal(new[] { 6, 4 }, a.Shape.ToArray());
        using var b = Run1("Flatten", 13, [x], A("axis", 0));
        Assert.Equal(new[] { 1, 24 }, b.Shape.ToArray());
        using var c = Run1("Flatten", 13, [x], A("axis", -1));
        Assert.Equal(new[] { 6, 4 }, c.Shape.ToArray());
        Assert.Throws<AxisOutOfRangeException>(() => Run1("Flatten", 13, [x], A("axis", 4)));
    }

    [Fact]
    public void SqueezeAndUnsqueezeAttributeAndInputForms()
    {
        using var x = Seq(6, 1, 3, 1, 2);
        using var a = Run1("Squeeze", 11, [x], A("axes", new long[] { -2 }));
        Assert.Equal(new[] { 1, 3, 2 }, a.Shape.ToArray());
        using var ax = L(0, 2);
        using var b = Run1("Squeeze", 13, [x, ax]);
        Assert.Equal(new[] { 3, 2 }, b.Shape.ToArray());
        using var c = Run1("Squeeze", 13, [x]);
        Assert.Equal(new[] { 3, 2 }, c.Shape.ToArray());
        using var bad = L(1);
        Assert.Throws<ShapeMismatchException>(() => Run1("Squeeze", 13, [x, bad]));

        using var v = Seq(6, 3, 2);
        using var u = L(-1, 0);
        using var d = Run1("Unsqueeze", 13, [v, u]);
        Assert.Equal(new[] { 1, 3, 2, 1 }, d.Shape.ToArray());
        using var e = Run1("Unsqueeze", 1, [v], A("axes", new long[] { 1 }));
        Assert.Equal(new[] { 3, 1, 2 }, e.Shape.ToArray());
        Same([0, 1, 2, 3, 4, 5], [3, 1, 2], e);
    }

    [Fact]
    public void ExpandIsBidirectional()
    {
        using var x = F([1, 2, 3], 3, 1);
        using var s = L(2, 1, 4);
        using var y = Run1("Expand", 13, [x, s]);
        Assert.Equal(new[] { 2, 3, 4 }, y.Shape.ToArray());
        var d = y.ToArray<float>();
        for (int i = 0; i < 24; i++) Assert.Equal(i / 4 % 3 + 1, d[i]);
        using var bad = L(2, 2);
        Assert.Throws<ShapeMismatchException>(() => Run1("Expand", 13, [x, bad]));
    }

    [Fact]
    public void ShapeStartEndAndSize()
    {
        using var x = Tensor.Zeros(2, 3, 4, 5);
        using var a = Run1("Shape", 13, [x]);
        Assert.Equal(new long[] { 2, 3, 4, 5 }, a.ToArray<long>());
        using var b = Run1("Shape", 15, [x], A("start", -3), A("end", -1));
        Assert.Equal(new long[] { 3, 4 }, b.ToArray<long>());
        using var c = Run1("Shape", 15, [x], A("start", 10));
        Assert.Equal(new[] { 0 }, c.Shape.ToArray());
        using var s = Run1("Size", 13, [x]);
        Assert.Equal(0, s.Rank);
        Assert.Equal(120L, s.Item<long>());
    }
}
