using static DeepSeek.Graph.Tests.Ops.ShapeFamily.OneNode;

namespace DeepSeek.Graph.Tests.Ops.ShapeFamily;

public sealed class ShapeBuildTests
{
    [Fact]
    public void ConcatNegativeAxisAndTypeCheck()
    {
        using var a = F([1, 2, 3, 4], 2, 2);
        using var b = F([5, 6], 2, 1);
        using var y = Run1("Concat", 13, [a, b], A("axis", -1));
        Same([1, 2, 5, 3, 4, 6], [2, 3], y);
        using var c = Tensor.FromArray(new long[] { 5, 6 }, 2, 1);
        var ex = Assert.Throws<DTypeMismatchException>(() => Run1("Concat", 13, [a, c], A("axis", 1)));
        Assert.Contains("Concat", ex.Message);
    }

    [Fact]
    public void SplitByInputAttributeAndNumOutputsWithUnevenLastChunk()
    {
        using var x = Seq(7, 7);
        using var s = L(2, 5);
        var p = OneNode.Run("Split", 13, [x, s], outputs: 2);
        Same([0, 1], [2], p[0]);
        Same([2, 3, 4, 5, 6], [5], p[1]);
        var q = OneNode.Run("Split", 18, [x], [A("num_outputs", 3)], outputs: 3);
        Same([0, 1, 2], [3], q[0]);
        Same([6], [1], q[2]);
        var r = OneNode.Run("Split", 11, [x], [A("split", new long[] { 3, 4 })], outputs: 2);
        Same([3, 4, 5, 6], [4], r[1]);
        Assert.Throws<ShapeMismatchException>(() => OneNode.Run("Split", 13, [x], outputs: 2));
        foreach (var t in p.Concat(q).Concat(r)) t.Dispose();
    }

    [Fact]
    public void TileTriluConstantOfShapeRange()
    {
        using var x = F([1, 2, 3, 4], 2, 2);
        using var reps = L(1, 2);
        using var t = Run1("Tile", 13, [x, reps]);
        Same([1, 2, 1, 2, 3, 4, 3, 4], [2, 4], t);

        using var m = Seq(9, 3, 3);
        using var k = Tensor.Scalar(-1, DType.I64);
        using var lo = Run1("Trilu", 14, [m, k], A("upper", 0));
        Same([0, 0, 0, 3, 0, 0, 6, 7, 0], [3, 3], lo);
        using var up = Run1("Trilu", 14, [m]);
        Same([0, 1, 2, 0, 4, 5, 0, 0, 8], [3, 3], up);

        using var shape = L(2, 3);
        using var c0 = Run1("ConstantOfShape", 9, [shape]);
        Same(new float[6], [2, 3], c0);
        using var v = Tensor.FromArray(new long[] { long.MaxValue });
        using var c1 = Run1("ConstantOfShape", 9, [shape], ("value", AttributeValue.Of(v.Clone())));
        Assert.All(c1.ToArray<long>(), e => Assert.Equal(long.MaxValue, e));

        using (var s = Tensor.Scalar(10, DType.I32))
        using (var l = Tensor.Scalar(2, DType.I32))
        using (var d = Tensor.Scalar(-3, DType.I32))
        using (var rg = Run1("Range", 11, [s, l, d]))
        {
            Assert.Equal(DType.I32, rg.DType);
            Assert.Equal(new[] { 10, 7, 4 }, rg.ToArray<int>());
        }
        using (var s = Tensor.Scalar(1))
        using (var l = Tensor.Scalar(2))
        using (var d = Tensor.Scalar(0.25))
        using (var rg = Run1("Range", 11, [s, l, d]))
            Same([1, 1.25f, 1.5f, 1.75f], [4], rg);
    }

    [Fact]
    public void EyeLikeOneHotWithNegativeIndices()
    {
        using var z = Tensor.Zeros(new DeepSeek.Shape(3, 4), DType.I32);
        using var e = Run1("EyeLike", 9, [z], A("k", 1), A("dtype", 1L));
        Same([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [3, 4], e);

        using var idx = L(1, -1, 5);
        using var depth = Tensor.Scalar(3);
        using var vals = F([-2, 7], 2);
        using var oh = Run1("OneHot", 11, [idx, depth, vals]);
        Same([-2, 7, -2, -2, -2, 7, -2, -2, -2], [3, 3], oh);
        using var oh0 = Run1("OneHot", 11, [idx, depth, vals], A("axis", 0));
        Same([-2, -2, -2, 7, -2, -2, -2, 7, -2], [3, 3], oh0);
    }

    [Fact]
    public void DepthToSpaceModesAndSpaceToDepthRoundTrip()
    {
        using var x = Seq(16, 1, 4, 2, 2);
        // DCR: out[0,0,h*2+i,w*2+j] = x[0, (i*2+j)*1 + 0, h, w]
        using var dcr = Run1("DepthToSpace", 13, [x], A("blocksize", 2));
        Assert.Equal(new[] { 1, 1, 4, 4 }, dcr.Shape.ToArray());
        var d = dcr.ToArray<float>();
        for (int h = 0; h < 2; h++) for (int i = 0; i < 2; i++) for (int w = 0; w < 2; w++) for (int j = 0; j < 2; j++)
            Assert.Equal((i * 2 + j) * 4 + h * 2 + w, d[(h * 2 + i) * 4 + w * 2 + j]);
        using var x2 = Seq(16, 1, 4, 2, 2);
        using var crd = Run1("DepthToSpace", 13, [x2], A("blocksize", 2), A("mode", "CRD"));
        Assert.Equal(d, crd.ToArray<float>()); // one output channel: CRD and DCR agree
        using var back = Run1("SpaceToDepth", 13, [dcr], A("blocksize", 2));
        Assert.Equal(x.ToArray<float>(), back.ToArray<float>());
        Assert.Throws<ShapeMismatchException>(() => Run1("DepthToSpace", 13, [x], A("blocksize", 3)));
    }
}
