using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.MathHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

// ONNX activation functions with their spec default attributes. Composed from Core ops in F32 (F16/BF16 widened
// once and rounded back once) or F64; softplus uses the overflow-free max(x, 0) + log1p(e^−|x|), ELU-family ops
// use expm1 for accuracy near 0.

/// <summary>
/// LeakyRelu, Elu, Selu, Celu, ThresholdedRelu, PRelu, HardSigmoid, HardSwish, Gelu, Mish, Softplus, Softsign,
/// Shrink, Swish, SwiGLU.
/// </summary>
[OpSet]
public static class MathActivationOps
{
    /// <summary>SELU's default α (ONNX spec).</summary>
    private const double SeluAlpha = 1.67326319217681884765625;

    /// <summary>SELU's default γ (ONNX spec).</summary>
    private const double SeluGamma = 1.05070102214813232421875;

    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        Float(r, "LeakyRelu", [1, 6, 16], (ctx, x) => x.LeakyRelu(ctx.Node.GetFloat("alpha", 0.01f)));
        Float(r, "Elu", [1, 6, 22], (ctx, x) => Elu(x, ctx.Node.GetFloat("alpha", 1f)));
        Float(r, "Selu", [1, 6, 22], (ctx, x) =>
            Elu(x, ctx.Node.GetFloat("alpha", (float)SeluAlpha)).Mul(ctx.Node.GetFloat("gamma", (float)SeluGamma)));
        Float(r, "Celu", [12], (ctx, x) => Celu(x, ctx.Node.GetFloat("alpha", 1f)));
        Float(r, "ThresholdedRelu", [10, 22], (ctx, x) => Tensor.Where(x.Gt(ctx.Node.GetFloat("alpha", 1f)), x, 0));
        Float(r, "HardSigmoid", [1, 6, 22], (ctx, x) => x.HardSigmoid(ctx.Node.GetFloat("alpha", 0.2f), ctx.Node.GetFloat("beta", 0.5f)));
        Float(r, "HardSwish", [14, 22], (_, x) => x.HardSwish());
        Float(r, "Gelu", [20], Gelu);
        Float(r, "Mish", [18, 22], (_, x) => Mish(x));
        Float(r, "Softplus", [1, 22], (_, x) => Softplus(x));
        Float(r, "Softsign", [1, 22], (_, x) => x / x.Abs().Add(1));
        Float(r, "Swish", [24], (ctx, x) => x * x.Mul(ctx.Node.GetFloat("alpha", 1f)).Sigmoid());
        r.Register("SwiGLU", [28], SwiGlu);
        r.Register("PRelu", [1, 6, 7, 9, 16], PRelu);
        r.Register("Shrink", [9], Shrink);
    }

    private static void Float(OpRegistry r, string op, long[] since, Func<OpContext, Tensor, Tensor> f) =>
        r.Register(op, since, ctx => One(InFloat(ctx, ctx.Tensor(0), x => f(ctx, x))));

    /// <summary>x if x &gt; 0 else α·(eˣ − 1).</summary>
    internal static Tensor Elu(Tensor x, double alpha) => Tensor.Where(x.Gt(0), x, x.Expm1().Mul(alpha));

    /// <summary>max(0, x) + min(0, α·(e^(x/α) − 1)).</summary>
    internal static Tensor Celu(Tensor x, double alpha) => x.Relu() + x.Div(alpha).Expm1().Mul(alpha).Minimum(0);

    /// <summary>
    /// x·tanh(softplus x) = x·n/(n + 2) with n = eˣ(eˣ + 2), accurate for very negative x (where tanh of a tiny
    /// softplus would lose relative accuracy); x itself beyond 20, where the ratio is 1 in every float type.
    /// </summary>
    internal static Tensor Mish(Tensor x)
    {
        var e = x.Minimum(20).Exp();
        var n = e * e.Add(2);
        return Tensor.Where(x.Gt(20), x, x * (n / n.Add(2)));
    }

    /// <summary>ln(1 + eˣ) = max(x, 0) + log1p(e^−|x|), finite for large |x|.</summary>
    internal static Tensor Softplus(Tensor x) => x.Relu() + x.Abs().Neg().Exp().Log1p();

    private static Tensor Gelu(OpContext ctx, Tensor x) => ctx.Node.GetString("approximate", "none") switch
    {
        "none" => x.Gelu(GeluApproximation.None),
        "tanh" => x.Gelu(GeluApproximation.Tanh),
        var a => throw new UnsupportedOperatorException($"{ctx.Describe()}: approximate='{a}' is not one of 'none', 'tanh'."),
    };

    /// <summary>SwiGLU-28: Swish_α(A)·B for same-shaped float A (gate) and B (value); no broadcasting.</summary>
    private static RuntimeValue?[] SwiGlu(OpContext ctx)
    {
        var a = Require(ctx, ctx.Tensor(0), "A", Floats);
        var b = ctx.Tensor(1);
        SameType(ctx, a, b);
        if (a.Shape != b.Shape)
            throw new ShapeMismatchException($"{ctx.Describe()}: A {a.Shape} and B {b.Shape} must have identical shapes (no broadcasting).");
        double alpha = ctx.Node.GetFloat("alpha", 1f);
        if (a.DType is DType.F32 or DType.F64) return One(a * a.Mul(alpha).Sigmoid() * b);
        using var a32 = a.To(DType.F32);
        using var b32 = b.To(DType.F32);
        using var y = a32 * a32.Mul(alpha).Sigmoid() * b32;
        return One(y.To(a.DType));
    }

    /// <summary>x &lt; 0 ? slope·x : x with slope broadcast to x (unidirectional); float and integer types.</summary>
    private static RuntimeValue?[] PRelu(OpContext ctx)
    {
        var x = Require(ctx, ctx.Tensor(0), "X", Numeric);
        var slope = ctx.Tensor(1);
        SameType(ctx, x, slope);
        var prod = x * slope;
        if (prod.Shape != x.Shape)
            throw new ShapeMismatchException(
                $"{ctx.Describe()}: slope shape {slope.Shape} must broadcast to X shape {x.Shape} (unidirectional), but gives {prod.Shape}.");
        return One(Tensor.Where(x.Lt(0), prod, x));
    }

    /// <summary>x &lt; −λ ? x + bias : x &gt; λ ? x − bias : 0, computed in F32/F64 and converted back to x's type.</summary>
    private static RuntimeValue?[] Shrink(OpContext ctx)
    {
        var x = Require(ctx, ctx.Tensor(0), "input", Numeric);
        double lambd = ctx.Node.GetFloat("lambd", 0.5f), bias = ctx.Node.GetFloat("bias", 0f);
        var compute = x.DType is DType.F32 or DType.F16 or DType.BF16 ? DType.F32 : DType.F64;
        return One(In(x, compute, t =>
            Tensor.Where(t.Lt(-lambd), t.Add(bias), Tensor.Where(t.Gt(lambd), t.Sub(bias), 0))));
    }
}
