using static DeepSeek.Graph.Tests.Ops.MathFamily.MathTestUtil;
using M = System.Math;

namespace DeepSeek.Graph.Tests.Ops.MathFamily;

using Shape = DeepSeek.Shape;  // the sibling namespace DeepSeek.Graph.Tests.Ops.Shape would hide the type

public sealed class ActivationTests
{
    private static double Sigmoid(double x) => 1 / (1 + M.Exp(-x));
    private static double Softplus(double x) => M.Log(1 + M.Exp(x));

    public static TheoryData<string, long, string, double, string, double> Cases() => new()
    {
        // op, opset, attr1, value1, attr2, value2 ("" = none → spec default)
        { "LeakyRelu", 16, "", 0, "", 0 },
        { "LeakyRelu", 6, "alpha", 0.2, "", 0 },
        { "Elu", 6, "", 0, "", 0 },
        { "Elu", 6, "alpha", 2, "", 0 },
        { "Selu", 6, "", 0, "", 0 },
        { "Selu", 6, "alpha", 2, "gamma", 3 },
        { "Celu", 12, "", 0, "", 0 },
        { "Celu", 12, "alpha", 2, "", 0 },
        { "ThresholdedRelu", 10, "", 0, "", 0 },
        { "ThresholdedRelu", 10, "alpha", 0.5, "", 0 },
        { "HardSigmoid", 6, "", 0, "", 0 },
        { "HardSigmoid", 6, "alpha", 0.5, "beta", 0.6 },
        { "HardSwish", 14, "", 0, "", 0 },
        { "Gelu", 20, "", 0, "", 0 },
        { "Mish", 18, "", 0, "", 0 },
        { "Softplus", 1, "", 0, "", 0 },
        { "Softsign", 1, "", 0, "", 0 },
        { "Swish", 24, "", 0, "", 0 },
        { "Swish", 24, "alpha", 0.5, "", 0 },
        { "Shrink", 9, "", 0, "", 0 },
        { "Shrink", 9, "lambd", 1.5, "bias", 1.5 },
    };

    private static Func<double, double> Reference(string op, Func<string, double, double> a) => op switch
    {
        "LeakyRelu" => x => x >= 0 ? x : a("alpha", 0.01) * x,
        "Elu" => x => x > 0 ? x : a("alpha", 1) * (M.Exp(x) - 1),
        "Selu" => x => a("gamma", 1.05070102214813232421875) * (x > 0 ? x : a("alpha", 1.67326319217681884765625) * (M.Exp(x) - 1)),
        "Celu" => x => M.Max(0, x) + M.Min(0, a("alpha", 1) * (M.Exp(x / a("alpha", 1)) - 1)),
        "ThresholdedRelu" => x => x > a("alpha", 1) ? x : 0,
        "HardSigmoid" => x => M.Max(0, M.Min(1, a("alpha", 0.2) * x + a("beta", 0.5))),
        "HardSwish" => x => x * M.Max(0, M.Min(1, x / 6 + 0.5)),
        "Gelu" => x => 0.5 * x * (1 + UnaryErf(x / M.Sqrt(2))),
        "Mish" => x => x * M.Tanh(Softplus(x)),
        "Softplus" => Softplus,
        "Softsign" => x => x / (1 + M.Abs(x)),
        "Swish" => x => x * Sigmoid(a("alpha", 1) * x),
        "Shrink" => x => x < -a("lambd", 0.5) ? x + a("bias", 0) : x > a("lambd", 0.5) ? x - a("bias", 0) : 0,
        _ => throw new ArgumentException(op),
    };

