using static DeepSeek.Graph.Tests.Ops.MathFamily.MathTestUtil;
using M = System.Math;

namespace DeepSeek.Graph.Tests.Ops.MathFamily;

using Shape = DeepSeek.Shape;  // the sibling namespace DeepSeek.Graph.Tests.Ops.Shape would hide the type

public sealed class BinaryTests
{
    [Fact]
    public void DivFloatBroadcastsOverNonContiguousInputs()
    {
        using var a = TransposedRand(4, 3, -5, 5, seed: 1);               // [4, 3] transposed view
        using var b0 = Tensor.Rand(new Shape(3), new Generator(2), 0.5, 2);
        foreach (var dt in new[] { DType.F32, DType.F64, DType.F16, DType.BF16 })
        {
            using var ad = a.To(dt);
            using var bd = b0.To(dt);
            using var y = Run("Div", 14, [ad, bd]);
            Assert.Equal(dt, y.DType);
            using var e64 = Tensor.FromDoubles(Map2(ad, bd, (x, z) => x / z), y.Shape, DType.F64);
            using var e = e64.To(dt);
            AssertClose(e.ToDoubleArray(), y, dt == DType.BF16 ? 8e-3 : 1e-3, 1e-6);
        }
    }

    [Theory]
    [InlineData(DType.I8)]
    [InlineData(DType.U8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    public void IntegerDivTruncatesTowardZero(DType dt)
    {
        bool unsigned = dt == DType.U8;
        double[] av = unsigned ? [7, 200, 9, 0] : [-3, 3, -3, 3, -7, 7, 100];
        double[] bv = unsigned ? [2, 3, 10, 5] : [2, 2, -2, -2, 3, -3, 7];
        using var a = Tensor.FromDoubles(av, new Shape(av.Length), dt);
        using var b = Tensor.FromDoubles(bv, new Shape(bv.Length), dt);
        using var y = Run("Div", 14, [a, b]);
        Assert.Equal(dt, y.DType);
        Assert.Equal(av.Select((x, i) => M.Truncate(x / bv[i])).ToArray(), y.ToDoubleArray());
    }

    [Fact]
    public void IntegerDivisionByZeroNamesTheNode()
    {
        using var a = Tensor.FromArray(new[] { 1, 2 });
        using var z = Tensor.FromArray(new[] { 0, 1 });
        foreach (var (op, attrs) in new[] { ("Div", Array.Empty<(string, AttributeValue)>()), ("Mod", []), ("Mod", [Attr("fmod", 1L)]) })
        {
            var ex = Assert.Throws<DivideByZeroException>(() => Run(op, 13, [a, z], attrs));
            Assert.Contains($"{op} node 'n0' (opset 13)", ex.Message);
        }
        using var neg = Tensor.FromArray(new[] { -1, 2 });
        var ex2 = Assert.Throws<ArgumentException>(() => Run("Pow", 15, [a, neg]));
        Assert.Contains("Pow node 'n0'", ex2.Message);
    }

    [Fact]
    public void DivRejectsMixedTypes()
    {
        using var a = Tensor.FromArray(new[] { 1f });
        using var b = Tensor.FromArray(new[] { 1.0 });
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("Div", 14, [a, b]));
        Assert.Contains("Div node 'n0' (opset 14)", ex.Message);
        Assert.Contains("f32", ex.Message);
        Assert.Contains("f64", ex.Message);
    }

    [Theory]
    [InlineData(DType.F32, DType.F32)]
    [InlineData(DType.F32, DType.I32)]
    [InlineData(DType.F32, DType.I64)]
    [InlineData(DType.F64, DType.F32)]
    [InlineData(DType.I32, DType.F32)]
    [InlineData(DType.I64, DType.F32)]
    [InlineData(DType.I32, DType.I32)]
    [InlineData(DType.I64, DType.I64)]
    [InlineData(DType.F16, DType.F16)]
    [InlineData(DType.BF16, DType.I64)]
    public void PowKeepsTheBaseType(DType baseType, DType expType)
    {
        using var x = Tensor.FromDoubles([1, 2, 3, -2, 5], new Shape(5), baseType);
        using var y = Tensor.FromDoubles([4, 5, 6, 3, 0], new Shape(5), expType);
        using var z = Run("Pow", 15, [x, y]);
        Assert.Equal(baseType, z.DType);
        using var expected = Tensor.FromDoubles([1, 32, 729, -8, 1], new Shape(5), baseType);   // bf16: 729 → 728
        Assert.Equal(expected.ToDoubleArray(), z.ToDoubleArray());
    }

    [Fact]
    public void SmallIntegerPowersMatchPowAndBroadcast()
    {
        using var x = TransposedRand(3, 4, -3, 3, seed: 9);
        using var two = Tensor.FromArray(new[] { 2f });
        using (var z = Run("Pow", 13, [x, two])) AssertClose(Map(x, v => v * v), z, 1e-6, 0);
        foreach (var (e, dt) in new[] { (1f, DType.F32), (3f, DType.F32), (3f, DType.F16), (2f, DType.BF16), (3f, DType.F64) })
        {
            using var xd = x.To(dt);
            using var ed = Tensor.Scalar(e, dt);
            using var z = Run("Pow", 15, [xd, ed]);
            Assert.Equal(dt, z.DType);
            using var expected64 = Tensor.FromDoubles(Map(xd, v => System.Math.Pow(v, e)), x.Shape, DType.F64);
            using var expected = expected64.To(dt);   // exact power rounded once to dt
            AssertClose(expected.ToDoubleArray(), z, dt == DType.F64 ? 1e-15 : dt == DType.F32 ? 2.5e-7 : 0, 0);
        }
        using var s = Tensor.Scalar(2f);
        using var x0 = Tensor.Scalar(-3f);
        using (var z = Run("Pow", 13, [x0, two])) { Assert.Equal(new Shape(1), z.Shape); Assert.Equal(9f, z.ToArray<float>()[0]); }
        using (var z = Run("Pow", 13, [x0, s])) { Assert.Equal(Shape.Scalar, z.Shape); Assert.Equal(9f, z.ToArray<float>()[0]); }
    }

    [Fact]
    public void PowFractionalAndBroadcast()
    {
        using var x = TransposedRand(3, 4, 0.1, 3, seed: 4);
        using var e = Tensor.FromArray(new[] { 0.5f, -1.5f, 2.2f, 0f });
        using var z = Run("Pow", 13, [x, e]);
        AssertClose(Map2(x, e, M.Pow), z, 2e-6, 1e-7);
        using var xi = Tensor.FromArray(new[] { 2, 3, 10 });
        using var half = Tensor.Scalar(0.5);
        using var zi = Run("Pow", 15, [xi, half]);                       // int base, f64 exponent: truncated back
        Assert.Equal(new[] { 1, 1, 3 }, zi.ToArray<int>());
        using var i64 = Tensor.FromArray(new long[] { 2 });
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("Pow", 7, [x, i64]));  // opset 7: one float type
        Assert.Contains("Pow node 'n0' (opset 7)", ex.Message);
    }

