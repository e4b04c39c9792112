using DeepSeek.Backends;
using DeepSeek.Backends.Cpu.Indexing;

namespace DeepSeek.Tests.Indexing;

public class PadTests
{
    public static TheoryData<DType> DTypes() => Ref.AllDTypesData();

    [Theory]
    [InlineData(PadMode.Constant, new double[] { 9, 9, 1, 2, 3, 9 })]
    [InlineData(PadMode.Reflect, new double[] { 3, 2, 1, 2, 3, 2 })]
    [InlineData(PadMode.Replicate, new double[] { 1, 1, 1, 2, 3, 3 })]
    [InlineData(PadMode.Circular, new double[] { 2, 3, 1, 2, 3, 1 })]
    public void Pad1d_HandValues(PadMode mode, double[] expected)
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3 });
        using var p = x.Pad([2, 1], mode, 9);
        Ref.Equal(expected, p);
    }

    [Fact]
    public void Pad2d_TorchOrder_LastDimFirst()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var p = x.Pad([1, 0, 0, 1]);   // left 1 on the last dim, bottom 1 on the first
        TestUtil.AssertShape(p, 3, 3);
        Ref.Equal([0, 1, 2, 0, 3, 4, 0, 0, 0], p);
        using var r = x.Pad([1, 1, 1, 1], PadMode.Replicate);
        Ref.Equal([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], r);
    }

    [Fact]
    public void Pad_NegativePadsCrop()
    {
        using var x = Tensor.Arange(0, 12, 1, DType.F32).Reshape(3, 4);
        using var c = x.Pad([-1, 1, 0, -2], PadMode.Constant, -5);
        TestUtil.AssertShape(c, 1, 4);
        Ref.Equal([1, 2, 3, -5], c);
        using var rc = x.Pad([-1, 2], PadMode.Reflect);
        TestUtil.AssertShape(rc, 3, 5);
        Ref.Equal([1, 2, 3, 2, 1, 5, 6, 7, 6, 5, 9, 10, 11, 10, 9], rc);
    }

    [Theory]
    [InlineData(PadMode.Constant)]
    [InlineData(PadMode.Reflect)]
    [InlineData(PadMode.Replicate)]
    [InlineData(PadMode.Circular)]
    public void Pad3d_NonContiguous_MatchesIndependentReference(PadMode mode)
    {
        var g = new Generator(33);
        using var b = Tensor.RandN(new Shape(5, 4, 6), g);
        using var x = b.Permute(2, 0, 1);       // [6, 5, 4]
        using var xc = x.Contiguous();
        int[] pads = [2, 3, -1, 4, 1, 0];       // last dim (2,3), middle (-1,4), first (1,0)
        using var p = x.Pad(pads, mode, 0.25);
        TestUtil.AssertShape(p, 7, 8, 9);
        // Independent reference: explicit per-mode index arithmetic in nested loops.
        var src = xc.ToDoubleArray();
        int[] n = [6, 5, 4], bef = [1, -1, 2];
        var expected = new List<double>();
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 8; j++)
                for (int k = 0; k < 9; k++)
                {
                    int[] o = [i - bef[0], j - bef[1], k - bef[2]];
                    bool outside = false;
                    for (int d = 0; d < 3; d++)
                    {
                        if (o[d] >= 0 && o[d] < n[d]) continue;
                        switch (mode)
                        {
                            case PadMode.Constant: outside = true; break;
                            case PadMode.Replicate: o[d] = Math.Clamp(o[d], 0, n[d] - 1); break;
                            case PadMode.Reflect: o[d] = o[d] < 0 ? -o[d] : 2 * n[d] - 2 - o[d]; break;
                            default: o[d] = (o[d] + n[d]) % n[d]; break;
                        }
                    }
                    expected.Add(outside ? 0.25 : src[(o[0] * 5 + o[1]) * 4 + o[2]]);
                }
        Ref.Equal(expected.ToArray(), p);
        var kernelRef = PadKernel.Reference(src, [6, 5, 4], [1, -1, 2], [0, 4, 3], mode, 0.25);
        TestUtil.AssertClose(expected.ToArray(), kernelRef.Select(v => (double)(float)v).ToArray(), 0, 0);
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Pad_AllDTypes(DType dtype)
    {
        var v = Ref.Values(6, dtype, 5);
        using var x = Ref.Make(v, dtype, 2, 3);
        using var c = x.Pad([1, 1], PadMode.Constant, 1);
        Ref.Equal([1, v[0], v[1], v[2], 1, 1, v[3], v[4], v[5], 1], c);
        using var r = x.Pad([0, 0, 1, 0], PadMode.Reflect);
        Ref.Equal([v[3], v[4], v[5], v[0], v[1], v[2], v[3], v[4], v[5]], r);
    }

    [Fact]
    public void Pad_Errors()
    {
        using var x = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentException>(() => x.Pad([1]));
        Assert.Throws<ArgumentException>(() => x.Pad([1, 1, 1, 1, 1, 1]));
        var re = Assert.Throws<ArgumentException>(() => x.Pad([3, 0], PadMode.Reflect));
        Assert.Contains("reflect", re.Message);
        Assert.Contains("3", re.Message);
        Assert.Throws<ArgumentException>(() => x.Pad([0, 4], PadMode.Circular));
        Assert.Throws<ShapeMismatchException>(() => x.Pad([-2, -2]));
        using var i = Tensor.Zeros(new Shape(2), DType.I8);
        Assert.Throws<ArgumentException>(() => i.Pad([1, 1], PadMode.Constant, 0.5));
        Assert.Throws<ArgumentException>(() => i.Pad([1, 1], PadMode.Constant, 300));
    }
}
