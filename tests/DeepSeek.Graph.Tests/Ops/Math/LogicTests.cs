using static DeepSeek.Graph.Tests.Ops.MathFamily.MathTestUtil;

namespace DeepSeek.Graph.Tests.Ops.MathFamily;

using Shape = DeepSeek.Shape;  // the sibling namespace DeepSeek.Graph.Tests.Ops.Shape would hide the type

public sealed class LogicTests
{
    public static TheoryData<string, DType> CompareCases()
    {
        var d = new TheoryData<string, DType>();
        foreach (var op in new[] { "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual" })
            foreach (var dt in new[] { DType.F32, DType.F64, DType.F16, DType.BF16, DType.I8, DType.U8, DType.I16, DType.I32, DType.I64 })
                d.Add(op, dt);
        return d;
    }

    [Theory]
    [MemberData(nameof(CompareCases))]
    public void ComparisonsBroadcastForEveryNumericType(string op, DType dt)
    {
        using var a0 = Tensor.RandInt(0, 5, new Shape(4, 3), new Generator(11), DType.I64);
        using var b0 = Tensor.RandInt(0, 5, new Shape(3), new Generator(12), DType.I64);
        using var a1 = a0.To(dt);
        using var a = a1.Transpose(0, 1);                   // [3, 4] non-contiguous
        using var b1 = b0.To(dt);
        using var b = b1.Reshape(3, 1);
        using var y = Run(op, 16, [a, b]);
        Assert.Equal(DType.Bool, y.DType);
        Func<double, double, bool> f = op switch
        {
            "Equal" => (x, z) => x == z,
            "Greater" => (x, z) => x > z,
            "GreaterOrEqual" => (x, z) => x >= z,
            "Less" => (x, z) => x < z,
            _ => (x, z) => x <= z,
        };
        Assert.Equal(Map2(a, b, (x, z) => f(x, z) ? 1 : 0).Select(v => v == 1).ToArray(), y.ToArray<bool>());
    }

    [Fact]
    public void EqualOnBoolAndNaN()
    {
        using var a = Tensor.FromArray(new[] { true, false, true, false });
        using var b = Tensor.FromArray(new[] { true, true, false, false });
        using (var y = Run("Equal", 13, [a, b])) Assert.Equal(new[] { true, false, false, true }, y.ToArray<bool>());
        using var n = Tensor.FromArray(new[] { float.NaN, 1f });
        using (var y = Run("Equal", 13, [n, n])) Assert.Equal(new[] { false, true }, y.ToArray<bool>());
    }

