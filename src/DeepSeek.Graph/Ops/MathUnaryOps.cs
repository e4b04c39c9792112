using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.MathHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX elementwise unary math: Abs, Neg, Sign, Floor, Ceil, Round, Exp, Log, Sqrt, Reciprocal, Sin, Cos, Tanh,
/// Sigmoid, Erf, IsNaN, IsInf. Each maps to one Core op; F16/BF16 compute in F32 inside Core and round once.
/// </summary>
[OpSet]
public static class MathUnaryOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        Reg(r, "Abs", [1, 6, 13], Numeric, x => x.Abs());
        Reg(r, "Neg", [1, 6, 13], SignedNumeric, x => x.Neg());
        Reg(r, "Sign", [9, 13], Numeric, x => x.Sign());
        Reg(r, "Floor", [1, 6, 13], Floats, x => x.Floor());
        Reg(r, "Ceil", [1, 6, 13], Floats, x => x.Ceil());
        Reg(r, "Round", [11, 22], Floats, x => x.Round());
        Reg(r, "Exp", [1, 6, 13], Floats, x => x.Exp());
        Reg(r, "Log", [1, 6, 13], Floats, x => x.Log());
        Reg(r, "Sqrt", [1, 6, 13], Floats, x => x.Sqrt());
        Reg(r, "Reciprocal", [1, 6, 13], Floats, x => x.Reciprocal());
        Reg(r, "Sin", [7, 22], Floats, x => x.Sin());
        Reg(r, "Cos", [7, 22], Floats, x => x.Cos());
        Reg(r, "Tanh", [1, 6, 13], Floats, x => x.Tanh());
        Reg(r, "Sigmoid", [1, 6, 13], Floats, x => x.Sigmoid());
        r.Register("Erf", [9, 13], Erf);
        r.Register("IsNaN", [9, 13, 20], ctx =>
        {
            var x = Require(ctx, ctx.Tensor(0), "input", Floats);
            return One(x.Ne(x));
        });
        r.Register("IsInf", [10, 20], IsInf);
    }

    private static void Reg(OpRegistry r, string op, long[] since, DType[] allowed, Func<Tensor, Tensor> f) =>
        r.Register(op, since, ctx => One(f(Require(ctx, ctx.Tensor(0), "input", allowed))));

    /// <summary>Erf accepts every numeric type since opset 9; integers are computed in F64 and truncated back.</summary>
    private static RuntimeValue?[] Erf(OpContext ctx)
    {
        var x = Require(ctx, ctx.Tensor(0), "input", Numeric);
        return One(x.DType.IsFloatingPoint() ? x.Erf() : In(x, DType.F64, t => t.Erf()));
    }

    private static RuntimeValue?[] IsInf(OpContext ctx)
    {
        var x = Require(ctx, ctx.Tensor(0), "input", Floats);
        bool pos = ctx.Node.GetInt("detect_positive", 1) != 0, neg = ctx.Node.GetInt("detect_negative", 1) != 0;
        if (pos && neg) return One(x.Abs().Eq(double.PositiveInfinity));
        if (pos) return One(x.Eq(double.PositiveInfinity));
        if (neg) return One(x.Eq(double.NegativeInfinity));
        return One(Tensor.Zeros(x.Shape, DType.Bool, x.Device));
    }
}
