using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.MathHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

// Trigonometric and hyperbolic functions Core lacks, composed from Core ops in F64 (results rounded once to the
// input dtype). atan: reduce |x| > 1 by atan(x) = π/2 − atan(1/x), halve the angle with v = r/(1 + √(1 + r²))
// (|v| ≤ tan(π/8)), then the Maclaurin series Σ (−1)^k v^(2k+1)/(2k+1) to 19 terms (truncation < 1e-15 relative).
// asin/acos from atan (half-angle forms that stay accurate near ±1); asinh/acosh/atanh via log1p; sinh via expm1.

/// <summary>ONNX Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh (floating types).</summary>
[OpSet]
public static class MathTrigOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        Reg(r, "Tan", [7, 22], Tan);
        Reg(r, "Asin", [7, 22], Asin);
        Reg(r, "Acos", [7, 22], Acos);
        Reg(r, "Atan", [7, 22], Atan);
        Reg(r, "Sinh", [9, 22], Sinh);
        Reg(r, "Cosh", [9, 22], Cosh);
        Reg(r, "Asinh", [9, 22], Asinh);
        Reg(r, "Acosh", [9, 22], Acosh);
        Reg(r, "Atanh", [9, 22], Atanh);
    }

    private static void Reg(OpRegistry r, string op, long[] since, Func<Tensor, Tensor> f64) =>
        r.Register(op, since, ctx => One(InDouble(ctx, ctx.Tensor(0), f64)));

    private const int AtanTerms = 19;

    /// <summary>Large-argument threshold beyond which x² would lose the "+1" (and overflow near 1e154).</summary>
    private const double Large = 1e8;

    /// <summary>tan x = sin x / cos x.</summary>
    internal static Tensor Tan(Tensor x) => x.Sin() / x.Cos();

    /// <summary>atan x for an F64 tensor (see the file header for the method).</summary>
    internal static Tensor Atan(Tensor x)
    {
        var a = x.Abs();
        var inv = a.Gt(1);
        var r = Tensor.Where(inv, a.Reciprocal(), a);                  // [0, 1]; 1/∞ = 0
        var v = r / (r.Square().Add(1).Sqrt().Add(1));                  // [0, tan(π/8)]
        var s = v.Square();
        var p = Tensor.Full(s.Shape, Coef(AtanTerms - 1), DType.F64, x.Device);
        for (int k = AtanTerms - 2; k >= 0; k--) p = p.Mul(s).Add(Coef(k));
        var at = p.Mul(v).Mul(2);                                       // atan r = 2·atan v
        var res = Tensor.Where(inv, Math.PI / 2 - at, at);
        return res.Mul(x.Sign());                                       // NaN stays NaN via sign

        static double Coef(int k) => (k % 2 == 0 ? 1.0 : -1.0) / (2 * k + 1);
    }

    /// <summary>asin x = atan(x / √((1 − x)(1 + x))); |x| &gt; 1 gives NaN.</summary>
    internal static Tensor Asin(Tensor x) => Atan(x / (1 - x).Mul(x.Add(1)).Sqrt());

    /// <summary>acos x = 2·atan(√((1 − x)/(1 + x))); exact at ±1, NaN outside [−1, 1].</summary>
    internal static Tensor Acos(Tensor x) => Atan(((1 - x) / x.Add(1)).Sqrt()).Mul(2);

    /// <summary>sinh x = (expm1 x − expm1(−x))/2, accurate near 0.</summary>
    internal static Tensor Sinh(Tensor x) => (x.Expm1() - x.Neg().Expm1()).Mul(0.5);

    /// <summary>cosh x = (eˣ + e⁻ˣ)/2.</summary>
    internal static Tensor Cosh(Tensor x) => (x.Exp() + x.Neg().Exp()).Mul(0.5);

    /// <summary>asinh x = sign(x)·log1p(|x| + x²/(1 + √(1 + x²))), or sign(x)·(ln|x| + ln 2) for |x| &gt; 1e8.</summary>
    internal static Tensor Asinh(Tensor x)
    {
        var a = x.Abs();
        var small = (a + a.Square() / a.Square().Add(1).Sqrt().Add(1)).Log1p();
        var big = a.Log().Add(Math.Log(2));
        return Tensor.Where(a.Gt(Large), big, small).Mul(x.Sign());
    }

    /// <summary>acosh x = log1p((x − 1) + √((x − 1)(x + 1))), or ln x + ln 2 for x &gt; 1e8; NaN below 1.</summary>
    internal static Tensor Acosh(Tensor x)
    {
        var t = x.Sub(1);
        var small = (t + t.Mul(x.Add(1)).Sqrt()).Log1p();
        var big = x.Log().Add(Math.Log(2));
        var y = Tensor.Where(x.Gt(Large), big, small);
        return Tensor.Where(x.Lt(1), double.NaN, y);   // the formula can cancel to a finite value for x ≪ −1
    }

    /// <summary>atanh x = log1p(2x/(1 − x))/2; ±1 give ±∞, |x| &gt; 1 gives NaN.</summary>
    internal static Tensor Atanh(Tensor x) => (x.Mul(2) / (1 - x)).Log1p().Mul(0.5);
}
