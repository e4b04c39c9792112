using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.MathHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX Div, Pow, Mod, Max, Min, Sum, Mean, Clip and Where with numpy broadcasting. Integer Div truncates toward
/// zero (C semantics, as the ONNX reference expects); Pow keeps the base's type for mixed base/exponent types.
/// </summary>
[OpSet]
public static class MathBinaryOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Div", [1, 6, 7, 13, 14], Div);
        r.Register("Pow", [1, 7, 12, 13, 15], Pow);
        r.Register("Mod", [10, 13], Mod);
        r.Register("Max", [1, 6, 8, 12, 13], ctx => Variadic(ctx, Numeric, (a, b) => a.Maximum(b)));
        r.Register("Min", [1, 6, 8, 12, 13], ctx => Variadic(ctx, Numeric, (a, b) => a.Minimum(b)));
        r.Register("Sum", [1, 6, 8, 13], ctx => Variadic(ctx, Numeric, (a, b) => a.Add(b)));
        r.Register("Mean", [1, 6, 8, 13], Mean);
        r.Register("Clip", [1, 6], ClipAttributes);
        r.Register("Clip", [11, 12, 13], ClipInputs);
        r.Register("Where", [9, 16], Where);
    }

    private static RuntimeValue?[] Div(OpContext ctx)
    {
        NoLegacyAxis(ctx);
        Tensor a = Require(ctx, ctx.Tensor(0), "A", Numeric), b = ctx.Tensor(1);
        SameType(ctx, a, b);
        return One(a.DType.IsInteger() ? Checked(ctx, () => a.Div(b, DivRounding.Trunc)) : a.Div(b));
    }

    /// <summary>
    /// Pow: the result has the base's type. Before opset 12 both inputs share one float type; from 12 the exponent
    /// may be any numeric type. Integer ^ integer uses exact integer power; otherwise the power is taken in F32
    /// (F64 when either side is F64 or the base is an integer) and converted to the base type (truncating).
    /// </summary>
    private static RuntimeValue?[] Pow(OpContext ctx)
    {
        NoLegacyAxis(ctx);
        var x = ctx.Tensor(0);
        var y = ctx.Tensor(1);
        if (ctx.Opset < 12)
        {
            Require(ctx, x, "X", Floats);
            SameType(ctx, x, y);
        }
        else
        {
            Require(ctx, x, "X", ctx.Opset < 13 ? [DType.F32, DType.F64, DType.F16, DType.I32, DType.I64] : [DType.F32, DType.F64, DType.F16, DType.BF16, DType.I32, DType.I64]);
            Require(ctx, y, "Y", Numeric);
        }
        if (x.DType.IsInteger() && y.DType.IsInteger())
        {
            var p = Checked(ctx, () => x.Pow(y));
            return One(p.DType == x.DType ? p : p.To(x.DType));
        }
        if (x.DType.IsFloatingPoint() && y.Numel == 1 && y.Rank <= x.Rank && y.ItemAsDouble() is 1 or 2 or 3)
            return One(SmallPower(x, (int)y.ItemAsDouble()));
        var compute = x.DType == DType.F64 || y.DType == DType.F64 || x.DType.IsInteger() ? DType.F64 : DType.F32;
        var xc = x.DType == compute ? x : x.To(compute);
        var yc = y.DType == compute ? y : y.To(compute);
        var z = xc.Pow(yc);
        return One(z.DType == x.DType ? z : z.To(x.DType));
    }

    /// <summary>
    /// x¹, x² or x³ by multiplication (exported LayerNorm and tanh-GELU graphs use Pow(x, 2) and Pow(x, 3)): x² is
    /// exactly pow's correctly rounded result, x³ within an ulp, both far cheaper than a general pow per element.
    /// F16/BF16 multiply in F32 and round once.
    /// </summary>
    private static Tensor SmallPower(Tensor x, int n) =>
        In(x, x.DType is DType.F16 or DType.BF16 ? DType.F32 : x.DType, t => n switch
        {
            1 => t.Clone(),
            2 => t.Square(),
            _ => t.Square().Mul(t),
        });

    /// <summary>Mod: fmod = 0 gives the divisor's sign (Python %), fmod = 1 the dividend's sign (C fmod).</summary>
    private static RuntimeValue?[] Mod(OpContext ctx)
    {
        Tensor a = Require(ctx, ctx.Tensor(0), "A", Numeric), b = ctx.Tensor(1);
        SameType(ctx, a, b);
        return ctx.Node.GetInt("fmod", 0) switch
        {
            0 => One(Checked(ctx, () => a.Remainder(b))), // floats: the spec asks for fmod = 1; the reference uses numpy's mod
            1 => One(Checked(ctx, () => a.Fmod(b))),
            var f => throw new ArgumentException($"{ctx.Describe()}: fmod must be 0 or 1, got {f}."),
        };
    }

    /// <summary>Integer division by zero and negative integer powers: rethrown with the node named.</summary>
    private static Tensor Checked(OpContext ctx, Func<Tensor> f)
    {
        try { return f(); }
        catch (DivideByZeroException e) { throw new DivideByZeroException($"{ctx.Describe()}: {e.Message}", e); }
        catch (ArgumentException e) { throw new ArgumentException($"{ctx.Describe()}: {e.Message}", e); }
    }

    /// <summary>Folds 1..N same-typed, broadcasting inputs with <paramref name="f"/>.</summary>
    private static RuntimeValue?[] Variadic(OpContext ctx, DType[] allowed, Func<Tensor, Tensor, Tensor> f)
    {
        var xs = Inputs(ctx, allowed);
        if (xs.Length == 1) return [ctx.Inputs[0]!.Share()];
        var acc = f(xs[0], xs[1]);
        for (int i = 2; i < xs.Length; i++) acc = f(acc, xs[i]);
        return One(acc);
    }

    private static Tensor[] Inputs(OpContext ctx, DType[] allowed)
    {
        if (ctx.InputCount == 0) throw new ModelFormatException($"{ctx.Describe()}: needs at least one input.");
        var xs = new Tensor[ctx.InputCount];
        for (int i = 0; i < xs.Length; i++) xs[i] = Require(ctx, ctx.Tensor(i), $"input {i}", allowed);
        SameType(ctx, xs);
        return xs;
    }

    /// <summary>Mean of 1..N broadcasting float inputs: the sum (in F32 for F16/BF16) divided by N.</summary>
    private static RuntimeValue?[] Mean(OpContext ctx)
    {
        var xs = Inputs(ctx, Floats);
        var compute = xs[0].DType == DType.F64 ? DType.F64 : DType.F32;
        var acc = xs[0].DType == compute ? xs[0] : xs[0].To(compute);
        for (int i = 1; i < xs.Length; i++) acc = acc.Add(xs[i].DType == compute ? xs[i] : xs[i].To(compute));
        acc = acc.Div(xs.Length);
        return One(acc.DType == xs[0].DType ? acc : acc.To(xs[0].DType));
    }

    /// <summary>Clip-1/6: float attributes min/max (absent = unbounded).</summary>
    private static RuntimeValue?[] ClipAttributes(OpContext ctx)
    {
        var x = Require(ctx, ctx.Tensor(0), "input", Floats);
        float? min = ctx.Node.Attributes.ContainsKey("min") ? ctx.Node.GetFloat("min", 0) : null;
        float? max = ctx.Node.Attributes.ContainsKey("max") ? ctx.Node.GetFloat("max", 0) : null;
        if (min is null && max is null) return One(x.Clone());
        return One(x.Clamp(min, max));
    }

    /// <summary>
    /// Clip-11+: optional scalar inputs min and max of the input's type; min(max(x, min), max), so min &gt; max gives max
    /// and NaN stays NaN. Integer types from opset 12. Float inputs with non-NaN bounds take Core's fused one-pass
    /// Clamp (the bounds are read as scalars, exactly: every float type widens to double without loss); integer
    /// inputs compare in their own type (I64 bounds beyond 2^53 stay exact).
    /// </summary>
    private static RuntimeValue?[] ClipInputs(OpContext ctx)
    {
        var x = Require(ctx, ctx.Tensor(0), "input", ctx.Opset < 12 ? Floats : Numeric);
        var min = ctx.OptionalTensor(1);
        var max = ctx.OptionalTensor(2);
        if (min is not null) { SameType(ctx, x, min); min = ScalarInput(ctx, min, "min"); }
        if (max is not null) { SameType(ctx, x, max); max = ScalarInput(ctx, max, "max"); }
        if (min is null && max is null) return One(x.Clone());
        if (x.DType.IsFloatingPoint())
        {
            double? lo = min?.ItemAsDouble(), hi = max?.ItemAsDouble();
            if (!(lo is double l && double.IsNaN(l)) && !(hi is double h && double.IsNaN(h)))
                return One(x.Clamp(lo, hi));
        }
        var y = min is null ? x : x.Maximum(min);
        return One(max is null ? y : y.Minimum(max));
    }

    /// <summary>Where(condition, X, Y): bool condition, X and Y of one type, all three broadcast together.</summary>
    private static RuntimeValue?[] Where(OpContext ctx)
    {
        var c = Require(ctx, ctx.Tensor(0), "condition", DType.Bool);
        Tensor a = ctx.Tensor(1), b = ctx.Tensor(2);
        SameType(ctx, a, b);
        return One(Tensor.Where(c, a, b));
    }
}
