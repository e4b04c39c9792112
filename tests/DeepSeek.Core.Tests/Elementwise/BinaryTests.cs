namespace DeepSeek.Tests.Elementwise;

public class BinaryTests
{
    private static readonly Dictionary<string, (Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Ref)> Ops = new()
    {
        ["Add"] = ((a, b) => a + b, (x, y) => x + y),
        ["Sub"] = ((a, b) => a - b, (x, y) => x - y),
        ["Mul"] = ((a, b) => a * b, (x, y) => x * y),
        ["AddAlpha"] = ((a, b) => a.Add(b, 3), (x, y) => x + 3 * y),
        ["SubAlpha"] = ((a, b) => a.Sub(b, 2), (x, y) => x - 2 * y),
        ["Maximum"] = ((a, b) => a.Maximum(b), (x, y) => double.IsNaN(x) || double.IsNaN(y) ? double.NaN : Math.Max(x, y)),
        ["Minimum"] = ((a, b) => a.Minimum(b), (x, y) => double.IsNaN(x) || double.IsNaN(y) ? double.NaN : Math.Min(x, y)),
    };

    public static TheoryData<string, DType> Cases()
    {
        var d = new TheoryData<string, DType>();
        foreach (var name in Ops.Keys)
            foreach (var t in Ref.Floats.Concat(Ref.Ints)) d.Add(name, t);
        return d;
    }