    [Fact]
    public void ModFollowsDivisorSignOrDividendSign()
    {
        int[] a = [-4, 7, 5, 4, -7, 8], b = [2, -3, 8, -2, 3, 5];
        using var ta = Tensor.FromArray(a);
        using var tb = Tensor.FromArray(b);
        using (var y = Run("Mod", 13, [ta, tb]))
            Assert.Equal(a.Select((x, i) => ((x % b[i]) + b[i]) % b[i]).ToArray(), y.ToArray<int>());
        using (var y = Run("Mod", 13, [ta, tb], Attr("fmod", 1L)))
            Assert.Equal(a.Select((x, i) => x % b[i]).ToArray(), y.ToArray<int>());
        // ONNX test_mod_mixed_sign_float32
        using var fa = Tensor.FromArray(new[] { -4.3f, 7.2f, 5.0f, 4.3f, -7.2f, 8.0f });
        using var fb = Tensor.FromArray(new[] { 2.1f, -3.4f, 8.0f, -2.1f, 3.4f, 5.0f });
        using (var y = Run("Mod", 13, [fa, fb], Attr("fmod", 1L)))
            Assert.Equal(new[] { -0.10000038f, 0.39999962f, 5f, 0.10000038f, -0.39999962f, 3f }, y.ToArray<float>());
        using var f16a = fa.To(DType.F16);
        using var f16b = fb.To(DType.F16);
        using (var y = Run("Mod", 13, [f16a, f16b], Attr("fmod", 1L)))
        {
            var bh = f16b.ToDoubleArray();
            Assert.Equal(f16a.ToDoubleArray().Select((x, i) => (double)(Half)(x % bh[i])).ToArray(), y.ToDoubleArray());
        }
        var ex = Assert.Throws<ArgumentException>(() => Run("Mod", 13, [ta, tb], Attr("fmod", 2L)));
        Assert.Contains("Mod node 'n0'", ex.Message);
    }

