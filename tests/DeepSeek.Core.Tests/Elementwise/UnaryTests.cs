using DeepSeek.Backends;

namespace DeepSeek.Tests.Elementwise;

public class UnaryTests
{
    // name → (op, double reference, floating only)
    private static readonly Dictionary<string, (Func<Tensor, Tensor> Op, Func<double, double> Ref, bool FloatOnly)> Ops = new()
    {
        ["Neg"] = (x => x.Neg(), v => -v, false),
        ["Abs"] = (x => x.Abs(), Math.Abs, false),
        ["Square"] = (x => x.Square(), v => v * v, false),
        ["Sign"] = (x => x.Sign(), v => double.IsNaN(v) ? v : Math.Sign(v), false),
        ["Relu"] = (x => x.Relu(), v => double.IsNaN(v) ? v : Math.Max(v, 0), false),
        ["Floor"] = (x => x.Floor(), Math.Floor, false),
        ["Ceil"] = (x => x.Ceil(), Math.Ceiling, false),
        ["Round"] = (x => x.Round(), v => Math.Round(v, MidpointRounding.ToEven), false),
        ["Trunc"] = (x => x.Trunc(), Math.Truncate, false),
        ["ClampBoth"] = (x => x.Clamp(-1, 2), v => double.IsNaN(v) ? v : Math.Min(Math.Max(v, -1), 2), false),
        ["ClampMin"] = (x => x.Clamp(min: 0.0), v => double.IsNaN(v) ? v : Math.Max(v, 0), false),
        ["Exp"] = (x => x.Exp(), Math.Exp, true),
        ["Log"] = (x => x.Log(), Math.Log, true),
        ["Log1p"] = (x => x.Log1p(), v => Math.Abs(v) < 1e-5 ? v - v * v / 2 + v * v * v / 3 : Math.Log(1 + v), true),
        ["Expm1"] = (x => x.Expm1(), v => Math.Abs(v) < 1e-5 ? v + v * v / 2 + v * v * v / 6 : Math.Exp(v) - 1, true),
        ["Sqrt"] = (x => x.Sqrt(), Math.Sqrt, true),
        ["Rsqrt"] = (x => x.Rsqrt(), v => 1 / Math.Sqrt(v), true),
        ["Reciprocal"] = (x => x.Reciprocal(), v => 1 / v, true),
        ["Sin"] = (x => x.Sin(), Math.Sin, true),
        ["Cos"] = (x => x.Cos(), Math.Cos, true),
        ["Tanh"] = (x => x.Tanh(), Math.Tanh, true),
        ["Sigmoid"] = (x => x.Sigmoid(), v => 1 / (1 + Math.Exp(-v)), true),
        ["Erf"] = (x => x.Erf(), Ref.Erf, true),
        ["Silu"] = (x => x.Silu(), v => v / (1 + Math.Exp(-v)), true),
        ["Gelu"] = (x => x.Gelu(), v => 0.5 * v * (1 + Ref.Erf(v / Math.Sqrt(2))), true),
        ["GeluTanh"] = (x => x.Gelu(GeluApproximation.Tanh), v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))), true),
        ["LeakyRelu"] = (x => x.LeakyRelu(0.1), v => v > 0 ? v : 0.1 * v, true),
        ["HardSwish"] = (x => x.HardSwish(), v => v * Math.Min(Math.Max(v + 3, 0), 6) / 6, true),
        ["HardSigmoid"] = (x => x.HardSigmoid(), v => double.IsNaN(v) ? v : Math.Min(Math.Max(v / 6 + 0.5, 0), 1), true),
        ["HardSigmoidOnnx"] = (x => x.HardSigmoid(0.2, 0.5), v => double.IsNaN(v) ? v : Math.Min(Math.Max(0.2 * v + 0.5, 0), 1), true),
    };

    public static TheoryData<string, DType> Cases()
    {
        var d = new TheoryData<string, DType>();
        foreach (var (name, op) in Ops)
            foreach (var t in op.FloatOnly ? Ref.Floats : Ref.Floats.Concat(Ref.Ints))
                d.Add(name, t);
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDoubleReference(string name, DType dtype)
    {
        var (op, reference, _) = Ops[name];
        var vals = Ref.Values(97).Concat(new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity }).ToArray();
        if (dtype.IsInteger()) vals = vals.Select(v => double.IsFinite(v) ? Math.Clamp(Math.Round(v), dtype == DType.U8 ? 0 : -100, 100) : 3).ToArray();
        using var x = Tensor.FromDoubles(vals, new Shape(vals.Length), dtype);
        using var y = op(x);
        Assert.Equal(dtype, y.DType);
        TestUtil.AssertShape(y, vals.Length);
        var expected = Ref.Map(x, v => Ref.RoundTo(dtype, reference(v)));
        var (r, a) = Ref.Tol(dtype);
        TestUtil.AssertClose(expected, y.ToDoubleArray(), r, a);
    }

    [Theory]
    [InlineData("Gelu")]
    [InlineData("Exp")]
    [InlineData("Relu")]
    [InlineData("Erf")]
    [InlineData("ClampBoth")]
    [InlineData("Tanh")]
    public void NonContiguousInputs(string name)
    {
        var (op, reference, _) = Ops[name];
        using var full = Tensor.FromDoubles(Ref.Values(7 * 13), new Shape(7, 13));
        using var transposed = full.T;
        using var stepped = full.Slice(1, 1, 13, 3);
        using var row = full.Narrow(0, 2, 1);
        using var expanded = row.Expand(5, 13);
        foreach (var view in new[] { transposed, stepped, expanded })
        {
            using var y = op(view);
            Assert.True(y.IsContiguous);
            Assert.True(y.Shape == view.Shape);
            TestUtil.AssertClose(Ref.Map(view, v => (float)reference(v)), y.ToDoubleArray(), 3e-6, 1e-6);
        }
    }

    [Fact]
    public void ErfHitsKnownValuesAndStaysWithinThreeUlpInF32()
    {
        // erf from libm (CPython math.erf) at a few points
        double[] xs = { 0.1, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, -0.5 };
        double[] known = { 0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9661051464753108, 0.9953222650189527,
                           0.9995930479825550, 0.9999779095030014, 0.9999992569016276, 0.9999999845827421, -0.5204998778130465 };
        using var x64 = Tensor.FromDoubles(xs, new Shape(xs.Length), DType.F64);
        using var e64 = x64.Erf();
        TestUtil.AssertClose(known, e64.ToDoubleArray(), 1e-14, 1e-16);
        for (int i = 0; i < xs.Length; i++) Assert.Equal(known[i], Ref.Erf(xs[i]), 1e-12);

        // dense sweep of F32 against the double reference, in ulps of the result
        var grid = Enumerable.Range(-6000, 12001).Select(i => i / 1000.0).ToArray();
        using var x = Tensor.FromDoubles(grid, new Shape(grid.Length));
        using var e = x.Erf();
        var got = e.ToArray<float>();
        var xin = x.ToArray<float>();
        for (int i = 0; i < grid.Length; i++)
        {
            double want = Ref.Erf(xin[i]);
            double ulp = Math.Abs(MathF.BitIncrement(MathF.Abs((float)want)) - MathF.Abs((float)want));
            Assert.True(Math.Abs(got[i] - want) <= 3 * ulp + 1e-45, $"erf({xin[i]}) = {got[i]}, want {want} (ulp {ulp})");
        }
    }

    [Fact]
    public void HandComputedValues()
    {
        using var x = Tensor.FromArray(new float[] { -2, -0.5f, 0, 0.5f, 2 });
        using var relu = x.Relu();
        Assert.Equal(new float[] { 0, 0, 0, 0.5f, 2 }, relu.ToArray<float>());
        using var r = Tensor.FromArray(new float[] { 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f, 2.6f });
        using var rr = r.Round();
        Assert.Equal(new float[] { 0, 2, 2, -0f, -2, 2, 3 }, rr.ToArray<float>());
        using var hs = x.HardSwish();
        TestUtil.AssertClose(hs, new[] { -2 * 1.0 / 6, -0.5 * 2.5 / 6, 0, 0.5 * 3.5 / 6, 2 * 5.0 / 6 });
        using var lr = x.LeakyRelu();
        TestUtil.AssertClose(lr, new[] { -0.02, -0.005, 0, 0.5, 2 });
        using var i = Tensor.FromArray(new sbyte[] { -128, -3, 0, 5 });
        using var ineg = i.Neg();
        Assert.Equal(new sbyte[] { -128, 3, 0, -5 }, ineg.ToArray<sbyte>()); // wraps like PyTorch
        using var iabs = i.Abs();
        Assert.Equal(new sbyte[] { -128, 3, 0, 5 }, iabs.ToArray<sbyte>());
    }

    [Fact]
    public void ClampVariants()
    {
        using var x = Tensor.FromArray(new float[] { -3, -1, 0, 1, 3, float.NaN });
        using var hi = x.Clamp(max: 1.0);
        TestUtil.AssertClose(hi, new[] { -3, -1, 0, 1, 1, double.NaN });
        using var inverted = x.Clamp(2, 1); // min > max → max, like torch
        TestUtil.AssertClose(inverted, new[] { 1, 1, 1, 1, 1, double.NaN });
        using var xi = Tensor.FromArray(new int[] { -5, 0, 5 });
        using var ci = xi.Clamp(-1, 1);
        Assert.Equal(DType.I32, ci.DType);
        Assert.Equal(new[] { -1, 0, 1 }, ci.ToArray<int>());
        using var cf = xi.Clamp(-0.5, 2.5);
        Assert.Equal(DType.F32, cf.DType);
        TestUtil.AssertClose(cf, new[] { -0.5, 0, 2.5 });
        using var u = Tensor.FromArray(new byte[] { 0, 100, 255 });
        using var cu = u.Clamp(-10, 200); // bound below the dtype's range saturates
        Assert.Equal(new byte[] { 0, 100, 200 }, cu.ToArray<byte>());
        using var lo = Tensor.FromArray(new float[] { 0, 0, 0, 0, 0, 0 });
        using var hiT = Tensor.FromArray(new float[] { 1 });
        using var ct = x.Clamp(lo, hiT);
        TestUtil.AssertClose(ct, new[] { 0, 0, 0, 1, 1, double.NaN });
        Assert.Throws<ArgumentException>(() => x.Clamp());
    }

    [Fact]
    public void InPlaceClampOnStridedAndHalfTensors()
    {
        using var m = Tensor.FromDoubles(Enumerable.Range(0, 12).Select(i => i - 6.0).ToArray(), new Shape(3, 4));
        using var t = m.T;
        t.ClampInPlace(-2, 2);
        TestUtil.AssertClose(m, Enumerable.Range(0, 12).Select(i => Math.Clamp(i - 6.0, -2, 2)).ToArray());
        using var h = Tensor.FromDoubles(new double[] { -3, 0.5, 3 }, new Shape(3), DType.BF16);
        Assert.Same(h, h.ClampInPlace(min: 0));
        TestUtil.AssertClose(h, new[] { 0, 0.5, 3 });
        using var s = Tensor.Scalar(1);
        using var e = s.Expand(4);
        Assert.Throws<ArgumentException>(() => e.ClampInPlace(0, 1));
    }

    [Fact]
    public void ScalarAndEmptyTensors()
    {
        using var s = Tensor.Scalar(0.5);
        using var y = s.Exp();
        Assert.Equal(0, y.Rank);
        Assert.Equal(Math.Exp(0.5), y.ItemAsDouble(), 6);
        using var empty = Tensor.Zeros(new Shape(0, 3));
        using var ye = empty.Gelu();
        TestUtil.AssertShape(ye, 0, 3);
    }

    [Theory]
    [InlineData(DType.I32)]
    [InlineData(DType.U8)]
    [InlineData(DType.Bool)]
    public void FloatingOnlyOpsRejectOtherDTypes(DType dtype)
    {
        using var x = Tensor.Zeros(new Shape(2, 3), dtype);
        foreach (var (name, f) in new (string, Func<Tensor, Tensor>)[] { ("Exp", t => t.Exp()), ("Gelu", t => t.Gelu()), ("Sigmoid", t => t.Sigmoid()), ("Sqrt", t => t.Sqrt()) })
        {
            var ex = Assert.Throws<DTypeMismatchException>(() => f(x));
            Assert.Contains(name, ex.Message);
            Assert.Contains(dtype.Name(), ex.Message);
        }
    }

    [Fact]
    public void NumericOpsRejectBoolAndDisposed()
    {
        using var b = Tensor.Zeros(new Shape(2), DType.Bool);
        var ex = Assert.Throws<DTypeMismatchException>(() => b.Neg());
        Assert.Contains("Neg", ex.Message);
        var x = Tensor.Zeros(2);
        x.Dispose();
        var ex2 = Assert.Throws<TensorDisposedException>(() => x.Relu());
        Assert.Contains("Relu", ex2.Message);
    }
}
