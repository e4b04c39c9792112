using static DeepSeek.Graph.Tests.Ops.MathFamily.MathTestUtil;
using M = System.Math;

namespace DeepSeek.Graph.Tests.Ops.MathFamily;

using Shape = DeepSeek.Shape;  // the sibling namespace DeepSeek.Graph.Tests.Ops.Shape would hide the type

public sealed class UnaryTests
{
    private static readonly Dictionary<string, (Func<double, double> F, double Lo, double Hi, long Opset)> Refs = new()
    {
        ["Abs"] = (M.Abs, -5, 5, 13),
        ["Neg"] = (x => -x, -5, 5, 13),
        ["Sign"] = (x => M.Sign(x), -5, 5, 13),
        ["Floor"] = (M.Floor, -5, 5, 13),
        ["Ceil"] = (M.Ceiling, -5, 5, 13),
        ["Round"] = (x => M.Round(x, MidpointRounding.ToEven), -5, 5, 11),
        ["Exp"] = (M.Exp, -5, 5, 13),
        ["Log"] = (M.Log, 0.01, 10, 13),
        ["Sqrt"] = (M.Sqrt, 0, 10, 13),
        ["Reciprocal"] = (x => 1 / x, 0.1, 10, 13),
        ["Sin"] = (M.Sin, -6, 6, 7),
        ["Cos"] = (M.Cos, -6, 6, 7),
        ["Tanh"] = (M.Tanh, -4, 4, 13),
        ["Sigmoid"] = (x => 1 / (1 + M.Exp(-x)), -8, 8, 13),
        ["Erf"] = (Erf, -3, 3, 13),
        ["Tan"] = (M.Tan, -1.5, 1.5, 7),
        ["Asin"] = (M.Asin, -1, 1, 7),
        ["Acos"] = (M.Acos, -1, 1, 7),
        ["Atan"] = (M.Atan, -20, 20, 7),
        ["Sinh"] = (M.Sinh, -5, 5, 9),
        ["Cosh"] = (M.Cosh, -5, 5, 9),
        ["Asinh"] = (M.Asinh, -50, 50, 9),
        ["Acosh"] = (M.Acosh, 1, 50, 9),
        ["Atanh"] = (M.Atanh, -0.999, 0.999, 9),
    };

    public static TheoryData<string> Ops() => new(Refs.Keys);