    [Theory]
    [InlineData("Max")]
    [InlineData("Min")]
    [InlineData("Sum")]
    [InlineData("Mean")]
    public void VariadicOpsBroadcastAllInputs(string op)
    {
        using var a = TransposedRand(2, 3, -2, 2, seed: 5);      // [2, 3]
        using var b = Tensor.Rand(new Shape(3), new Generator(6), -2, 2);
        using var c0 = Tensor.Rand(new Shape(4, 1, 1), new Generator(7), -2, 2);
        using var c = c0.Expand(4, 2, 1);                         // expanded (stride 0) view
        using var y = Run(op, 13, [a, b, c]);
        Assert.Equal(new Shape(4, 2, 3), y.Shape);
        var shape = y.Shape;
        using var ae = a.BroadcastTo(shape);
        using var be = b.BroadcastTo(shape);
        using var ce = c.BroadcastTo(shape);
        double[] av = ae.ToDoubleArray(), bv = be.ToDoubleArray(), cv = ce.ToDoubleArray();
        var expected = av.Select((x, i) => op switch
        {
            "Max" => M.Max(x, M.Max(bv[i], cv[i])),
            "Min" => M.Min(x, M.Min(bv[i], cv[i])),
            "Sum" => x + bv[i] + cv[i],
            _ => (x + bv[i] + cv[i]) / 3,
        }).ToArray();
        AssertClose(expected, y, 1e-6, 1e-6);
        using var one = Run(op, 13, [a]);
        AssertClose(a.ToDoubleArray(), one, 0, 0);
    }

