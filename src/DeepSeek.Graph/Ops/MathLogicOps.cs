using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.MathHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX comparisons (Equal, Greater, GreaterOrEqual, Less, LessOrEqual → bool), logic (Not, And, Or, Xor on bool),
/// and type conversion (Cast, CastLike). Comparisons need both inputs of one type and broadcast numpy-style.
/// </summary>
[OpSet]
public static class MathLogicOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        Compare(r, "Equal", [1, 7, 11, 13, 19], All, (a, b) => a.Eq(b));
        Compare(r, "Greater", [1, 7, 9, 13], Numeric, (a, b) => a.Gt(b));
        Compare(r, "Less", [1, 7, 9, 13], Numeric, (a, b) => a.Lt(b));
        Compare(r, "GreaterOrEqual", [12, 16], Numeric, (a, b) => a.Ge(b));
        Compare(r, "LessOrEqual", [12, 16], Numeric, (a, b) => a.Le(b));
        r.Register("Not", [1], ctx => One(Require(ctx, ctx.Tensor(0), "X", DType.Bool).LogicalNot()));
        Compare(r, "And", [1, 7], [DType.Bool], (a, b) => a.LogicalAnd(b));
        Compare(r, "Or", [1, 7], [DType.Bool], (a, b) => a.LogicalOr(b));
        Compare(r, "Xor", [1, 7], [DType.Bool], (a, b) => a.LogicalXor(b));
        r.Register("Cast", [1, 6, 9, 13, 19, 21, 23, 24, 25], Cast);
        r.Register("CastLike", [15, 19, 21, 23, 24, 25], ctx => CastTo(ctx, ctx.Tensor(1).DType));
        r.Register("BitCast", [26], BitCast);
    }

    private static void Compare(OpRegistry r, string op, long[] since, DType[] allowed, Func<Tensor, Tensor, Tensor> f) =>
        r.Register(op, since, ctx =>
        {
            NoLegacyAxis(ctx);
            Tensor a = Require(ctx, ctx.Tensor(0), "A", allowed), b = ctx.Tensor(1);
            SameType(ctx, a, b);
            return One(f(a, b));
        });

    /// <summary>
    /// Cast to the 'to' type: float → integer truncates toward zero, NaN → 0; anything nonzero (NaN included) → true;
    /// F32 → F16/BF16 rounds to nearest even. Opset 1-5 spells 'to' as a type name string.
    /// </summary>
    private static RuntimeValue?[] Cast(OpContext ctx)
    {
        if (!ctx.Node.Attributes.TryGetValue("to", out var to))
            throw new ModelFormatException($"{ctx.Describe()}: required attribute 'to' is missing.");
        var target = to.Kind == AttributeKind.String
            ? FromOnnxName(ctx, ctx.Node.GetString("to", ""))
            : OnnxElementTypes.ToDType(ctx.Node.GetInt("to", 0), ctx.Describe());
        return CastTo(ctx, target);
    }

    /// <summary>Input 0 converted to <paramref name="target"/>; a cast to its own type is a view, not a copy.</summary>
    private static RuntimeValue?[] CastTo(OpContext ctx, DType target)
    {
        var x = ctx.Tensor(0);
        return x.DType == target ? [ctx.Inputs[0]!.Share()] : One(x.To(target));
    }

    /// <summary>
    /// BitCast-26: reinterprets each element's bytes as the 'to' type of the same width (shape unchanged). The bytes
    /// travel through the backend's host-copy seam; a bool target maps every nonzero byte to true.
    /// </summary>
    private static RuntimeValue?[] BitCast(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var target = OnnxElementTypes.ToDType(ctx.Node.GetIntOrNull("to")
            ?? throw new ModelFormatException($"{ctx.Describe()}: required attribute 'to' is missing."), ctx.Describe());
        if (target.SizeOf() != x.DType.SizeOf())
            throw new DTypeMismatchException(
                $"{ctx.Describe()}: cannot reinterpret {x.DType.Name()} ({x.DType.SizeOf()} bytes) as {target.Name()} ({target.SizeOf()} bytes); the widths must match.");
        using var src = x.Contiguous();
        var bytes = new byte[x.Numel * x.DType.SizeOf()];
        src.Backend.CopyToHost(src, bytes);
        var raw = Tensor.Empty(x.Shape, target == DType.Bool ? DType.U8 : target, x.Device);
        raw.Backend.CopyFromHost(bytes, raw);
        if (target != DType.Bool) return One(raw);
        using (raw) return One(raw.Ne(0));
    }

    private static DType FromOnnxName(OpContext ctx, string name)
    {
        for (long code = 1; code <= 26; code++)
            if (string.Equals(OnnxElementTypes.Name(code), name, StringComparison.OrdinalIgnoreCase)) return OnnxElementTypes.ToDType(code, ctx.Describe());
        throw new UnsupportedOperatorException($"{ctx.Describe()}: unknown target type name '{name}'.");
    }
}
