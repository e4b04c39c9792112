namespace DeepSeek.Tests.Autograd;

public sealed class ElementwiseGradTests
{
    public static TheoryData<string> SmoothUnary => new()
    {
        "Neg", "Square", "Exp", "Expm1", "Sin", "Cos", "Tanh", "Sigmoid", "Erf", "Silu", "Gelu", "GeluTanh",
        "Log", "Log1p", "Sqrt", "Rsqrt", "Reciprocal", "Abs", "Relu", "LeakyRelu", "HardSwish", "HardSigmoid", "Clamp",
    };

    private static Tensor Apply(string op, Tensor x) => op switch
    {
        "Neg" => x.Neg(),
        "Square" => x.Square(),
        "Exp" => x.Exp(),
        "Expm1" => x.Expm1(),
        "Sin" => x.Sin(),
        "Cos" => x.Cos(),
        "Tanh" => x.Tanh(),
        "Sigmoid" => x.Sigmoid(),
        "Erf" => x.Erf(),
        "Silu" => x.Silu(),
        "Gelu" => x.Gelu(),
        "GeluTanh" => x.Gelu(GeluApproximation.Tanh),
        "Log" => x.Log(),
        "Log1p" => x.Log1p(),
        "Sqrt" => x.Sqrt(),
        "Rsqrt" => x.Rsqrt(),
        "Reciprocal" => x.Reciprocal(),
        "Abs" => x.Abs(),
        "Relu" => x.Relu(),
        "LeakyRelu" => x.LeakyRelu(0.1),
        "HardSwish" => x.HardSwish(),
        "HardSigmoid" => x.HardSigmoid(),
        "Clamp" => x.Clamp(-0.5, 0.7),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(SmoothUnary))]
    public void UnaryMatchesFiniteDifferences(string op)
    {
        bool positiveOnly = op is "Log" or "Sqrt" or "Rsqrt" or "Reciprocal" or "Log1p";
        // values kept away from kinks (0 for Abs/Relu, ±3 for HardSwish/HardSigmoid, clamp bounds)
        var raw = positiveOnly
            ? new[] { 0.3, 0.9, 1.7, 2.5, 0.45, 3.1 }
            : new[] { -2.2, -0.9, -0.31, 0.27, 0.8, 1.9, 2.6, -3.6, 3.7, 0.55, -0.66, 1.1 };
        using var x = Tensor.FromDoubles(raw, new Shape(raw.Length), DType.F64).RequireGrad();
        GradCheck.Check(xs => Apply(op, xs[0]), [x]);
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    [InlineData("Pow")]
    [InlineData("Maximum")]
    [InlineData("Minimum")]
    [InlineData("AddAlpha")]
    [InlineData("Remainder")]
    public void BinaryWithBroadcastingMatchesFiniteDifferences(string op)
    {
        var a = GradCheck.Uniform(1, 0.5, 2.0, 3, 1);
        var b = GradCheck.Uniform(2, 0.5, 2.0, 1, 4);
        GradCheck.Check(xs => op switch
        {
            "Add" => xs[0] + xs[1],
            "Sub" => xs[0] - xs[1],
            "Mul" => xs[0] * xs[1],
            "Div" => xs[0] / xs[1],
            "Pow" => xs[0].Pow(xs[1]),
            "Maximum" => xs[0].Maximum(xs[1]),
            "Minimum" => xs[0].Minimum(xs[1]),
            "AddAlpha" => xs[0].Add(xs[1], 2.5),
            "Remainder" => (xs[0] * 3.0).Remainder(xs[1]),
            _ => throw new ArgumentException(op),
        }, [a, b]);
    }

    [Fact]
    public void ScalarOperandsAndOperators()
    {
        var x = GradCheck.Uniform(3, 0.5, 2, 2, 3);
        GradCheck.Check(xs => (2.0 - xs[0]) * 3.0 / (xs[0] + 1.0) + 1.0 / xs[0] - xs[0].Pow(3), [x]);
    }

    [Fact]
    public void WhereRoutesGradientToTheChosenBranch()
    {
        var a = GradCheck.Input(4, 2, 3);
        var b = GradCheck.Input(5, 3);
        using var cond = Tensor.FromArray(new[] { true, false, true, false, false, true }, 2, 3);
        GradCheck.Check(xs => Tensor.Where(cond, xs[0], xs[1]), [a, b]);
    }

    [Fact]
    public void MaximumTieSplitsGradientEvenly()
    {
        using var a = Tensor.FromArray(new[] { 1.0, 2.0 }).RequireGrad();
        using var b = Tensor.FromArray(new[] { 1.0, 3.0 }).RequireGrad();
        using var y = a.Maximum(b).Sum();
        y.Backward();
        Assert.Equal(new[] { 0.5, 0.0 }, a.Grad!.ToArray<double>());
        Assert.Equal(new[] { 0.5, 1.0 }, b.Grad!.ToArray<double>());
    }

    [Fact]
    public void CastBackwardReturnsGradientInTheInputDtype()
    {
        using var x = Tensor.FromArray(new[] { 1.5, -2.0 }).RequireGrad();
        using var y = (x.To(DType.F32) * 3.0).Sum();
        y.Backward();
        Assert.Equal(DType.F64, x.Grad!.DType);
        Assert.Equal(new[] { 3.0, 3.0 }, x.Grad.ToArray<double>());
    }

    [Fact]
    public void F32GradientsAgreeWithF64()
    {
        using var x64 = Tensor.FromArray(new[] { 0.3, -1.2, 2.0 }).RequireGrad();
        using var x32 = x64.Detach().To(DType.F32).RequireGrad();
        using (var y = (x64.Tanh() * x64.Exp()).Sum()) y.Backward();
        using (var y = (x32.Tanh() * x32.Exp()).Sum()) y.Backward();
        TestUtil.AssertClose(x64.Grad!.ToDoubleArray(), x32.Grad!.ToDoubleArray(), 1e-5, 1e-6);
    }
}
