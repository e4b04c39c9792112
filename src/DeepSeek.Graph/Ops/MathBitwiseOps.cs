using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.MathHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

// Bitwise ops composed from Core integer arithmetic (Core has no bitwise kernels), computed in I64 with wrapping
// two's-complement arithmetic. AND: bit k of v is ⌊v/2^k⌋ mod 2 (floor division and Python-style mod give the
// two's-complement bit also for negatives), the top bit of a signed w-bit type weighs −2^(w−1). Then
// XOR = a + b − 2·AND and OR = a + b − AND (mod 2^64); NOT = −a − 1. BitShift multiplies / floor-divides by 2^y.

/// <summary>ONNX BitwiseAnd, BitwiseOr, BitwiseXor, BitwiseNot (integer types) and BitShift (uint8).</summary>
[OpSet]
public static class MathBitwiseOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        Binary(r, "BitwiseAnd", (a, b, t) => And(a, b, t));
        Binary(r, "BitwiseOr", (a, b, t) => a + b - And(a, b, t));
        Binary(r, "BitwiseXor", (a, b, t) => a + b - And(a, b, t).Mul(2));
        r.Register("BitwiseNot", [18], ctx =>
        {
            var x = Require(ctx, ctx.Tensor(0), "X", Integers);
            return One(x.Neg().Sub(1));
        });
        r.Register("BitShift", [11], BitShift);
    }

    private static void Binary(OpRegistry r, string op, Func<Tensor, Tensor, DType, Tensor> f) =>
        r.Register(op, [18], ctx =>
        {
            Tensor a = Require(ctx, ctx.Tensor(0), "A", Integers), b = ctx.Tensor(1);
            SameType(ctx, a, b);
            return One(f(a.To(DType.I64), b.To(DType.I64), a.DType).To(a.DType));
        });

    private static int Bits(DType t) => t.SizeOf() * 8;

    /// <summary>Bitwise AND of the I64 (sign- or zero-extended) images of two <paramref name="type"/> tensors.</summary>
    internal static Tensor And(Tensor a, Tensor b, DType type)
    {
        int w = Bits(type);
        bool signed = type != DType.U8;
        var shape = Shape.Broadcast(a.Shape, b.Shape, "BitwiseAnd");
        var acc = Tensor.Zeros(shape, DType.I64, a.Device);
        Tensor qa = a, qb = b;
        double weight = 1;
        for (int k = 0; k < w; k++)
        {
            var bit = qa.Remainder(2) * qb.Remainder(2);
            double wk = signed && k == w - 1 ? -weight : weight;  // −2^63 is exactly long.MinValue
            acc = acc + bit.Mul(wk);
            qa = qa.Div(2, DivRounding.Floor);
            qb = qb.Div(2, DivRounding.Floor);
            weight *= 2;
        }
        return acc;
    }

    /// <summary>BitShift on uint8 (Core's only unsigned type): LEFT wraps mod 2^8, RIGHT is logical; shifts ≥ 8 give 0.</summary>
    private static RuntimeValue?[] BitShift(OpContext ctx)
    {
        Tensor x = Require(ctx, ctx.Tensor(0), "X", DType.U8), y = ctx.Tensor(1);
        SameType(ctx, x, y);
        var dir = ctx.Node.GetString("direction", "");
        var x64 = x.To(DType.I64);
        var pow = Tensor.Scalar(2, DType.I64, x.Device).Pow(y.To(DType.I64).Minimum(Bits(x.DType)));
        return dir switch
        {
            "LEFT" => One((x64 * pow).To(x.DType)),      // I64 → U8 keeps the low 8 bits
            "RIGHT" => One(x64.Div(pow, DivRounding.Floor).To(x.DType)),
            _ => throw new ArgumentException($"{ctx.Describe()}: direction must be 'LEFT' or 'RIGHT', got '{dir}'."),
        };
    }
}
