using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// Dtype checks, ONNX type codes and compute-precision wrappers shared by the Math kernel files
/// (MathUnaryOps, MathActivationOps, MathBinaryOps, MathLogicOps, MathTrigOps, MathBitwiseOps).
/// </summary>
internal static class MathHelpers
{
    /// <summary>Throws a <see cref="DTypeMismatchException"/> naming the node unless <paramref name="x"/> has one of <paramref name="allowed"/>.</summary>
    public static Tensor Require(OpContext ctx, Tensor x, string what, params DType[] allowed)
    {
        if (Array.IndexOf(allowed, x.DType) < 0)
            throw new DTypeMismatchException(
                $"{ctx.Describe()}: {what} has dtype {x.DType.Name()} (shape {x.Shape}); expected one of {string.Join(", ", allowed.Select(d => d.Name()))}.");
        return x;
    }

    /// <summary>Floating dtypes F32, F64, F16, BF16.</summary>
    public static readonly DType[] Floats = [DType.F32, DType.F64, DType.F16, DType.BF16];

    /// <summary>Every numeric (non-bool) dtype.</summary>
    public static readonly DType[] Numeric = [DType.F32, DType.F64, DType.F16, DType.BF16, DType.I8, DType.U8, DType.I16, DType.I32, DType.I64];

    /// <summary>Signed numeric dtypes (for Neg).</summary>
    public static readonly DType[] SignedNumeric = [DType.F32, DType.F64, DType.F16, DType.BF16, DType.I8, DType.I16, DType.I32, DType.I64];

    /// <summary>Integer dtypes.</summary>
    public static readonly DType[] Integers = [DType.I8, DType.U8, DType.I16, DType.I32, DType.I64];

    /// <summary>Every dtype Core has.</summary>
    public static readonly DType[] All = [.. Numeric, DType.Bool];

    /// <summary>Throws unless all <paramref name="ts"/> share the dtype of the first (ONNX's single type variable T).</summary>
    public static void SameType(OpContext ctx, params Tensor[] ts)
    {
        for (int i = 1; i < ts.Length; i++)
            if (ts[i].DType != ts[0].DType)
                throw new DTypeMismatchException(
                    $"{ctx.Describe()}: inputs must share one type, got {string.Join(", ", ts.Select(t => t.DType.Name() + t.Shape))}.");
    }

    /// <summary>
    /// Runs <paramref name="f"/> on a floating input in F32 (F16/BF16 are widened once, the result is rounded back once)
    /// or F64; throws naming the node for other dtypes.
    /// </summary>
    public static Tensor InFloat(OpContext ctx, Tensor x, Func<Tensor, Tensor> f)
    {
        Require(ctx, x, "input", Floats);
        return In(x, x.DType is DType.F16 or DType.BF16 ? DType.F32 : x.DType, f);
    }

    /// <summary>Runs <paramref name="f"/> on a floating input computed in F64 (for composed functions whose F32 form would lose accuracy).</summary>
    public static Tensor InDouble(OpContext ctx, Tensor x, Func<Tensor, Tensor> f)
    {
        Require(ctx, x, "input", Floats);
        return In(x, DType.F64, f);
    }

    /// <summary>Converts to <paramref name="compute"/>, applies <paramref name="f"/>, converts the result back to x's dtype.</summary>
    public static Tensor In(Tensor x, DType compute, Func<Tensor, Tensor> f)
    {
        if (x.DType == compute) return f(x);
        using var xc = x.To(compute);
        var y = f(xc);
        if (y.DType == x.DType) return y;
        using (y) return y.To(x.DType);
    }

    /// <summary>A 1-element bound (shape [] or [1]) as a 0-d view; throws naming the node otherwise.</summary>
    public static Tensor ScalarInput(OpContext ctx, Tensor t, string what)
    {
        if (t.Numel != 1)
            throw new ShapeMismatchException($"{ctx.Describe()}: {what} must be a scalar (one element), got shape {t.Shape}.");
        return t.Rank == 0 ? t : t.Reshape();
    }

    /// <summary>Throws for opset-1/6 legacy broadcasting with an explicit axis (numpy-style broadcasting is implemented).</summary>
    public static void NoLegacyAxis(OpContext ctx)
    {
        if (ctx.Opset < 7 && ctx.Node.GetInt("broadcast", 0) != 0 && ctx.Node.GetIntOrNull("axis") is not null)
            throw new UnsupportedOperatorException(
                $"{ctx.Describe()}: legacy broadcasting with an 'axis' attribute (opset < 7) is not supported; re-export with opset ≥ 7.");
    }
}