    [Fact]
    public void ComparisonsRejectMixedTypes()
    {
        using var a = Tensor.FromArray(new[] { 1 });
        using var b = Tensor.FromArray(new long[] { 1 });
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("Less", 13, [a, b]));
        Assert.Contains("Less node 'n0' (opset 13)", ex.Message);
        Assert.Contains("i32", ex.Message);
        Assert.Contains("i64", ex.Message);
    }

    [Fact]
    public void LogicOpsOnBools()
    {
        using var a0 = Tensor.FromArray(new[] { true, false, true, false, true, true }, 3, 2);
        using var a = a0.Transpose(0, 1);                     // [2, 3]
        using var b = Tensor.FromArray(new[] { true, false, false });
        bool[] av = a.ToDoubleArray().Select(v => v != 0).ToArray();
        bool[] bv = [true, false, false, true, false, false];
        using (var y = Run("And", 7, [a, b])) Assert.Equal(av.Select((v, i) => v & bv[i]).ToArray(), y.ToArray<bool>());
        using (var y = Run("Or", 7, [a, b])) Assert.Equal(av.Select((v, i) => v | bv[i]).ToArray(), y.ToArray<bool>());
        using (var y = Run("Xor", 7, [a, b])) Assert.Equal(av.Select((v, i) => v ^ bv[i]).ToArray(), y.ToArray<bool>());
        using (var y = Run("Not", 1, [a])) Assert.Equal(av.Select(v => !v).ToArray(), y.ToArray<bool>());
        using var f = Tensor.FromArray(new[] { 1f });
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("And", 7, [f, f]));
        Assert.Contains("And node 'n0'", ex.Message);
        Assert.Contains("bool", ex.Message);
    }

    public static TheoryData<DType, DType> CastPairs()
    {
        var all = new[] { DType.F32, DType.F64, DType.F16, DType.BF16, DType.I8, DType.U8, DType.I16, DType.I32, DType.I64, DType.Bool };
        var d = new TheoryData<DType, DType>();
        foreach (var a in all) foreach (var b in all) d.Add(a, b);
        return d;
    }

    private static long OnnxCode(DType t) => t switch
    {
        DType.F32 => 1, DType.U8 => 2, DType.I8 => 3, DType.I16 => 5, DType.I32 => 6, DType.I64 => 7,
        DType.Bool => 9, DType.F16 => 10, DType.F64 => 11, _ => 16,
    };

    [Theory]
    [MemberData(nameof(CastPairs))]
    public void CastAndCastLikeConvertEveryPair(DType from, DType to)
    {
        // values every type holds exactly (bool: 0/1), so the expectation is the value itself, or != 0 for bool
        double[] vals = from == DType.Bool ? [0, 1, 1, 0] : from == DType.U8 ? [0, 1, 7, 100] : [0, 1, -7, 100];
        using var x = Tensor.FromDoubles(vals, new Shape(2, 2), from);
        using var xt = x.Transpose(0, 1);
        var expected = xt.ToDoubleArray().Select(v => to == DType.Bool ? (v != 0 ? 1 : 0) : to == DType.U8 ? (double)(byte)(sbyte)v : v).ToArray();
        using (var y = Run("Cast", 19, [xt], Attr("to", OnnxCode(to))))
        {
            Assert.Equal(to, y.DType);
            Assert.Equal(expected, y.ToDoubleArray());
        }
        using var like = Tensor.Zeros(new Shape(1), to);
        using (var y = Run("CastLike", 15, [xt, like]))
        {
            Assert.Equal(to, y.DType);
            Assert.Equal(expected, y.ToDoubleArray());
        }
    }

    [Fact]
    public void CastFloatSpecialsAndRounding()
    {
        using var x = Tensor.FromArray(new[] { 2.7f, -2.7f, float.NaN, 0.1f, 0.4789254665f });
        using (var y = Run("Cast", 13, [x], Attr("to", 6L)))   // int32 truncates toward zero, NaN → 0
            Assert.Equal(new[] { 2, -2, 0, 0, 0 }, y.ToArray<int>());
        using (var y = Run("Cast", 13, [x], Attr("to", 9L)))   // bool: nonzero (NaN too) → true
            Assert.Equal(new[] { true, true, true, true, true }, y.ToArray<bool>());
        using (var y = Run("Cast", 13, [x], Attr("to", 16L)))  // bfloat16: nearest even (ONNX test_cast_FLOAT_to_BFLOAT16)
            Assert.Equal(0.478515625, y.ToDoubleArray()[4]);
        using (var y = Run("Cast", 1, [x], Attr("to", "DOUBLE"))) // opset 1 spells the type as a string
            Assert.Equal(DType.F64, y.DType);
    }

    [Theory]
    [InlineData(8L, "STRING")]
    [InlineData(12L, "UINT32")]
    [InlineData(17L, "FLOAT8E4M3FN")]
    public void CastToTypesCoreLacksFailsNamingTheType(long code, string name)
    {
        using var x = Tensor.FromArray(new[] { 1f });
        var ex = Assert.Throws<UnsupportedOperatorException>(() => Run("Cast", 19, [x], Attr("to", code)));
        Assert.Contains("Cast node 'n0' (opset 19)", ex.Message);
        Assert.Contains(name, ex.Message);
    }

    [Fact]
    public void BitCastReinterpretsBytes()
    {
        using var f = Tensor.FromArray(new[] { 1.0f, -2.5f, 3.75f, float.NegativeInfinity }, 2, 2);
        using var ft = f.Transpose(0, 1);                     // non-contiguous: logical order 1, 3.75, -2.5, -inf
        using (var y = Run("BitCast", 26, [ft], Attr("to", 6L)))
            Assert.Equal(new[] { 1.0f, 3.75f, -2.5f, float.NegativeInfinity }.Select(BitConverter.SingleToInt32Bits).ToArray(), y.ToArray<int>());
        using var l = Tensor.FromArray(new[] { BitConverter.DoubleToInt64Bits(System.Math.PI), BitConverter.DoubleToInt64Bits(-0.0) });
        using (var y = Run("BitCast", 26, [l], Attr("to", 11L)))
        {
            var d = y.ToArray<double>();
            Assert.Equal(System.Math.PI, d[0]);
            Assert.True(double.IsNegative(d[1]) && d[1] == 0);
        }
        using var i8 = Tensor.FromArray(new sbyte[] { -1, 5, -128 });
        using (var y = Run("BitCast", 26, [i8], Attr("to", 2L))) Assert.Equal(new byte[] { 255, 5, 128 }, y.ToArray<byte>());
        using var b = Tensor.FromArray(new[] { true, false });
        using (var y = Run("BitCast", 26, [b], Attr("to", 2L))) Assert.Equal(new byte[] { 1, 0 }, y.ToArray<byte>());
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("BitCast", 26, [f], Attr("to", 7L)));
        Assert.Contains("BitCast node 'n0' (opset 26)", ex.Message);
        Assert.Contains("widths must match", ex.Message);
    }
}
