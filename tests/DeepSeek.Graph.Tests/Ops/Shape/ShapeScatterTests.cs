using static DeepSeek.Graph.Tests.Ops.ShapeFamily.OneNode;

namespace DeepSeek.Graph.Tests.Ops.ShapeFamily;

public sealed class ShapeScatterTests
{
    [Fact]
    public void ScatterElementsReductionsAndNegativeIndices()
    {
        using var d = F([1, 2, 3, 4, 5], 1, 5);
        using var i = Tensor.FromArray(new long[] { 1, -2, 1 }, 1, 3);
        using var u = F([10, 20, 30], 1, 3);
        using var none = Run1("ScatterElements", 18, [d, i, u], A("axis", 1));
        Same([1, 30, 3, 20, 5], [1, 5], none);
        using var add = Run1("ScatterElements", 18, [d, i, u], A("axis", 1), A("reduction", "add"));
        Same([1, 42, 3, 24, 5], [1, 5], add);
        using var mul = Run1("ScatterElements", 18, [d, i, u], A("axis", 1), A("reduction", "mul"));
        Same([1, 600, 3, 80, 5], [1, 5], mul);
        using var mx = Run1("ScatterElements", 18, [d, i, u], A("axis", 1), A("reduction", "min"));
        Same([1, 2, 3, 4, 5], [1, 5], mx);
        using var old = Run1("Scatter", 9, [d, i, u], A("axis", 1));
        Same([1, 30, 3, 20, 5], [1, 5], old);
        Assert.Throws<ArgumentException>(() => Run1("ScatterElements", 16, [d, i, u], A("reduction", "max")));

        using var di = Tensor.FromArray(new long[] { long.MaxValue - 1, 7 });
        using var ii = L(0);
        using var ui = Tensor.FromArray(new long[] { 1 });
        using var ai = Run1("ScatterElements", 18, [di, ii, ui], A("reduction", "add"));
        Assert.Equal(new[] { long.MaxValue, 7 }, ai.ToArray<long>());
    }

    [Fact]
    public void ScatterNDSlicesAndReduction()
    {
        using var d = Seq(8, 2, 2, 2);
        using var i = Tensor.FromArray(new long[] { 1, 0 }, 2, 1);
        using var u = F([10, 11, 12, 13, 20, 21, 22, 23], 2, 2, 2);
        using var y = Run1("ScatterND", 13, [d, i, u]);
        Same([20, 21, 22, 23, 10, 11, 12, 13], [2, 2, 2], y);
        using var i2 = Tensor.FromArray(new long[] { 0, 1, 1, 0, 1, 1 }, 3, 2);
        using var u2 = F([1, 1, 2, 2, 3, 3], 3, 2);
        using var y2 = Run1("ScatterND", 18, [d, i2, u2], A("reduction", "mul"));
        Same(new float[] { 0, 1, 2, 3, 4, 5, 6, 7 }.Select((v, k) => k is 2 or 3 ? v * 1f : k is 4 or 5 ? v * 2f : k is 6 or 7 ? v * 3f : v).ToArray(), [2, 2, 2], y2);
        using var badU = F([1, 2], 2);
        Assert.Throws<ShapeMismatchException>(() => Run1("ScatterND", 13, [d, i, badU]));
    }

    [Fact]
    public void PadModesAttributeAndInputForms()
    {
        using var x = F([1, 2, 3, 4, 5, 6], 2, 3);
        using var p = L(0, 1, 0, 2);
        using var cv = Tensor.Scalar(9);
        using var c = Run1("Pad", 13, [x, p, cv]);
        Same([9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9, 9], [2, 6], c);
        using var r = Run1("Pad", 13, [x, p], A("mode", "reflect"));
        Same([2, 1, 2, 3, 2, 1, 5, 4, 5, 6, 5, 4], [2, 6], r);
        using var e = Run1("Pad", 13, [x, p], A("mode", "edge"));
        Same([1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 6], [2, 6], e);
        using var w = Run1("Pad", 19, [x, p], A("mode", "wrap"));
        Same([3, 1, 2, 3, 1, 2, 6, 4, 5, 6, 4, 5], [2, 6], w);
        using var a2 = Run1("Pad", 2, [x], A("pads", new long[] { 1, 0, 0, 0 }), A("value", 7f));
        Same([7, 7, 7, 1, 2, 3, 4, 5, 6], [3, 3], a2);
        using var ap = L(1, -1);
        using var ax = L(-1);
        using var crop = Run1("Pad", 18, [x, ap, null, ax]);
        Same([0, 1, 2, 0, 4, 5], [2, 3], crop);
        Assert.Throws<ArgumentException>(() => Run1("Pad", 18, [x, p], A("mode", "wrap")));
    }

    [Fact]
    public void ReverseSequenceBatchAndTimeAxes()
    {
        using var x = Seq(16, 4, 4);
        using var lens = L(4, 3, 2, 1);
        using var y = Run1("ReverseSequence", 10, [x, lens], A("batch_axis", 1), A("time_axis", 0));
        Same([12, 9, 6, 3, 8, 5, 2, 7, 4, 1, 10, 11, 0, 13, 14, 15], [4, 4], y);
        using var y2 = Run1("ReverseSequence", 10, [x, lens], A("batch_axis", 0), A("time_axis", 1));
        Same([3, 2, 1, 0, 6, 5, 4, 7, 9, 8, 10, 11, 12, 13, 14, 15], [4, 4], y2);
    }
}
