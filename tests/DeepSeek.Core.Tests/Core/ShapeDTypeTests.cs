namespace DeepSeek.Tests.Core;

public class ShapeDTypeTests
{
    [Fact]
    public void Shape_Basics()
    {
        var s = new Shape(2, 3, 4);
        Assert.Equal(3, s.Rank);
        Assert.Equal(24, s.Numel);
        Assert.Equal(4, s[-1]);
        Assert.Equal([12L, 4, 1], s.ContiguousStrides());
        Assert.Equal("[2, 3, 4]", s.ToString());
        Assert.Equal(1, Shape.Scalar.Numel);
        Assert.True(new Shape(2, 3) == new[] { 2, 3 });
        Assert.Throws<ShapeMismatchException>(() => new Shape(2, -1));
    }

    [Theory]
    [InlineData(new[] { 2, 1, 4 }, new[] { 3, 1 }, new[] { 2, 3, 4 })]
    [InlineData(new[] { 5 }, new int[0], new[] { 5 })]
    [InlineData(new[] { 1 }, new[] { 0 }, new[] { 0 })]
    [InlineData(new[] { 4, 1 }, new[] { 1, 4 }, new[] { 4, 4 })]
    public void Shape_Broadcast(int[] a, int[] b, int[] expected)
    {
        Assert.Equal(new Shape(expected), Shape.Broadcast(new Shape(a), new Shape(b), "Add"));
        Assert.Equal(new Shape(expected), Shape.Broadcast(new Shape(b), new Shape(a), "Add"));
    }

    [Fact]
    public void Shape_BroadcastError_NamesOpAndShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => Shape.Broadcast(new Shape(2, 3), new Shape(4, 3), "Mul"));
        Assert.Contains("Mul", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 3]", ex.Message);
    }

    [Fact]
    public void NormalizeAxis_RangeAndErrors()
    {
        Assert.Equal(2, Shape.NormalizeAxis(-1, 3, "Sum"));
        Assert.Equal(0, Shape.NormalizeAxis(-3, 3, "Sum"));
        Assert.Equal(0, Shape.NormalizeAxis(0, 0, "Sum"));
        var ex = Assert.Throws<AxisOutOfRangeException>(() => Shape.NormalizeAxis(3, 3, "Sum"));
        Assert.Contains("Sum", ex.Message);
        Assert.Contains("axis 3", ex.Message);
        Assert.Throws<AxisOutOfRangeException>(() => Shape.NormalizeAxis(-4, 3, "Sum"));
        Assert.Throws<AxisOutOfRangeException>(() => Shape.NormalizeAxis(1, 0, "Sum"));
    }

    [Fact]
    public void NormalizeAxis_ScalarAcceptsMinusOne()
    {
        Assert.Equal(0, Shape.NormalizeAxis(-1, 0, "Sum"));
    }

    [Theory]
    [InlineData(DType.I8, DType.U8, DType.I16)]
    [InlineData(DType.Bool, DType.I8, DType.I8)]
    [InlineData(DType.Bool, DType.Bool, DType.Bool)]
    [InlineData(DType.U8, DType.I16, DType.I16)]
    [InlineData(DType.I32, DType.I64, DType.I64)]
    [InlineData(DType.I64, DType.F16, DType.F16)]
    [InlineData(DType.Bool, DType.BF16, DType.BF16)]
    [InlineData(DType.F16, DType.BF16, DType.F32)]
    [InlineData(DType.F16, DType.F32, DType.F32)]
    [InlineData(DType.BF16, DType.F64, DType.F64)]
    [InlineData(DType.F32, DType.F64, DType.F64)]
    [InlineData(DType.I32, DType.F32, DType.F32)]
    public void DType_PromotionTable(DType a, DType b, DType expected)
    {
        Assert.Equal(expected, DTypeInfo.Promote(a, b));
        Assert.Equal(expected, DTypeInfo.Promote(b, a));
    }

    [Fact]
    public void DType_Facts()
    {
        Assert.Equal(2, DType.BF16.SizeOf());
        Assert.Equal(1, DType.Bool.SizeOf());
        Assert.Equal(8, DType.I64.SizeOf());
        Assert.True(DType.F16.IsFloatingPoint());
        Assert.False(DType.Bool.IsInteger());
        Assert.True(DType.U8.IsInteger());
        Assert.Equal("bf16", DType.BF16.Name());
        Assert.Equal(DType.BF16, DTypeInfo.Of<BFloat16>());
        Assert.Throws<NotSupportedException>(() => DTypeInfo.Of<decimal>());
    }

    [Theory]
    [InlineData(0x3F808000u, (ushort)0x3F80)]   // exactly half way, even below: stays
    [InlineData(0x3F818000u, (ushort)0x3F82)]   // half way, odd below: rounds up to even
    [InlineData(0x3F808001u, (ushort)0x3F81)]   // above half: up
    [InlineData(0x3F807FFFu, (ushort)0x3F80)]   // below half: down
    [InlineData(0xBF818000u, (ushort)0xBF82)]   // negative ties to even
    [InlineData(0x7F800000u, (ushort)0x7F80)]   // +Inf
    [InlineData(0xFF800000u, (ushort)0xFF80)]   // -Inf
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)]   // max float rounds to Inf
    [InlineData(0x00000001u, (ushort)0x0000)]   // tiny denormal rounds to 0
    public void BFloat16_RoundsToNearestEven(uint f32Bits, ushort expected)
    {
        Assert.Equal(expected, BFloat16.RoundToBits(BitConverter.UInt32BitsToSingle(f32Bits)));
    }

    [Fact]
    public void BFloat16_NaN_StaysQuietNaN_AndWideningIsExact()
    {
        // A signalling NaN whose payload sits only in the low 16 bits must not become Inf.
        var nan = BitConverter.UInt32BitsToSingle(0x7F800001u);
        var b = BFloat16.FromSingle(nan);
        Assert.True(float.IsNaN(b.ToSingle()));
        Assert.Equal(0x0040, b.Bits & 0x0040);
        Assert.True(float.IsNaN(BFloat16.FromSingle(float.NaN).ToSingle()));
        Assert.Equal(1.5f, BFloat16.FromSingle(1.5f).ToSingle());
        Assert.Equal(-2.75f, (float)(BFloat16)(-2.75f));
        Assert.True(BFloat16.FromSingle(1) < BFloat16.FromSingle(2));
#pragma warning disable CS1718 // comparing NaN with itself on purpose
        Assert.False(b == b);    // NaN ≠ NaN by operator (Equals follows float.Equals: NaN equals NaN)
#pragma warning restore CS1718
        Assert.True(b.Equals(b));
        using var t = Tensor.FromArray(new float[] { 1.00390625f, 1.01171875f }).To(DType.BF16);   // both ties
        Assert.Equal(new ushort[] { 0x3F80, 0x3F82 }, t.ToArray<BFloat16>().Select(v => v.Bits).ToArray());
    }
}
