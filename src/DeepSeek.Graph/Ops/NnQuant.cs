using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.NnHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX QuantizeLinear / DequantizeLinear (per-tensor, per-axis and blocked scales; u8/i8/i16/i32 integers — the
/// float8/int4/uint16 targets have no Core dtype and fail with a clear error), DynamicQuantizeLinear (u8, range
/// always holding 0) and Dropout in inference form (identity plus an all-true mask).
/// </summary>
[OpSet]
public static class NnQuant
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("QuantizeLinear", [10, 13, 19, 21, 23, 24, 25], ctx => One(Quantize(ctx)));
        r.Register("DequantizeLinear", [10, 13, 19, 21, 23, 24, 25], ctx => One(Dequantize(ctx)));
        r.Register("DynamicQuantizeLinear", [11], DynamicQuantize);
        r.Register("Dropout", [1, 6, 7, 10, 12, 13, 22], Dropout);
    }

    // ONNX TensorProto.DataType codes for output_dtype.
    private static DType FromOnnxCode(OpContext ctx, long code) => code switch
    {
        2 => DType.U8,
        3 => DType.I8,
        5 => DType.I16,
        6 => DType.I32,
        _ => throw new UnsupportedOperatorException($"{ctx.Describe()}: output_dtype {code} is not supported (uint8, int8, int16, int32 are)."),
    };

    /// <summary>Reshapes a scale or zero point to broadcast against <paramref name="x"/>: per tensor, per axis or blocked.</summary>
    private static Tensor Align(OpContext ctx, Tensor s, Tensor x, string what)
    {
        if (s.Numel == 1 && s.Rank <= 1) return s.Reshape([]);
        int axis = Axis(ctx, ctx.Node.GetInt("axis", 1), x.Rank);
        long block = ctx.Opset >= 21 ? ctx.Node.GetInt("block_size", 0) : 0;
        if (block <= 0)
        {
            if (s.Rank != 1 || s.Size(0) != x.Size(axis))
                throw new ShapeMismatchException($"{ctx.Describe()}: per-axis {what} must be [{x.Size(axis)}] (axis {axis} of x {x.Shape}), got {s.Shape}.");
            return s.Reshape(ChannelShape(x.Rank, axis, x.Size(axis)));
        }
        int dim = x.Size(axis);
        int blocks = (int)((dim + block - 1) / block);
        var want = x.Shape.ToArray();
        want[axis] = blocks;
        if (!s.Shape.ToArray().SequenceEqual(want))
            throw new ShapeMismatchException($"{ctx.Describe()}: blocked {what} must be [{string.Join(", ", want)}] (block_size {block} along axis {axis} of x {x.Shape}), got {s.Shape}.");
        var expanded = s.Unsqueeze(axis + 1);
        var full = expanded.Shape.ToArray();
        full[axis + 1] = (int)block;
        var rep = expanded.Expand(full).Reshape([.. want[..axis], blocks * (int)block, .. want[(axis + 1)..]]);
        return rep.Narrow(axis, 0, dim);
    }

    private static Tensor Quantize(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var scale = ctx.Tensor(1);
        var zp = ctx.OptionalTensor(2);
        if (!x.DType.IsFloatingPoint() && x.DType != DType.I32) throw BadType(ctx, x, "f32, f16, bf16, f64, i32");
        DType target = zp?.DType ?? (ctx.Node.GetIntOrNull("output_dtype") is long code && code != 0 ? FromOnnxCode(ctx, code) : DType.U8);
        if (target is not (DType.U8 or DType.I8 or DType.I16 or DType.I32))
            throw new UnsupportedOperatorException($"{ctx.Describe()}: quantizing to {target.Name()} is not supported (u8, i8, i16, i32 are).");
        var work = x.DType == DType.F64 || target == DType.I32 ? DType.F64 : DType.F32;
        var q = x.To(work).Div(Align(ctx, scale, x, "y_scale").To(work)).Round();
        if (zp is not null) q = q.Add(Align(ctx, zp, x, "y_zero_point").To(work));
        return q.Clamp(Lowest(target), Highest(target)).To(target);
    }

    private static Tensor Dequantize(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var scale = ctx.Tensor(1);
        var zp = ctx.OptionalTensor(2);
        if (x.DType is not (DType.U8 or DType.I8 or DType.I16 or DType.I32)) throw BadType(ctx, x, "u8, i8, i16, i32");
        if (!scale.DType.IsFloatingPoint()) throw BadType(ctx, scale, "floating scales");
        var outType = ctx.Opset >= 23 && ctx.Node.GetIntOrNull("output_dtype") is long code && code != 0
            ? code switch { 1 => DType.F32, 10 => DType.F16, 11 => DType.F64, 16 => DType.BF16, _ => throw new UnsupportedOperatorException($"{ctx.Describe()}: output_dtype {code} is not supported.") }
            : scale.DType;
        var work = x.DType == DType.I32 || outType == DType.F64 ? DType.F64 : DType.F32;
        var v = x.To(work);
        if (zp is not null) v = v.Sub(Align(ctx, zp, x, "x_zero_point").To(work));
        return v.Mul(Align(ctx, scale, x, "x_scale").To(work)).To(outType);
    }

    private static RuntimeValue?[] DynamicQuantize(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        if (x.DType != DType.F32) throw BadType(ctx, x, "f32");
        float min = x.Numel == 0 ? 0 : Math.Min(0f, (float)x.Min().ItemAsDouble());
        float max = x.Numel == 0 ? 0 : Math.Max(0f, (float)x.Max().ItemAsDouble());
        float scale = (max - min) / 255f;
        float zpF = scale == 0 ? 0 : MathF.Round(Math.Clamp(0f - min / scale, 0f, 255f), MidpointRounding.ToEven);
        var y = scale == 0
            ? Tensor.Full(x.Shape, zpF, DType.U8)
            : x.Div(Tensor.Scalar(scale)).Round().Add(zpF).Clamp(0, 255).To(DType.U8);
        return Many(y, Tensor.Scalar(scale), Tensor.Scalar(zpF, DType.U8));
    }

    private static RuntimeValue?[] Dropout(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        double ratio;
        bool training;
        if (ctx.Opset >= 12)
        {
            ratio = ctx.OptionalTensor(1) is { } r ? ScalarOf(ctx, r, "ratio") : 0.5;
            training = ctx.OptionalTensor(2) is { } t && ScalarOf(ctx, t, "training_mode") != 0;
        }
        else
        {
            ratio = ctx.Node.GetFloat("ratio", 0.5f);
            training = ctx.Opset < 7 && ctx.Node.GetInt("is_test", 0) == 0;
        }
        if (training && ratio != 0)
            throw new UnsupportedOperatorException($"{ctx.Describe()}: training-mode dropout with ratio {ratio} is random and not supported; run the model in inference mode.");
        var outs = new List<Tensor> { x.Clone() };
        if (ctx.Node.Outputs.Count > 1)
            outs.Add(Tensor.Ones(x.Shape, ctx.Opset >= 10 ? DType.Bool : x.DType));
        return Many(outs.ToArray());
    }
}