    /// <summary>Abramowitz–Stegun-free reference: erf by its Maclaurin series / continued fraction in double.</summary>
    private static double Erf(double x)
    {
        // Series Σ (−1)^n x^(2n+1) / (n! (2n+1)) · 2/√π converges fast for |x| ≤ 3 in double.
        double sum = 0, term = x;
        for (int n = 0; n < 200; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
            if (M.Abs(term) < 1e-18) break;
        }
        return 2 / M.Sqrt(M.PI) * sum;
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void F32NonContiguousMatchesDoubleReference(string op)
    {
        var (f, lo, hi, opset) = Refs[op];
        using var x = TransposedRand(7, 9, lo, hi, seed: op.Length * 31 + 1);
        using var y = Run(op, opset, [x]);
        Assert.Equal(DType.F32, y.DType);
        Assert.Equal(x.Shape, y.Shape);
        AssertClose(Map(x, f), y, rtol: 2e-6, atol: 1e-6);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void F64IsComputedInDoublePrecision(string op)
    {
        var (f, lo, hi, opset) = Refs[op];
        using var x = Tensor.Rand(new Shape(40), new Generator((ulong)op.Length + 5), lo, hi, DType.F64);
        using var y = Run(op, opset, [x]);
        Assert.Equal(DType.F64, y.DType);
        AssertClose(Map(x, f), y, rtol: 1e-12, atol: 1e-14);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void HalfTypesRoundOnce(string op)
    {
        var (f, lo, hi, opset) = Refs[op];
        foreach (var dt in new[] { DType.F16, DType.BF16 })
        {
            using var x32 = Tensor.Rand(new Shape(3, 5), new Generator((ulong)op.Length + 9), lo, hi);
            using var x = x32.To(dt);
            using var y = Run(op, opset, [x]);
            Assert.Equal(dt, y.DType);
            // expected: the exact function of the rounded input, rounded to dt
            using var e64 = Tensor.FromDoubles(Map(x, f), x.Shape, DType.F64);
            using var e = e64.To(dt);
            double eps = dt == DType.F16 ? 1e-3 : 8e-3;
            AssertClose(e.ToDoubleArray(), y, rtol: eps, atol: eps);
        }
    }

    [Fact]
    public void TrigEdgeValues()
    {
        double[] xs = [-1, -0.5, 0, 0.5, 1, double.NaN];
        using var x = Tensor.FromArray(xs.Select(v => (float)v).ToArray());
        foreach (var (op, f) in new (string, Func<double, double>)[] { ("Asin", M.Asin), ("Acos", M.Acos), ("Atanh", M.Atanh) })
        {
            using var y = Run(op, 9, [x]);
            AssertClose(Map(x, f), y, 1e-6, 1e-7);
        }
        double[] big = [double.NegativeInfinity, -1e30, -1e10, -3, 0, 1e-20, 2, 1e10, 1e30, double.PositiveInfinity];
        using var b = Tensor.FromArray(big);
        foreach (var (op, f) in new (string, Func<double, double>)[] { ("Atan", M.Atan), ("Asinh", M.Asinh), ("Acosh", M.Acosh), ("Sinh", M.Sinh) })
        {
            using var y = Run(op, 9, [b]);
            AssertClose(Map(b, f), y, 1e-12, 1e-300);
        }
        using var outside = Tensor.FromArray(new[] { 1.5f, -2f });
        foreach (var op in new[] { "Asin", "Acos", "Atanh" })
        {
            using var y = Run(op, 9, [outside]);
            Assert.All(y.ToArray<float>(), v => Assert.True(float.IsNaN(v), $"{op} outside [-1, 1] gave {v}"));
        }
    }

    [Fact]
    public void IntegerAbsNegSignKeepType()
    {
        using var x = Tensor.FromArray(new int[] { -7, 0, 3, int.MinValue + 1 });
        using (var y = Run("Abs", 13, [x])) Assert.Equal(new[] { 7, 0, 3, int.MaxValue }, y.ToArray<int>());
        using (var y = Run("Neg", 13, [x])) Assert.Equal(new[] { 7, 0, -3, int.MaxValue }, y.ToArray<int>());
        using (var y = Run("Sign", 13, [x])) Assert.Equal(new[] { -1, 0, 1, -1 }, y.ToArray<int>());
        using var u = Tensor.FromArray(new byte[] { 0, 5, 255 });
        using (var y = Run("Abs", 13, [u])) Assert.Equal(new byte[] { 0, 5, 255 }, y.ToArray<byte>());
        using var l = Tensor.FromArray(new long[] { -4, 2 });
        using (var y = Run("Erf", 13, [l])) Assert.Equal(new long[] { 0, 0 }, y.ToArray<long>()); // erf(±k) truncates to 0
    }

    [Fact]
    public void RoundHalvesToEven()
    {
        using var x = Tensor.FromArray(new[] { 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f, -2.6f });
        using var y = Run("Round", 11, [x]);
        Assert.Equal(new[] { 0f, 2f, 2f, -0f, -2f, 2f, -3f }, y.ToArray<float>());
    }

    [Fact]
    public void IsNaNAndIsInf()
    {
        using var x = Tensor.FromArray(new[] { -1.7f, float.NaN, float.PositiveInfinity, 3.6f, float.NegativeInfinity, float.PositiveInfinity });
        using (var y = Run("IsNaN", 13, [x])) Assert.Equal(new[] { false, true, false, false, false, false }, y.ToArray<bool>());
        using (var y = Run("IsInf", 10, [x])) Assert.Equal(new[] { false, false, true, false, true, true }, y.ToArray<bool>());
        using (var y = Run("IsInf", 10, [x], Attr("detect_positive", 0L))) Assert.Equal(new[] { false, false, false, false, true, false }, y.ToArray<bool>());
        using (var y = Run("IsInf", 10, [x], Attr("detect_negative", 0L))) Assert.Equal(new[] { false, false, true, false, false, true }, y.ToArray<bool>());
        using (var y = Run("IsInf", 10, [x], Attr("detect_negative", 0L), Attr("detect_positive", 0L))) Assert.All(y.ToArray<bool>(), Assert.False);
        using var h = x.To(DType.F16);
        using (var y = Run("IsNaN", 20, [h])) Assert.Equal(new[] { false, true, false, false, false, false }, y.ToArray<bool>());
    }

    [Theory]
    [InlineData("Exp")]
    [InlineData("Atan")]
    [InlineData("Floor")]
    [InlineData("IsNaN")]
    public void FloatOnlyOpsRejectIntegersNamingTheNode(string op)
    {
        using var x = Tensor.FromArray(new[] { 1, 2 });
        var ex = Assert.Throws<DTypeMismatchException>(() => Run(op, 13, [x]));
        Assert.Contains($"{op} node 'n0'", ex.Message);
        Assert.Contains("i32", ex.Message);
        Assert.Contains("f32", ex.Message);
    }

    [Fact]
    public void NegRejectsUnsigned()
    {
        using var x = Tensor.FromArray(new byte[] { 1, 2 });
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("Neg", 13, [x]));
        Assert.Contains("u8", ex.Message);
    }
}