    private static Tensor Data(int[] shape, DType dtype, ulong seed)
    {
        long n = new Shape(shape).Numel;
        var v = Ref.Values((int)n, seed);
        if (dtype.IsInteger()) v = v.Select(x => Math.Round(x * 7) % 60 + (dtype == DType.U8 ? 60 : 0)).ToArray();
        return Tensor.FromDoubles(v, new Shape(shape), dtype);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BroadcastPatternsMatchReference(string name, DType dtype)
    {
        var (op, reference) = Ops[name];
        var pairs = new (int[] A, int[] B)[]
        {
            (new[] { 37 }, new[] { 37 }),
            (new[] { 3, 1 }, new[] { 1, 4 }),
            (new[] { 2, 3, 4 }, new[] { 4 }),
            (Array.Empty<int>(), new[] { 5, 2 }),
            (new[] { 2, 3, 5, 5 }, new[] { 1, 3, 1, 1 }),
            (new[] { 41 }, new[] { 1 }),
        };
        ulong seed = 1;
        foreach (var (sa, sb) in pairs)
        {
            using var a = Data(sa, dtype, seed++);
            using var b = Data(sb, dtype, seed++);
            using var y = op(a, b);
            Assert.Equal(dtype, y.DType);
            Assert.True(y.Shape == Shape.Broadcast(a.Shape, b.Shape, "t"), $"{y.Shape}");
            var expected = Ref.Zip(a, b, (x, z) => Ref.RoundTo(dtype, reference(x, z)));
            var (r, at) = Ref.Tol(dtype);
            TestUtil.AssertClose(expected, y.ToDoubleArray(), r, at);
            using var y2 = op(b, a); // scalar/broadcast operand on the other side
            TestUtil.AssertClose(Ref.Zip(b, a, (x, z) => Ref.RoundTo(dtype, reference(x, z))), y2.ToDoubleArray(), r, at);
        }
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    [InlineData(DType.I32)]
    [InlineData(DType.F16)]
    public void NonContiguousOperands(DType dtype)
    {
        using var m = Data(new[] { 9, 11 }, dtype, 3);
        using var n = Data(new[] { 11, 9 }, dtype, 4);
        using var t = n.T;                       // [9, 11] transposed
        using var s = m.Slice(1, 0, 11, 2);      // [9, 6] stepped
        using var s2 = t.Slice(1, 1, 11, 2);     // [9, 5] stepped transposed
        using var e = Data(new[] { 9, 1 }, dtype, 5);
        using var ex = e.Expand(9, 6);
        var (r, at) = Ref.Tol(dtype);
        using (var y = m * t) TestUtil.AssertClose(Ref.Zip(m, t, (x, z) => Ref.RoundTo(dtype, x * z)), y.ToDoubleArray(), r, at);
        using (var y = s - ex) TestUtil.AssertClose(Ref.Zip(s, ex, (x, z) => Ref.RoundTo(dtype, x - z)), y.ToDoubleArray(), r, at);
        using (var y = s2 + e) TestUtil.AssertClose(Ref.Zip(s2, e, (x, z) => Ref.RoundTo(dtype, x + z)), y.ToDoubleArray(), r, at);
    }

    [Fact]
    public void TypePromotion()
    {
        (DType A, DType B, DType Out)[] cases =
        {
            (DType.I32, DType.F32, DType.F32), (DType.I8, DType.U8, DType.I16), (DType.F16, DType.BF16, DType.F32),
            (DType.I64, DType.F16, DType.F16), (DType.Bool, DType.I32, DType.I32), (DType.F32, DType.F64, DType.F64),
            (DType.U8, DType.I64, DType.I64), (DType.BF16, DType.BF16, DType.BF16),
        };
        foreach (var (da, db, dout) in cases)
        {
            using var a = Tensor.Full(new Shape(2), 3, da);
            using var b = Tensor.Full(new Shape(2), 1, db);
            using var y = a + b;
            Assert.Equal(dout, y.DType);
            double sum = Ref.RoundTo(da, 3) + Ref.RoundTo(db, 1);
            TestUtil.AssertClose(y, new[] { sum, sum });
        }
    }

    [Fact]
    public void ScalarOperandsAndOperators()
    {
        using var x = Tensor.FromArray(new float[] { 1, -2, 4 });
        using (var y = x + 1.5) TestUtil.AssertClose(y, new[] { 2.5, -0.5, 5.5 });
        using (var y = 1.5 + x) TestUtil.AssertClose(y, new[] { 2.5, -0.5, 5.5 });
        using (var y = 10 - x) TestUtil.AssertClose(y, new double[] { 9, 12, 6 });
        using (var y = x - 10) TestUtil.AssertClose(y, new double[] { -9, -12, -6 });
        using (var y = 2 * x) TestUtil.AssertClose(y, new double[] { 2, -4, 8 });
        using (var y = x / 4) TestUtil.AssertClose(y, new[] { 0.25, -0.5, 1 });
        using (var y = 8 / x) TestUtil.AssertClose(y, new double[] { 8, -4, 2 });
        using (var y = -x) TestUtil.AssertClose(y, new double[] { -1, 2, -4 });
        using (var y = x.Add(2, alpha: 3)) TestUtil.AssertClose(y, new double[] { 7, 4, 10 });

        using var i = Tensor.FromArray(new int[] { 7, -7, 3 });
        using (var y = i * 2) { Assert.Equal(DType.I32, y.DType); Assert.Equal(new[] { 14, -14, 6 }, y.ToArray<int>()); }
        using (var y = i * 2.5) { Assert.Equal(DType.F32, y.DType); TestUtil.AssertClose(y, new[] { 17.5, -17.5, 7.5 }); }
        using (var y = i / 2) { Assert.Equal(DType.F32, y.DType); TestUtil.AssertClose(y, new[] { 3.5, -3.5, 1.5 }); }
        using (var y = 21 / i) { Assert.Equal(DType.F32, y.DType); TestUtil.AssertClose(y, new double[] { 3, -3, 7 }); }

        using var h = Tensor.FromDoubles(new double[] { 1, 2 }, new Shape(2), DType.F16);
        using (var y = h + 0.1) { Assert.Equal(DType.F16, y.DType); TestUtil.AssertClose(y, new[] { (double)(Half)1.1, (double)(Half)2.1 }, 0, 0); }
        using var b = Tensor.FromArray(new[] { true, false });
        using (var y = b + 1) { Assert.Equal(DType.I64, y.DType); Assert.Equal(new long[] { 2, 1 }, y.ToArray<long>()); }
    }

    [Fact]
    public void IntegerDivisionModesAndWrapping()
    {
        using var a = Tensor.FromArray(new int[] { 7, -7, 7, -7, int.MinValue, 0 });
        using var b = Tensor.FromArray(new int[] { 2, 2, -2, -2, -1, 5 });
        using (var q = a.Div(b, DivRounding.Trunc)) { Assert.Equal(DType.I32, q.DType); Assert.Equal(new[] { 3, -3, -3, 3, int.MinValue, 0 }, q.ToArray<int>()); }
        using (var q = a.Div(b, DivRounding.Floor)) Assert.Equal(new[] { 3, -4, -4, 3, int.MinValue, 0 }, q.ToArray<int>());
        using (var r = a.Remainder(b)) Assert.Equal(new[] { 1, 1, -1, -1, 0, 0 }, r.ToArray<int>());
        using (var r = a.Fmod(b)) Assert.Equal(new[] { 1, -1, 1, -1, 0, 0 }, r.ToArray<int>());
        using (var q = a.Div(b)) { Assert.Equal(DType.F32, q.DType); TestUtil.AssertClose(q, new[] { 3.5, -3.5, -3.5, 3.5, 2147483648.0, 0 }); }

        using var f = Tensor.FromArray(new float[] { 7, -7, 7, -7, 5.5f });
        using var g = Tensor.FromArray(new float[] { 2, 2, -2, -2, 0 });
        using (var q = f.Div(g, DivRounding.Trunc)) TestUtil.AssertClose(q, new[] { 3, -3, -3, 3, double.PositiveInfinity });
        using (var q = f.Div(g, DivRounding.Floor)) TestUtil.AssertClose(q, new[] { 3, -4, -4, 3, double.PositiveInfinity });
        using (var r = f.Remainder(g)) TestUtil.AssertClose(r, new[] { 1, 1, -1, -1, double.NaN });
        using (var r = f.Fmod(g)) TestUtil.AssertClose(r, new[] { 1, -1, 1, -1, double.NaN });
        using (var q = f.Div(2.0, DivRounding.Floor)) TestUtil.AssertClose(q, new double[] { 3, -4, 3, -4, 2 });

        using var s8 = Tensor.FromArray(new sbyte[] { 127, -128, 100 });
        using (var y = s8 + 1) Assert.Equal(new sbyte[] { -128, -127, 101 }, y.ToArray<sbyte>());
        using (var y = s8 * 3) Assert.Equal(new sbyte[] { 125, -128, 44 }, y.ToArray<sbyte>());
        using var u8 = Tensor.FromArray(new byte[] { 0, 255 });
        using (var y = u8 - 1) Assert.Equal(new byte[] { 255, 254 }, y.ToArray<byte>());

        using var zero = Tensor.FromArray(new int[] { 1, 0, 3 });
        Assert.Throws<DivideByZeroException>(() => a.Narrow(0, 0, 3).Div(zero, DivRounding.Trunc));
        Assert.Throws<DivideByZeroException>(() => a.Narrow(0, 0, 3).Remainder(zero));
    }

    [Fact]
    public void PowForFloatsAndIntegers()
    {
        using var x = Tensor.FromArray(new float[] { 0.5f, 2, 3, -2, 0 });
        using (var y = x.Pow(2)) TestUtil.AssertClose(y, new[] { 0.25, 4, 9, 4, 0 });
        using (var y = x.Pow(0.5)) TestUtil.AssertClose(y, new[] { Math.Sqrt(0.5), Math.Sqrt(2), Math.Sqrt(3), double.NaN, 0 });
        using var e = Tensor.FromArray(new float[] { 3, -1, 0.5f, 3, 0 });
        using (var y = x.Pow(e)) TestUtil.AssertClose(y, new[] { 0.125, 0.5, Math.Sqrt(3), -8, 1 });
        using var xd = x.To(DType.F64);
        using (var y = xd.Pow(1.5)) TestUtil.AssertClose(y, xd.ToDoubleArray().Select(v => Math.Pow(v, 1.5)).ToArray(), 1e-14, 1e-15);
        using var i = Tensor.FromArray(new long[] { 3, -2, 0, 10 });
        using var p = Tensor.FromArray(new long[] { 4, 3, 0, 19 });
        using (var y = i.Pow(p)) Assert.Equal(new long[] { 81, -8, 1, 10_000_000_000_000_000_000 % long.MaxValue == 0 ? 0 : unchecked((long)10_000_000_000_000_000_000) }, y.ToArray<long>());
        using (var y = i.Pow(2)) Assert.Equal(new long[] { 9, 4, 0, 100 }, y.ToArray<long>());
        using var neg = Tensor.FromArray(new long[] { 1, -1, 0, 1 });
        Assert.Throws<ArgumentException>(() => i.Pow(neg));
    }

    [Fact]
    public void InPlaceOps()
    {
        using var w = Tensor.FromDoubles(new double[] { 1, 2, 3, 4, 5, 6 }, new Shape(2, 3));
        using var g = Tensor.FromDoubles(new double[] { 10, 20, 30 }, new Shape(3));
        Assert.Same(w, w.AddInPlace(g, -0.1));
        TestUtil.AssertClose(w, new double[] { 0, 0, 0, 3, 3, 3 }, 1e-6, 1e-6);
        w.MulInPlace(2).AddInPlace(1);
        TestUtil.AssertClose(w, new double[] { 1, 1, 1, 7, 7, 7 }, 1e-6, 1e-6);
        using var col = Tensor.FromDoubles(new double[] { 2, 3 }, new Shape(2, 1));
        w.MulInPlace(col);
        TestUtil.AssertClose(w, new double[] { 2, 2, 2, 21, 21, 21 }, 1e-6, 1e-6);

        // strided destination (a transposed view writes through to its base)
        using var m = Tensor.FromDoubles(new double[] { 1, 2, 3, 4 }, new Shape(2, 2));
        using var mt = m.T;
        using var add = Tensor.FromDoubles(new double[] { 10, 20, 30, 40 }, new Shape(2, 2));
        mt.AddInPlace(add);
        TestUtil.AssertClose(m, new double[] { 11, 32, 23, 44 });

        // overlapping input: x += xᵀ reads the original values
        using var s = Tensor.FromDoubles(new double[] { 1, 2, 3, 4 }, new Shape(2, 2));
        using var st = s.T;
        s.AddInPlace(st);
        TestUtil.AssertClose(s, new double[] { 2, 5, 5, 8 });

        // half-precision and integer destinations
        using var h = Tensor.FromDoubles(new double[] { 1, 2 }, new Shape(2), DType.BF16);
        using var hf = Tensor.FromArray(new float[] { 0.5f, 0.25f });
        h.AddInPlace(hf);
        Assert.Equal(DType.BF16, h.DType);
        TestUtil.AssertClose(h, new[] { 1.5, 2.25 });
        using var i = Tensor.FromArray(new int[] { 1, 2 });
        i.AddInPlace(i, 2).MulInPlace(2);
        Assert.Equal(new[] { 6, 12 }, i.ToArray<int>());
        Assert.Throws<DTypeMismatchException>(() => i.AddInPlace(hf));
        Assert.Throws<ArgumentException>(() => i.AddInPlace(i, 0.5));
        using var big = Tensor.Zeros(3, 2);
        var ex = Assert.Throws<ShapeMismatchException>(() => w.AddInPlace(big));
        Assert.Contains("[3, 2]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
    }

    [Fact]
    public void LogicalOps()
    {
        using var a = Tensor.FromArray(new[] { true, true, false, false });
        using var b = Tensor.FromArray(new[] { true, false, true, false });
        using (var y = a & b) Assert.Equal(new[] { true, false, false, false }, y.ToArray<bool>());
        using (var y = a | b) Assert.Equal(new[] { true, true, true, false }, y.ToArray<bool>());
        using (var y = a ^ b) Assert.Equal(new[] { false, true, true, false }, y.ToArray<bool>());
        using (var y = !a) Assert.Equal(new[] { false, false, true, true }, y.ToArray<bool>());
        using var col = Tensor.FromArray(new[] { true, false }, 2, 1);
        using var row = Tensor.FromArray(new[] { true, false, true }, 1, 3);
        using (var y = col.LogicalAnd(row)) Assert.Equal(new[] { true, false, true, false, false, false }, y.ToArray<bool>());
        using var f = Tensor.Zeros(4);
        var ex = Assert.Throws<DTypeMismatchException>(() => a.LogicalOr(f));
        Assert.Contains("LogicalOr", ex.Message);
        Assert.Throws<DTypeMismatchException>(() => a + b);
    }

    [Fact]
    public void ErrorsNameOpShapesAndDTypes()
    {
        using var a = Tensor.Zeros(2, 3);
        using var b = Tensor.Zeros(4);
        var ex = Assert.Throws<ShapeMismatchException>(() => a + b);
        Assert.Contains("Add", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4]", ex.Message);
        var ex2 = Assert.Throws<ShapeMismatchException>(() => a.Maximum(b));
        Assert.Contains("Maximum", ex2.Message);
        var dead = Tensor.Zeros(3);
        dead.Dispose();
        var ex3 = Assert.Throws<TensorDisposedException>(() => a * dead);
        Assert.Contains("Mul", ex3.Message);
    }
}
