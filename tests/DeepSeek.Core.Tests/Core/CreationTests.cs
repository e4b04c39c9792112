namespace DeepSeek.Tests.Core;

public class CreationTests
{
    [Fact]
    public void ZerosOnesFull_ValuesShapesDTypes()
    {
        using var z = Tensor.Zeros(2, 3);
        Assert.Equal(DType.F32, z.DType);
        TestUtil.AssertShape(z, 2, 3);
        Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));
        using var o = Tensor.Ones(new Shape(4), DType.I16);
        Assert.Equal(new short[] { 1, 1, 1, 1 }, o.ToArray<short>());
        using var f = Tensor.Full(new Shape(2, 2), 2.5, DType.F64);
        Assert.Equal(new[] { 2.5, 2.5, 2.5, 2.5 }, f.ToArray<double>());
        using var fb = Tensor.Full(new Shape(3), 7, DType.Bool);
        Assert.Equal(new[] { true, true, true }, fb.ToArray<bool>());
        using var s = Tensor.Scalar(3, DType.I32);
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.Numel);
        Assert.Equal(3, s.Item<int>());
        using var zl = Tensor.ZerosLike(f, DType.I8);
        Assert.Equal(DType.I8, zl.DType);
        TestUtil.AssertShape(zl, 2, 2);
    }

    [Fact]
    public void Arange_Variants()
    {
        using var a = Tensor.Arange(5);
        Assert.Equal(DType.I64, a.DType);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, a.ToArray<long>());
        using var b = Tensor.Arange(1, 2, 0.25);
        TestUtil.AssertClose(b, [1, 1.25, 1.5, 1.75]);
        using var c = Tensor.Arange(5, 0, -2, DType.I32);
        Assert.Equal(new[] { 5, 3, 1 }, c.ToArray<int>());
        using var e = Tensor.Arange(3, 3, 1);
        Assert.Equal(0, e.Numel);
        Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 1, 0));
    }

    [Fact]
    public void Eye_IsIdentity()
    {
        using var e = Tensor.Eye(3, DType.I64);
        Assert.Equal(new long[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, e.ToArray<long>());
    }

    [Fact]
    public void Rand_RandN_RandInt_DeterministicWithSeed_AndRoughStatistics()
    {
        using var a = Tensor.RandN(new Shape(20000), new Generator(42));
        using var b = Tensor.RandN(new Shape(20000), new Generator(42));
        using var c = Tensor.RandN(new Shape(20000), new Generator(43));
        var av = a.ToArray<float>();
        Assert.Equal(av, b.ToArray<float>());
        Assert.NotEqual(av, c.ToArray<float>());
        double mean = av.Average(v => (double)v);
        double var = av.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(var, 0.95, 1.05);

        using var u = Tensor.Rand(new Shape(20000), new Generator(1), 2, 4, DType.F64);
        var uv = u.ToArray<double>();
        Assert.All(uv, v => Assert.InRange(v, 2.0, 4.0 - 1e-12));
        Assert.InRange(uv.Average(), 2.97, 3.03);

        using var n2 = Tensor.RandN(new Shape(10000), new Generator(5), mean: 10, std: 2, dtype: DType.F64);
        Assert.InRange(n2.ToArray<double>().Average(), 9.94, 10.06);

        using var i1 = Tensor.RandInt(-3, 4, new Shape(7000), new Generator(9));
        using var i2 = Tensor.RandInt(-3, 4, new Shape(7000), new Generator(9));
        var iv = i1.ToArray<long>();
        Assert.Equal(iv, i2.ToArray<long>());
        Assert.All(iv, v => Assert.InRange(v, -3, 3));
        for (long k = -3; k <= 3; k++) Assert.InRange(iv.Count(v => v == k), 850, 1150);   // ≈1000 each
        Assert.Throws<DTypeMismatchException>(() => Tensor.RandN(new Shape(2), dtype: DType.I32));
        Assert.Throws<ArgumentException>(() => Tensor.RandInt(3, 3, new Shape(2)));
    }

    [Fact]
    public void FromArray_ToArray_RoundTrip_EveryDType()
    {
        RoundTrip(new float[] { 1.5f, -2, float.NaN, float.PositiveInfinity, 1e-30f, 0 });
        RoundTrip(new double[] { 1.5, -2, double.NaN, 1e300, double.Epsilon, 0 });
        RoundTrip(new Half[] { (Half)1.5, (Half)(-2), Half.NaN, Half.MaxValue, Half.Epsilon, (Half)0 });
        RoundTrip(new[] { BFloat16.FromSingle(1.5f), BFloat16.FromSingle(-2), BFloat16.FromBits(0x7FC0), BFloat16.FromBits(0x7F7F), BFloat16.FromBits(1), BFloat16.FromBits(0) });
        RoundTrip(new sbyte[] { -128, 127, 0, -1, 5, 6 });
        RoundTrip(new byte[] { 0, 255, 1, 128, 5, 6 });
        RoundTrip(new short[] { short.MinValue, short.MaxValue, 0, -1, 5, 6 });
        RoundTrip(new[] { int.MinValue, int.MaxValue, 0, -1, 5, 6 });
        RoundTrip(new[] { long.MinValue, long.MaxValue, 0, -1, 5, 6 });
        RoundTrip(new[] { true, false, true, true, false, false });
    }

    private static void RoundTrip<T>(T[] data) where T : unmanaged
    {
        using var t = Tensor.FromArray(data, 2, 3);
        Assert.Equal(DTypeInfo.Of<T>(), t.DType);
        TestUtil.AssertShape(t, 2, 3);
        var back = t.ToArray<T>();
        var eq = System.Collections.Generic.EqualityComparer<T>.Default;
        for (int i = 0; i < data.Length; i++)
        {
            // bit-exact (NaN included)
            var a = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan(i, 1)).ToArray();
            var b = System.Runtime.InteropServices.MemoryMarshal.AsBytes(back.AsSpan(i, 1)).ToArray();
            Assert.Equal(a, b);
        }
        using var t1 = Tensor.FromArray(data);
        TestUtil.AssertShape(t1, data.Length);
        _ = eq;
    }

    [Fact]
    public void FromArray2d_FromDoubles_Item_AndErrors()
    {
        using var t = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        TestUtil.AssertShape(t, 2, 3);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<float>());
        using var d = Tensor.FromDoubles([1.7, -1.7, 300], new Shape(3), DType.I32);
        Assert.Equal(new[] { 1, -1, 300 }, d.ToArray<int>());
        using var one = Tensor.FromArray(new long[] { 42 }, 1, 1);
        Assert.Equal(42L, one.Item<long>());
        Assert.Equal(42.0, one.ItemAsDouble());
        Assert.Throws<ShapeMismatchException>(() => t.Item<float>());
        var ex = Assert.Throws<DTypeMismatchException>(() => t.ToArray<double>());
        Assert.Contains("f32", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => Tensor.FromArray(new float[5], 2, 3));
    }

    [Fact]
    public void To_ConvertsWithRounding()
    {
        using var f = Tensor.FromArray(new float[] { 1.9f, -1.9f, 0, 2.5f });
        using var i = f.To(DType.I32);
        Assert.Equal(new[] { 1, -1, 0, 2 }, i.ToArray<int>());
        using var b = f.To(DType.Bool);
        Assert.Equal(new[] { true, true, false, true }, b.ToArray<bool>());
        using var h = f.To(DType.F16);
        Assert.Equal((Half)1.9f, h.ToArray<Half>()[0]);
    }
}
