using DeepSeek.Backends;
using static DeepSeek.Graph.Tests.Ops.ShapeFamily.OneNode;

namespace DeepSeek.Graph.Tests.Ops.ShapeFamily;

public sealed class ShapeMiscTests
{
    [Fact]
    public void CenterCropPadCropsAndPadsCentred()
    {
        using var x = Seq(20, 4, 5);
        using var s = L(2, 8);
        using var y = Run1("CenterCropPad", 18, [x, s]);
        // rows 1..2; columns padded (1 before, 2 after)
        Same([0, 5, 6, 7, 8, 9, 0, 0, 0, 10, 11, 12, 13, 14, 0, 0], [2, 8], y);
        using var s1 = L(3);
        using var z = Run1("CenterCropPad", 18, [x, s1], A("axes", new long[] { -1 }));
        Same([1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18], [4, 3], z);
    }

    [Fact]
    public void UniqueSortedUnsortedAndAxis()
    {
        using var x = F([2, 1, 1, 3, 4, 3], 6);
        var o = OneNode.Run("Unique", 11, [x], [A("sorted", 0)], outputs: 4);
        Same([2, 1, 3, 4], [4], o[0]);
        Assert.Equal(new long[] { 0, 1, 3, 4 }, o[1].ToArray<long>());
        Assert.Equal(new long[] { 0, 1, 1, 2, 3, 2 }, o[2].ToArray<long>());
        Assert.Equal(new long[] { 1, 2, 2, 1 }, o[3].ToArray<long>());
        var s = OneNode.Run("Unique", 11, [x], outputs: 4);
        Same([1, 2, 3, 4], [4], s[0]);
        Assert.Equal(new long[] { 1, 0, 3, 4 }, s[1].ToArray<long>());
        Assert.Equal(new long[] { 1, 0, 0, 2, 3, 2 }, s[2].ToArray<long>());
        using var m = Tensor.FromArray(new long[] { 1, 0, 0, 1, 0, 0, 2, 3, 4 }, 3, 3);
        var a = OneNode.Run("Unique", 11, [m], [A("axis", 0)], outputs: 4);
        Assert.Equal(new long[] { 1, 0, 0, 2, 3, 4 }, a[0].ToArray<long>());
        Assert.Equal(new[] { 2, 3 }, a[0].Shape.ToArray());
        Assert.Equal(new long[] { 2, 1 }, a[3].ToArray<long>());
        foreach (var t in o.Concat(s).Concat(a)) t.Dispose();
    }

    [Theory]
    [InlineData(DType.F64)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.I8)]
    [InlineData(DType.U8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    [InlineData(DType.Bool)]
    public void DataMovementOpsKeepEveryDType(DType dt)
    {
        using var f = Tensor.FromArray(new float[] { 1, 0, 3, 4, 0, 6 }, 2, 3);
        using var x = f.To(dt);
        var expect = x.ToDoubleArray();
        using (var perm = Run1("Transpose", 13, [x]))
        {
            Assert.Equal(dt, perm.DType);
            Assert.Equal(new[] { expect[0], expect[3], expect[1], expect[4], expect[2], expect[5] }, perm.ToDoubleArray());
        }
        using (var i = L(-1, 0))
        using (var g = Run1("Gather", 13, [x, i], A("axis", 1)))
            Assert.Equal(new[] { expect[2], expect[0], expect[5], expect[3] }, g.ToDoubleArray());
        using (var i = Tensor.FromArray(new long[] { 1 }, 1, 1))
        using (var g = Run1("GatherND", 13, [x, i]))
            Assert.Equal(expect[3..], g.ToDoubleArray());
        using (var st = L(-1))
        using (var en = L(long.MinValue))
        using (var ax = L(1))
        using (var sp = L(-1))
        using (var sl = Run1("Slice", 13, [x, st, en, ax, sp]))
            Assert.Equal(new[] { expect[2], expect[1], expect[0], expect[5], expect[4], expect[3] }, sl.ToDoubleArray());
        using (var c = Run1("Concat", 13, [x, x], A("axis", 0)))
            Assert.Equal(expect.Concat(expect), c.ToDoubleArray());
        using (var u = x.Narrow(0, 0, 1).Contiguous())
        using (var i = Tensor.FromArray(new long[] { 1 }, 1, 1))
        using (var sc = Run1("ScatterND", 13, [x, i, u]))
            Assert.Equal(expect[..3].Concat(expect[..3]), sc.ToDoubleArray());
        using (var nz = Run1("NonZero", 13, [x]))
            Assert.Equal(new long[] { 0, 0, 1, 1, 0, 2, 0, 2 }, nz.ToArray<long>());
        using (var p = L(0, 1, 0, 0))
        using (var pd = Run1("Pad", 13, [x, p], A("mode", "edge")))
            Assert.Equal(new[] { expect[0], expect[0], expect[1], expect[2], expect[3], expect[3], expect[4], expect[5] }, pd.ToDoubleArray());
    }
}

[Collection("Pool")]
public sealed class ShapeMemoryTests
{
    [Fact]
    public void ShapeKernelsDoNotLeakPoolBytes()
    {
        void Round()
        {
            using var x = Tensor.RandN(new DeepSeek.Shape(1, 4, 4, 4), new Generator(3));
            using var sc = Tensor.FromArray(new float[] { 1, 1, 2, 2 });
            using var r = Run1("Resize", 19, [x, null, sc], A("mode", "linear"));
            using var st = L(-1);
            using var en = L(long.MinValue);
            using var ax = L(2);
            using var sp = L(-2);
            using var sl = Run1("Slice", 13, [x, st, en, ax, sp]);
            using var p = L(0, 0, 1, 1, 0, 0, 1, 1);
            using var pd = Run1("Pad", 13, [x, p], A("mode", "reflect"));
            using var d2s = Run1("DepthToSpace", 13, [x], A("blocksize", 2));
            var sp3 = OneNode.Run("Split", 18, [x], [A("axis", 1), A("num_outputs", 3)], outputs: 3);
            foreach (var t in sp3) t.Dispose();
            using var i = Tensor.FromArray(new long[] { 0, -1 });
            using var g = Run1("Gather", 13, [x, i], A("axis", 1));
            var u = OneNode.Run("Unique", 11, [g], outputs: 4);
            foreach (var t in u) t.Dispose();
        }
        Round();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse;
        for (int k = 0; k < 5; k++) Round();
        Assert.Equal(before, BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse);
    }
}
