using static DeepSeek.Graph.Tests.Ops.ShapeFamily.OneNode;

namespace DeepSeek.Graph.Tests.Ops.ShapeFamily;

public sealed class ShapeIndexTests
{
    private static float[] Naive(int rows, int cols, Func<int, int, bool> keepRow, IEnumerable<int> rowOrder, IEnumerable<int> colOrder) =>
        rowOrder.SelectMany(r => colOrder.Select(c => (float)(r * cols + c))).ToArray();

    [Fact]
    public void SliceNegativeStepsAndClamping()
    {
        using var x = Seq(20, 4, 5);
        using var st = L(-1, long.MaxValue);
        using var en = L(long.MinValue, 0);
        using var ax = L(0, 1);
        using var sp = L(-2, -2);
        using var y = Run1("Slice", 13, [x, st, en, ax, sp]);
        // rows 3, 1; cols 4, 2 (col 0 excluded by end 0)
        Same(Naive(4, 5, null!, [3, 1], [4, 2]), [2, 2], y);

        using var st2 = L(1);
        using var en2 = L(1000);
        using var ax2 = L(-1);
        using var y2 = Run1("Slice", 13, [x, st2, en2, ax2]);
        Same(Naive(4, 5, null!, [0, 1, 2, 3], [1, 2, 3, 4]), [4, 4], y2);

        using var y1 = Run1("Slice", 1, [x], A("starts", new long[] { 0, 1 }), A("ends", new long[] { 2, -1 }));
        Same(Naive(4, 5, null!, [0, 1], [1, 2, 3]), [2, 3], y1);
        using var empty = Run1("Slice", 13, [x, en2, en2, ax2]);
        Assert.Equal(new[] { 4, 0 }, empty.Shape.ToArray());
    }

    [Fact]
    public void GatherWrapsNegativeIndicesAndKeepsIndexShape()
    {
        using var x = Seq(12, 3, 4);
        using var i = Tensor.FromArray(new long[] { -1, 0, 2, 1 }, 2, 2);
        using var y = Run1("Gather", 13, [x, i], A("axis", 1));
        Assert.Equal(new[] { 3, 2, 2 }, y.Shape.ToArray());
        var d = y.ToArray<float>();
        long[] cols = [3, 0, 2, 1];
        for (int r = 0; r < 3; r++) for (int k = 0; k < 4; k++) Assert.Equal(r * 4 + cols[k], d[r * 4 + k]);
        using var s = Tensor.Scalar(-3, DType.I64);
        using var row = Run1("Gather", 13, [x, s]);
        Same([0, 1, 2, 3], [4], row);
        using var bad = L(4);
        var ex = Assert.Throws<IndexOutOfRangeException>(() => Run1("Gather", 13, [x, bad], A("axis", 1)));
        Assert.Contains("Gather", ex.Message);
    }

    [Fact]
    public void GatherElementsAndGatherNDWithBatchDims()
    {
        using var x = F([1, 2, 3, 4], 2, 2);
        using var i = Tensor.FromArray(new long[] { 0, 0, -1, 0 }, 2, 2);
        using var ge = Run1("GatherElements", 13, [x, i], A("axis", 1));
        Same([1, 1, 4, 3], [2, 2], ge);

        using var d = Seq(8, 2, 2, 2);
        using var ind = Tensor.FromArray(new long[] { 0, 1, 1, 0 }, 2, 2);
        using var g0 = Run1("GatherND", 13, [d, ind]);
        Same([2, 3, 4, 5], [2, 2], g0);
        using var ind1 = Tensor.FromArray(new long[] { 1, -2 }, 2, 1);
        using var g1 = Run1("GatherND", 13, [d, ind1], A("batch_dims", 1));
        // batch 0 takes d[0][1] = [2,3]; batch 1 takes d[1][0] = [4,5]
        Same([2, 3, 4, 5], [2, 2], g1);
    }

    [Fact]
    public void CompressAndNonZero()
    {
        using var x = Seq(6, 3, 2);
        using var c = Tensor.FromArray(new[] { false, true, true });
        using var y = Run1("Compress", 11, [x, c], A("axis", 0));
        Same([2, 3, 4, 5], [2, 2], y);
        using var c2 = Tensor.FromArray(new[] { false, true, false, false, true });
        using var y2 = Run1("Compress", 11, [x, c2]);
        Same([1, 4], [2], y2);

        using var b = F([1, 0, 0, -2, 0, 3], 2, 3);
        using var nz = Run1("NonZero", 13, [b]);
        Assert.Equal(new[] { 2, 3 }, nz.Shape.ToArray());
        Assert.Equal(new long[] { 0, 1, 1, 0, 0, 2 }, nz.ToArray<long>());
    }
}