    private static double UnaryErf(double x)
    {
        double sum = 0, term = x;
        for (int n = 0; n < 200 && M.Abs(term) > 1e-18; n++) { sum += term / (2 * n + 1); term *= -x * x / (n + 1); }
        return 2 / M.Sqrt(M.PI) * sum;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDoubleReferenceForEveryFloatType(string op, long opset, string n1, double v1, string n2, double v2)
    {
        var attrs = new List<(string, AttributeValue)>();
        if (n1 != "") attrs.Add(Attr(n1, (float)v1));
        if (n2 != "") attrs.Add(Attr(n2, (float)v2));
        double A(string name, double def) => name == n1 ? (float)v1 : name == n2 ? (float)v2 : (float)def; // attributes are float32
        var f = Reference(op, A);
        foreach (var dt in new[] { DType.F32, DType.F64, DType.F16, DType.BF16 })
        {
            using var x = TransposedRand(6, 5, -4, 4, seed: op.Length * 7 + (int)dt, dtype: dt);
            using var y = Run(op, opset, [x], [.. attrs]);
            Assert.Equal(dt, y.DType);
            Assert.Equal(x.Shape, y.Shape);
            using var e64 = Tensor.FromDoubles(Map(x, f), x.Shape, DType.F64);
            using var e = e64.To(dt);   // the exact result rounded once to dt
            double tol = dt switch { DType.F32 => 2e-6, DType.F64 => 1e-12, DType.F16 => 1e-3, _ => 8e-3 };
            AssertClose(e.ToDoubleArray(), y, tol, tol);
        }
    }

    [Fact]
    public void SoftplusAndMishStayFiniteForLargeInputs()
    {
        using var x = Tensor.FromArray(new[] { -200f, -50f, 50f, 200f });
        using (var y = Run("Softplus", 1, [x])) AssertClose([0, 1.9287498479639178e-22, 50, 200], y, 1e-5, 1e-30);
        using (var y = Run("Mish", 18, [x])) AssertClose([0, -9.643749239819589e-21, 50, 200], y, 1e-5, 1e-30);
    }

    [Fact]
    public void GeluTanhApproximation()
    {
        using var x = Tensor.FromArray(new[] { -1f, 0f, 1f });
        using var y = Run("Gelu", 20, [x], Attr("approximate", "tanh"));
        // ONNX test_gelu_tanh_1 expected values
        AssertClose([-0.15880799293518066, 0, 0.8411920070648193], y, 1e-6, 1e-7);
        var ex = Assert.Throws<UnsupportedOperatorException>(() => Run("Gelu", 20, [x], Attr("approximate", "erf")));
        Assert.Contains("Gelu node 'n0'", ex.Message);
        Assert.Contains("'erf'", ex.Message);
    }

    [Fact]
    public void PReluBroadcastsSlopeUnidirectionally()
    {
        using var x = Tensor.RandN(new Shape(2, 3, 4), new Generator(3));
        using var slope = Tensor.FromArray(new[] { 0.1f, -2f, 0.5f }, 3, 1);
        using var y = Run("PRelu", 16, [x, slope]);
        AssertClose(Map2(x, slope, (a, s) => a < 0 ? a * s : a), y, 1e-6, 1e-7);
        using var xt = x.Transpose(0, 2);                    // [4, 3, 2], non-contiguous
        using var s2 = Tensor.FromArray(new[] { 3f, -1f });    // over the last axis
        using var y2 = Run("PRelu", 9, [xt, s2]);
        AssertClose(Map2(xt, s2, (a, s) => a < 0 ? a * s : a), y2, 1e-6, 1e-7);
        using var xi = Tensor.FromArray(new[] { -3, 4, -5 });
        using var si = Tensor.FromArray(new[] { 2 });
        using (var yi = Run("PRelu", 16, [xi, si])) Assert.Equal(new[] { -6, 4, -10 }, yi.ToArray<int>());
        using var bad = Tensor.Ones(new Shape(5, 2, 3, 4));
        var ex = Assert.Throws<ShapeMismatchException>(() => Run("PRelu", 16, [x, bad]));
        Assert.Contains("PRelu node 'n0'", ex.Message);
    }

    [Fact]
    public void ShrinkOnIntegersKeepsTheType()
    {
        using var x = Tensor.FromArray(new[] { -5, -1, 0, 1, 5 });
        using var y = Run("Shrink", 9, [x], Attr("lambd", 1.5f), Attr("bias", 1f));
        Assert.Equal(new[] { -4, 0, 0, 0, 4 }, y.ToArray<int>());
    }

    [Fact]
    public void ActivationsRejectIntegerInputs()
    {
        using var x = Tensor.FromArray(new long[] { 1, -2 });
        var ex = Assert.Throws<DTypeMismatchException>(() => Run("Elu", 6, [x]));
        Assert.Contains("Elu node 'n0' (opset 6)", ex.Message);
        Assert.Contains("i64", ex.Message);
    }

    [Fact]
    public void SwiGluIsSwishOfTheGateTimesTheValue()
    {
        using var a = TransposedRand(3, 4, -3, 3, seed: 31);
        using var b = Tensor.Rand(new Shape(3, 4), new Generator(32), -2, 2);
        foreach (var (alpha, attrs) in new[] { (1.0, Array.Empty<(string, AttributeValue)>()), (0.5, new[] { Attr("alpha", 0.5f) }) })
        {
            var expected = Map2(a, b, (g, v) => g / (1 + System.Math.Exp(-alpha * g)) * v);
            using (var y = Run("SwiGLU", 28, [a, b], attrs)) AssertClose(expected, y, 2e-6, 1e-7);
            using var ah = a.To(DType.F16);
            using var bh = b.To(DType.F16);
            using (var y = Run("SwiGLU", 28, [ah, bh], attrs))
            {
                Assert.Equal(DType.F16, y.DType);
                AssertClose(Map2(ah, bh, (g, v) => g / (1 + System.Math.Exp(-alpha * g)) * v), y, 2e-3, 2e-3);
            }
        }
        using var row = Tensor.Ones(new Shape(4));
        var ex = Assert.Throws<ShapeMismatchException>(() => Run("SwiGLU", 28, [a, row]));
        Assert.Contains("SwiGLU node 'n0'", ex.Message);
    }
}
