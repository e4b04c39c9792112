using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.NnHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX normalization ops: BatchNormalization (inference and training_mode), InstanceNormalization, LayerNormalization
/// (with Mean/InvStdDev outputs), GroupNormalization (opset 18 per-group and 21 per-channel affine), RMSNormalization,
/// LpNormalization, MeanVarianceNormalization and LRN. Statistics use the biased variance; F16/BF16 compute in F32.
/// </summary>
[OpSet]
public static class NnNorm
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("BatchNormalization", [6, 7, 9, 14, 15], BatchNorm);
        r.Register("InstanceNormalization", [1, 6, 22], ctx => One(InstanceNorm(ctx)));
        r.Register("LayerNormalization", [17], LayerNorm);
        r.Register("GroupNormalization", 18, ctx => One(GroupNorm(ctx, perChannel: false)));
        r.Register("GroupNormalization", 21, ctx => One(GroupNorm(ctx, perChannel: true)));
        r.Register("RMSNormalization", [23], ctx => One(RmsNorm(ctx)));
        r.Register("LpNormalization", [1, 22], ctx => One(LpNorm(ctx)));
        r.Register("MeanVarianceNormalization", [9, 13], ctx => One(Mvn(ctx)));
        r.Register("LRN", [1, 13], ctx => One(Lrn(ctx)));
    }

    /// <summary>The compute dtype: F16/BF16 widen to F32.</summary>
    private static Tensor Widen(OpContext ctx, Tensor t) => Float(ctx, t).DType is DType.F16 or DType.BF16 ? t.To(DType.F32) : t;

    private static Tensor As(Tensor t, DType d) => t.DType == d ? t : t.To(d);

    private static int[] NonChannelDims(Tensor x) => Enumerable.Range(0, x.Rank).Where(i => i != 1).ToArray();

    private static Tensor PerChannel(OpContext ctx, Tensor t, Tensor x, string what, DType dt)
    {
        if (t.Rank != 1 || t.Size(0) != x.Size(1))
            throw new ShapeMismatchException($"{ctx.Describe()}: {what} must be [{x.Size(1)}] (one value per channel of X {x.Shape}), got {t.Shape}.");
        return As(t, dt).Reshape(ChannelShape(x.Rank, 1, x.Size(1)));
    }

    private static RuntimeValue?[] BatchNorm(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        if (x.Rank < 2) throw new ShapeMismatchException($"{ctx.Describe()}: X must be [N, C, ...], got {x.Shape}.");
        if (ctx.Opset < 7 && ctx.Node.GetInt("spatial", 1) != 1)
            throw new UnsupportedOperatorException($"{ctx.Describe()}: spatial=0 is not supported.");
        double eps = ctx.Node.GetFloat("epsilon", 1e-5f);
        double momentum = ctx.Node.GetFloat("momentum", 0.9f);
        bool training = ctx.Opset >= 14 ? ctx.Node.GetInt("training_mode", 0) != 0 : ctx.Node.Outputs.Count > 1;
        var w = Widen(ctx, x);
        var dt = w.DType;
        var scale = PerChannel(ctx, ctx.Tensor(1), x, "scale", dt);
        var bias = PerChannel(ctx, ctx.Tensor(2), x, "B", dt);
        var mean = PerChannel(ctx, ctx.Tensor(3), x, "input_mean", dt);
        var variance = PerChannel(ctx, ctx.Tensor(4), x, "input_var", dt);
        if (!training)
        {
            // Core's fused kernel: one y = x·scale[c] + shift[c] pass instead of three broadcast passes and temporaries
            if (x.DType is DType.F32 or DType.F64)
                return One(x.BatchNorm(ctx.Tensor(3), ctx.Tensor(4), As(ctx.Tensor(1), x.DType), As(ctx.Tensor(2), x.DType), training: false, eps: eps));
            var factor = scale.Mul(variance.Add(eps).Rsqrt());
            return One(As(w.Sub(mean).Mul(factor).Add(bias), x.DType));
        }
        var dims = NonChannelDims(x);
        var bMean = w.Mean(dims, keepDim: true);
        var diff = w.Sub(bMean);
        var bVar = diff.Square().Mean(dims, keepDim: true);
        var y = As(diff.Mul(bVar.Add(eps).Rsqrt()).Mul(scale).Add(bias), x.DType);
        var statDt = ctx.Tensor(3).DType;
        var runMean = As(mean.Mul(momentum).Add(bMean.Mul(1 - momentum)).Reshape(x.Size(1)), statDt);
        var runVar = As(variance.Mul(momentum).Add(bVar.Mul(1 - momentum)).Reshape(x.Size(1)), statDt);
        var outs = new List<Tensor> { y, runMean, runVar };
        if (ctx.Node.Outputs.Count > 3) outs.Add(As(bMean.Reshape(x.Size(1)), statDt));
        if (ctx.Node.Outputs.Count > 4) outs.Add(As(bVar.Reshape(x.Size(1)), statDt));
        return Many(outs.Take(ctx.Node.Outputs.Count).ToArray());
    }

    /// <summary>(x − mean)·rsqrt(var + eps) over <paramref name="dims"/> (kept), plus the mean and inverse std.</summary>
    private static (Tensor Y, Tensor Mean, Tensor InvStd) Normalize(Tensor w, int[] dims, double eps)
    {
        var mean = w.Mean(dims, keepDim: true);
        var diff = w.Sub(mean);
        var inv = diff.Square().Mean(dims, keepDim: true).Add(eps).Rsqrt();
        return (diff.Mul(inv), mean, inv);
    }

    private static Tensor InstanceNorm(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        if (x.Rank < 3) throw new ShapeMismatchException($"{ctx.Describe()}: X must be [N, C, spatial...], got {x.Shape}.");
        var w = Widen(ctx, x);
        var (y, _, _) = Normalize(w, Enumerable.Range(2, x.Rank - 2).ToArray(), ctx.Node.GetFloat("epsilon", 1e-5f));
        y = y.Mul(PerChannel(ctx, ctx.Tensor(1), x, "scale", w.DType)).Add(PerChannel(ctx, ctx.Tensor(2), x, "B", w.DType));
        return As(y, x.DType);
    }

    private static RuntimeValue?[] LayerNorm(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var scale = ctx.Tensor(1);
        var bias = ctx.OptionalTensor(2);
        int axis = Axis(ctx, ctx.Node.GetInt("axis", -1), x.Rank);
        double eps = ctx.Node.GetFloat("epsilon", 1e-5f);
        int outputs = ctx.Node.Outputs.Count(o => o.Name.Length > 0);
        var normShape = x.Shape.ToArray()[axis..];
        Float(ctx, x);
        if (outputs == 1 && x.DType == DType.F32 && scale.DType == DType.F32 && scale.Shape.ToArray().SequenceEqual(normShape)
            && (bias is null || bias.DType == DType.F32 && bias.Shape.ToArray().SequenceEqual(normShape)) && normShape.Length > 0)
            return One(x.LayerNorm(normShape, scale, bias, eps));
        bool stash32 = ctx.Node.GetInt("stash_type", 1) == 1;
        var w = stash32 && x.DType is DType.F16 or DType.BF16 ? x.To(DType.F32) : x;
        var dims = Enumerable.Range(axis, x.Rank - axis).ToArray();
        var (n, mean, inv) = Normalize(w, dims, eps);
        var y = n.Mul(As(scale, w.DType));
        if (bias is not null) y = y.Add(As(bias, w.DType));
        var res = new List<Tensor> { As(y, x.DType) };
        if (ctx.Node.Outputs.Count > 1) res.Add(mean);
        if (ctx.Node.Outputs.Count > 2) res.Add(inv);
        return Many(res.ToArray());
    }

    private static Tensor GroupNorm(OpContext ctx, bool perChannel)
    {
        var x = ctx.Tensor(0);
        var scale = ctx.Tensor(1);
        var bias = ctx.Tensor(2);
        if (x.Rank < 3) throw new ShapeMismatchException($"{ctx.Describe()}: X must be [N, C, spatial...], got {x.Shape}.");
        int groups = checked((int)(ctx.Node.GetIntOrNull("num_groups") ?? throw new ModelFormatException($"{ctx.Describe()}: required attribute num_groups is missing.")));
        int n = x.Size(0), c = x.Size(1);
        if (groups <= 0 || c % groups != 0)
            throw new ShapeMismatchException($"{ctx.Describe()}: num_groups={groups} must divide the {c} channels of X {x.Shape}.");
        var w = Widen(ctx, x);
        var g = w.Reshape(n, groups, -1);
        var (y, _, _) = Normalize(g, [2], ctx.Node.GetFloat("epsilon", 1e-5f));
        y = y.Reshape(x.Shape.ToArray());
        int want = perChannel ? c : groups;
        foreach (var (t, what) in new[] { (scale, "scale"), (bias, "bias") })
            if (t.Rank != 1 || t.Size(0) != want)
                throw new ShapeMismatchException($"{ctx.Describe()}: {what} must be [{want}] ({(perChannel ? "per channel" : "per group")}), got {t.Shape}.");
        Tensor ToChannels(Tensor t) => perChannel ? t : t.Reshape(groups, 1).Expand(groups, c / groups).Reshape(c);
        var s = As(ToChannels(scale), w.DType).Reshape(ChannelShape(x.Rank, 1, c));
        var b = As(ToChannels(bias), w.DType).Reshape(ChannelShape(x.Rank, 1, c));
        return As(y.Mul(s).Add(b), x.DType);
    }

    private static Tensor RmsNorm(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var scale = ctx.Tensor(1);
        int axis = Axis(ctx, ctx.Node.GetInt("axis", -1), x.Rank);
        double eps = ctx.Node.GetFloat("epsilon", 1e-5f);
        bool stash32 = ctx.Node.GetInt("stash_type", 1) == 1;
        Float(ctx, x);
        var w = stash32 && x.DType is DType.F16 or DType.BF16 ? x.To(DType.F32) : x;
        var dims = Enumerable.Range(axis, x.Rank - axis).ToArray();
        var inv = w.Square().Mean(dims, keepDim: true).Add(eps).Rsqrt();
        return As(w.Mul(inv).Mul(As(scale, w.DType)), x.DType);
    }

    private static Tensor LpNorm(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        int axis = Axis(ctx, ctx.Node.GetInt("axis", -1), x.Rank);
        long p = ctx.Node.GetInt("p", 2);
        var w = Widen(ctx, x);
        var norm = p switch
        {
            1 => w.Abs().Sum(axis, keepDim: true),
            2 => w.Square().Sum(axis, keepDim: true).Sqrt(),
            _ => throw new UnsupportedOperatorException($"{ctx.Describe()}: p must be 1 or 2, got {p}."),
        };
        // a zero norm divides by 1 (the ONNX reference), so an all-zero slice stays zero instead of 0/0 = NaN
        return As(w.Div(Tensor.Where(norm.Eq(0), 1.0, norm)), x.DType);
    }

    private static Tensor Mvn(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var axes = Axes(ctx, ctx.Node.GetInts("axes") ?? [0, 2, 3], x.Rank);
        var w = Widen(ctx, x);
        var mean = w.Mean(axes, keepDim: true);
        var variance = w.Square().Mean(axes, keepDim: true).Sub(mean.Square());
        return As(w.Sub(mean).Div(variance.Sqrt().Add(1e-9)), x.DType);
    }

    private static Tensor Lrn(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        if (x.Rank < 3) throw new ShapeMismatchException($"{ctx.Describe()}: X must be [N, C, spatial...], got {x.Shape}.");
        long size = ctx.Node.GetIntOrNull("size") ?? throw new ModelFormatException($"{ctx.Describe()}: required attribute size is missing.");
        if (size < 1) throw new ModelFormatException($"{ctx.Describe()}: size must be positive, got {size}.");
        double alpha = ctx.Node.GetFloat("alpha", 1e-4f), beta = ctx.Node.GetFloat("beta", 0.75f), bias = ctx.Node.GetFloat("bias", 1f);
        var w = Widen(ctx, x);
        int c = x.Size(1);
        int before = (int)((size - 1) / 2), after = (int)(size - 1 - before);
        // Pad the channel dim (torch pad order: last dim first).
        var pads = new int[2 * (x.Rank - 1)];
        pads[^2] = before;
        pads[^1] = after;
        var sq = w.Square().Pad(pads, PadMode.Constant, 0);
        Tensor? sum = null;
        for (int i = 0; i < size; i++)
        {
            var s = sq.Narrow(1, i, c);
            sum = sum is null ? s.Contiguous() : sum.Add(s);
        }
        var denom = sum!.Mul(alpha / size).Add(bias).Pow(beta);
        return As(w.Div(denom), x.DType);
    }
}
