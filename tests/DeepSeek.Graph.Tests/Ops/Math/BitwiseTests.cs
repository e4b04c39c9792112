using static DeepSeek.Graph.Tests.Ops.MathFamily.MathTestUtil;

namespace DeepSeek.Graph.Tests.Ops.MathFamily;

using Shape = DeepSeek.Shape;  // the sibling namespace DeepSeek.Graph.Tests.Ops.Shape would hide the type

public sealed class BitwiseTests
{
    private static (long Lo, long Hi) Range(DType t) => t switch
    {
        DType.I8 => (sbyte.MinValue, sbyte.MaxValue + 1L),
        DType.U8 => (0, 256),
        DType.I16 => (short.MinValue, short.MaxValue + 1L),
        DType.I32 => (int.MinValue, int.MaxValue + 1L),
        _ => (long.MinValue, long.MaxValue),
    };

    private static long Wrap(long v, DType t) => t switch
    {
        DType.I8 => (sbyte)v, DType.U8 => (byte)v, DType.I16 => (short)v, DType.I32 => (int)v, _ => v,
    };

    [Theory]
    [InlineData(DType.I8)]
    [InlineData(DType.U8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    public void AndOrXorNotMatchClrOperators(DType dt)
    {
        var (lo, hi) = Range(dt);
        var rng = new Random(17 + (int)dt);
        long[] av = Enumerable.Range(0, 12).Select(_ => Wrap(rng.NextInt64(lo, hi), dt)).ToArray();
        long[] bv = Enumerable.Range(0, 4).Select(_ => Wrap(rng.NextInt64(lo, hi), dt)).ToArray();
        av[0] = Wrap(lo, dt); av[1] = -1 & (dt == DType.U8 ? 255 : -1); av[2] = 0; bv[0] = Wrap(hi - 1, dt);
        using var a64 = Tensor.FromArray(av, 4, 3);
        using var a1 = a64.To(dt);
        using var a = a1.Transpose(0, 1);                       // [3, 4], non-contiguous
        using var b64 = Tensor.FromArray(bv);
        using var b = b64.To(dt);                                // broadcast over rows
        long[] at = a.ToDoubleArray().Select(v => (long)v).ToArray();
        long[] ex(Func<long, long, long> f) => at.Select((v, i) => Wrap(f(v, bv[i % 4]), dt)).ToArray();
        // I64 extremes do not survive ToDoubleArray; read I64 results exactly.
        long[] read(Tensor y) { Assert.Equal(dt, y.DType); using var l = y.To(DType.I64); return l.ToArray<long>(); }
        if (dt == DType.I64) at = a.Contiguous().ToArray<long>();
        using (var y = Run("BitwiseAnd", 18, [a, b])) Assert.Equal(ex((p, q) => p & q), read(y));
        using (var y = Run("BitwiseOr", 18, [a, b])) Assert.Equal(ex((p, q) => p | q), read(y));
        using (var y = Run("BitwiseXor", 18, [a, b])) Assert.Equal(ex((p, q) => p ^ q), read(y));
        using (var y = Run("BitwiseNot", 18, [a])) Assert.Equal(at.Select(v => Wrap(~v, dt)).ToArray(), read(y));
    }

    [Fact]
    public void BitShiftOnUInt8()
    {
        using var x = Tensor.FromArray(new byte[] { 16, 4, 1, 255, 200 });
        using var s = Tensor.FromArray(new byte[] { 1, 2, 3, 4, 9 });
        using (var y = Run("BitShift", 11, [x, s], Attr("direction", "LEFT")))
            Assert.Equal(new byte[] { 32, 16, 8, 240, 0 }, y.ToArray<byte>());
        using (var y = Run("BitShift", 11, [x, s], Attr("direction", "RIGHT")))
            Assert.Equal(new byte[] { 8, 1, 0, 15, 0 }, y.ToArray<byte>());
        var ex = Assert.Throws<ArgumentException>(() => Run("BitShift", 11, [x, s], Attr("direction", "UP")));
        Assert.Contains("BitShift node 'n0'", ex.Message);
        using var i = Tensor.FromArray(new[] { 1 });
        Assert.Throws<DTypeMismatchException>(() => Run("BitShift", 11, [i, i], Attr("direction", "LEFT")));
    }

    [Fact]
    public void BitwiseRejectsFloats()
    {
        using var f = Tensor.FromArray(new[] { 1f });
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("BitwiseAnd", 18, [f, f]));
        Assert.Contains("BitwiseAnd node 'n0' (opset 18)", ex.Message);
    }
}
