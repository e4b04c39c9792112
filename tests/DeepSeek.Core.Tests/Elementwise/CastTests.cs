using System.Runtime.InteropServices;

namespace DeepSeek.Tests.Elementwise;

public class CastTests
{
    private static float F(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    /// <summary>Ties, NaNs, infinities, subnormals and overflow, padded to a length that exercises vector bodies and tails.</summary>
    private static float[] Specials()
    {
        var v = new List<float>
        {
            F(0x3F80_8000), F(0x3F81_8000), F(0x3F80_8001), F(0x3F80_7FFF), // BF16 ties to even (down, up) and near-ties
            float.NaN, F(0x7F80_0001), F(0xFF81_2345), float.PositiveInfinity, float.NegativeInfinity,
            F(0x0000_0001), F(0x0000_8000), F(0x8001_8000), float.Epsilon, -0f, 0f,
            float.MaxValue, -float.MaxValue, F(0x7F7F_FFFF), 65504f, 65520f, 70000f, -1e6f, 6e-8f, 3e-8f, 2.98023224e-8f, 1e-5f,
            1.00048828125f, 1.00146484375f, 0.1f, -2.5f, 3.14159265f,
        };
        var g = new Generator(3);
        while (v.Count < 77) v.Add((float)(g.NextDouble() * 200 - 100));
        return v.ToArray();
    }

    [Fact]
    public void F32ToBF16IsRoundNearestEvenBitForBit()
    {
        var src = Specials();
        using var x = Tensor.FromArray(src);
        using var y = x.To(DType.BF16);
        var got = y.ToArray<BFloat16>();
        for (int i = 0; i < src.Length; i++)
            Assert.True(BFloat16.RoundToBits(src[i]) == got[i].Bits, $"element {i}: {src[i]:R} → {got[i].Bits:X4}, expected {BFloat16.RoundToBits(src[i]):X4}");
        Assert.Equal((ushort)0x3F80, got[0].Bits); // tie → even (down)
        Assert.Equal((ushort)0x3F82, got[1].Bits); // tie → even (up)
        Assert.Equal((ushort)0x3F81, got[2].Bits);
        Assert.True(float.IsNaN(got[5].ToSingle()) && float.IsNaN(got[6].ToSingle())); // signalling NaN payloads stay NaN
        Assert.Equal((ushort)0x7F80, got[7].Bits);
        Assert.Equal((ushort)0x7F80, got[17].Bits); // F32 max rounds up to +Inf in BF16
    }

    [Fact]
    public void F32ToF16AndBackMatchesHalfConversion()
    {
        var src = Specials();
        using var x = Tensor.FromArray(src);
        using var h = x.To(DType.F16);
        var got = h.ToArray<Half>();
        for (int i = 0; i < src.Length; i++)
        {
            var want = (Half)src[i];
            Assert.True(BitConverter.HalfToUInt16Bits(want) == BitConverter.HalfToUInt16Bits(got[i]) || (Half.IsNaN(want) && Half.IsNaN(got[i])),
                $"element {i}: {src[i]:R} → {got[i]}, expected {want}");
        }
        Assert.Equal(Half.PositiveInfinity, got[20]);          // 70000 overflows to +Inf
        Assert.Equal(Half.PositiveInfinity, got[19]);          // 65520 is the tie above 65504 → Inf
        Assert.Equal((Half)65504f, got[18]);
        Assert.True(Half.IsSubnormal(got[22]));                // 6e-8 is an F16 subnormal
        using var back = h.To(DType.F32);
        var f = back.ToArray<float>();
        for (int i = 0; i < got.Length; i++)
            Assert.True((float)got[i] == f[i] || (float.IsNaN(f[i]) && Half.IsNaN(got[i])), $"element {i}");
    }

    [Fact]
    public void BF16ToF32IsExact()
    {
        var bits = Enumerable.Range(0, 70).Select(i => (ushort)(i * 937 + 1)).Concat(new ushort[] { 0x7F80, 0xFF80, 0x7FC0, 0x0001, 0x8000 }).ToArray();
        using var b = Tensor.FromArray(bits.Select(BFloat16.FromBits).ToArray());
        using var f = b.To(DType.F32);
        var got = f.ToArray<float>();
        for (int i = 0; i < bits.Length; i++) Assert.Equal((uint)bits[i] << 16, BitConverter.SingleToUInt32Bits(got[i]));
    }

    [Fact]
    public void StridedHalfCastsUseTheGenericPath()
    {
        using var m = Tensor.FromDoubles(Ref.Values(6 * 9), new Shape(6, 9));
        using var t = m.T;
        using var h = t.To(DType.BF16);
        using var back = h.To(DType.F32);
        TestUtil.AssertClose(t.ToDoubleArray().Select(v => Ref.RoundTo(DType.BF16, v)).ToArray(), back.ToDoubleArray(), 0, 0);
        using var h16 = t.To(DType.F16);
        TestUtil.AssertClose(t.ToDoubleArray().Select(v => Ref.RoundTo(DType.F16, v)).ToArray(), h16.ToDoubleArray(), 0, 0);
    }

    [Fact]
    public void IntFloatConversionsTruncateAndWrap()
    {
        using var x = Tensor.FromArray(new float[] { 2.9f, -2.9f, 0.5f, -0.5f, 127.9f, 300f });
        using (var i = x.To(DType.I32)) Assert.Equal(new[] { 2, -2, 0, 0, 127, 300 }, i.ToArray<int>());
        using (var i = x.To(DType.I8)) Assert.Equal(new sbyte[] { 2, -2, 0, 0, 127, 44 }, i.ToArray<sbyte>()); // 300 wraps like an int cast
        using (var b = x.To(DType.Bool)) Assert.Equal(new[] { true, true, true, true, true, true }, b.ToArray<bool>());
        using var l = Tensor.FromArray(new long[] { 1L << 40, -3, 16777217 });
        using (var f = l.To(DType.F32)) Assert.Equal(new[] { (float)(1L << 40), -3f, 16777216f }, f.ToArray<float>());
        using (var d = l.To(DType.F64)) Assert.Equal(new[] { (double)(1L << 40), -3, 16777217 }, d.ToArray<double>());
        using var h = Tensor.FromDoubles(new double[] { 1.5, -2.75 }, new Shape(2), DType.F16);
        using (var i = h.To(DType.I16)) Assert.Equal(new short[] { 1, -2 }, i.ToArray<short>());
    }
}
