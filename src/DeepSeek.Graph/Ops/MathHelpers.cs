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

    /// <summary>ONNX TensorProto.DataType code → Core dtype; throws naming the node for types Core lacks.</summary>
    public static DType FromOnnxType(OpContext ctx, long code) => code switch
    {
        1 => DType.F32,
        2 => DType.U8,
        3 => DType.I8,
        5 => DType.I16,
        6 => DType.I32,
        7 => DType.I64,
        9 => DType.Bool,
        10 => DType.F16,
        11 => DType.F64,
        16 => DType.BF16,
        _ => throw new UnsupportedOperatorException(
            $"{ctx.Describe()}: target type {OnnxTypeName(code)} (code {code}) is not supported; supported: float, double, float16, bfloat16, int8, uint8, int16, int32, int64, bool."),
    };

    /// <summary>ONNX spelling of a TensorProto.DataType code, for messages.</summary>
    public static string OnnxTypeName(long code) => code switch
    {
        0 => "UNDEFINED", 1 => "FLOAT", 2 => "UINT8", 3 => "INT8", 4 => "UINT16", 5 => "INT16", 6 => "INT32", 7 => "INT64",
        8 => "STRING", 9 => "BOOL", 10 => "FLOAT16", 11 => "DOUBLE", 12 => "UINT32", 13 => "UINT64", 14 => "COMPLEX64",
        15 => "COMPLEX128", 16 => "BFLOAT16", 17 => "FLOAT8E4M3FN", 18 => "FLOAT8E4M3FNUZ", 19 => "FLOAT8E5M2",
        20 => "FLOAT8E5M2FNUZ", 21 => "UINT4", 22 => "INT4", 23 => "FLOAT4E2M1", 24 => "FLOAT8E8M0", 25 => "UINT2", 26 => "INT2",
        _ => "unknown",
    };
}