    [Theory]
    [InlineData(DType.I8)]
    [InlineData(DType.U8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    [InlineData(DType.F64)]
    [InlineData(DType.F16)]
    public void MaxMinSumOnOtherTypes(DType dt)
    {
        using var a = Tensor.FromDoubles([1, 9, 3, 0], new Shape(4), dt);
        using var b = Tensor.FromDoubles([4, 2, 3, 7], new Shape(4), dt);
        using (var y = Run("Max", 13, [a, b])) { Assert.Equal(dt, y.DType); Assert.Equal(new double[] { 4, 9, 3, 7 }, y.ToDoubleArray()); }
        using (var y = Run("Min", 13, [a, b])) Assert.Equal(new double[] { 1, 2, 3, 0 }, y.ToDoubleArray());
        using (var y = Run("Sum", 13, [a, b, a])) Assert.Equal(new double[] { 6, 20, 9, 7 }, y.ToDoubleArray());
    }

    [Fact]
    public void MaxPropagatesNaN()
    {
        using var a = Tensor.FromArray(new[] { float.NaN, 1f });
        using var b = Tensor.FromArray(new[] { 2f, float.NaN });
        using var y = Run("Max", 13, [a, b]);
        Assert.All(y.ToArray<float>(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void ClipWithInputsAndAttributes()
    {
        using var x = Tensor.FromArray(new[] { -3f, -1f, 0f, 1f, 3f, float.NaN });
        using var lo = Tensor.Scalar(-1.5f);
        using var hi = Tensor.FromArray(new[] { 2f });       // shape [1] is accepted as a scalar
        using (var y = Run("Clip", 13, [x, lo, hi])) AssertClose([-1.5, -1, 0, 1, 2, double.NaN], y);
        using (var y = Run("Clip", 13, [x, null, hi])) AssertClose([-3, -1, 0, 1, 2, double.NaN], y);
        using (var y = Run("Clip", 13, [x, lo])) AssertClose([-1.5, -1, 0, 1, 3, double.NaN], y);
        using (var y = Run("Clip", 13, [x])) AssertClose([-3, -1, 0, 1, 3, double.NaN], y);
        using (var y = Run("Clip", 13, [x, hi, lo])) AssertClose([-1.5, -1.5, -1.5, -1.5, -1.5, double.NaN], y);  // min > max → max
        using (var y = Run("Clip", 6, [x], Attr("min", -0.5f), Attr("max", 0.5f))) AssertClose([-0.5, -0.5, 0, 0.5, 0.5, double.NaN], y);
        using (var y = Run("Clip", 6, [x], Attr("max", 0.5f))) AssertClose([-3, -1, 0, 0.5, 0.5, double.NaN], y);
        using var nan = Tensor.Scalar(float.NaN);
        using (var y = Run("Clip", 13, [x, nan])) Assert.All(y.ToArray<float>(), v => Assert.True(float.IsNaN(v)));
        using var xh = x.To(DType.F16);
        using var loh = lo.To(DType.F16);
        using (var y = Run("Clip", 13, [xh, loh])) { Assert.Equal(DType.F16, y.DType); AssertClose([-1.5, -1, 0, 1, 3, double.NaN], y); }
        using var big = Tensor.FromArray(new[] { long.MaxValue, long.MaxValue - 1, 0 });
        using var bigMax = Tensor.FromSpan<long>(new[] { long.MaxValue - 1 }, Shape.Scalar);
        using (var y = Run("Clip", 13, [big, null, bigMax]))   // exact in i64 beyond 2^53
            Assert.Equal(new[] { long.MaxValue - 1, long.MaxValue - 1, 0 }, y.ToArray<long>());
        using var xi = Tensor.FromArray(new sbyte[] { -128, -5, 0, 5, 127 });
        using var mi = Tensor.Scalar(-6, DType.I8);
        using var ma = Tensor.Scalar(4, DType.I8);
        using (var y = Run("Clip", 13, [xi, mi, ma])) Assert.Equal(new sbyte[] { -6, -5, 0, 4, 4 }, y.ToArray<sbyte>());
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("Clip", 11, [xi, mi, ma]));   // ints from opset 12
        Assert.Contains("Clip node 'n0' (opset 11)", ex.Message);
        using var vec = Tensor.FromArray(new[] { 1f, 2f });
        var ex2 = Assert.Throws<ShapeMismatchException>(() => Run("Clip", 13, [x, vec]));
        Assert.Contains("min must be a scalar", ex2.Message);
    }

    [Fact]
    public void WhereBroadcastsConditionAndBranches()
    {
        using var c = Tensor.FromArray(new[] { true, false, true }, 3, 1);
        using var a = TransposedRand(3, 2, -1, 1, seed: 8);
        using var b = Tensor.Scalar(7f);
        using var y = Run("Where", 16, [c, a, b]);
        var av = a.ToDoubleArray();
        AssertClose(av.Select((v, i) => i / 2 == 1 ? 7 : v).ToArray(), y, 0, 0);
        using var li = Tensor.FromArray(new long[] { 1, 2, 3 });
        using var ri = Tensor.FromArray(new long[] { -1 });
        using var c1 = Tensor.FromArray(new[] { false, true, false });
        using (var yi = Run("Where", 16, [c1, li, ri])) Assert.Equal(new long[] { -1, 2, -1 }, yi.ToArray<long>());
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("Where", 16, [li, li, ri]));
        Assert.Contains("condition", ex.Message);
        var ex2 = Assert.Throws<DTypeMismatchException>(() => Run("Where", 16, [c1, li, b]));
        Assert.Contains("one type", ex2.Message);
    }
}
