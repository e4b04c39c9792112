using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.NnHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX Conv and ConvTranspose (1-d/2-d/3-d, auto_pad, asymmetric pads, strides, dilations, groups, output_padding,
/// output_shape) on top of Core's 2-d convolution kernels; 1-d runs as H = 1, 3-d as a sum of 2-d convolutions over depth taps.
/// </summary>
[OpSet]
public static class NnConv
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Conv", [1, 11, 22], ctx => One(Conv(ctx)));
        r.Register("ConvTranspose", [1, 11, 22], ctx => One(ConvTranspose(ctx)));
        r.Register("ConvInteger", [10], ctx => One(ConvInteger(ctx)));
        r.Register("QLinearConv", [10], ctx => One(QLinearConv(ctx)));
    }

    private static (int[] Kernel, int[] Strides, int[] Dilations) Geometry(OpContext ctx, Tensor x, Tensor w)
    {
        if (x.Rank < 3 || w.Rank != x.Rank)
            throw new ShapeMismatchException($"{ctx.Describe()}: X must be [N, C, spatial...] and W of the same rank, got X {x.Shape} and W {w.Shape}.");
        int d = x.Rank - 2;
        var kernel = Ints(ctx.Node, "kernel_shape") ?? w.Shape.ToArray()[2..];
        if (kernel.Length != d || !kernel.SequenceEqual(w.Shape.ToArray()[2..]))
            throw new ShapeMismatchException($"{ctx.Describe()}: kernel_shape [{string.Join(", ", kernel)}] does not match W {w.Shape}.");
        return (kernel, PerDim(ctx, "strides", d, 1), PerDim(ctx, "dilations", d, 1));
    }

    private static Tensor Conv(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var w = ctx.Tensor(1);
        var b = ctx.OptionalTensor(2);
        var (kernel, strides, dil) = Geometry(ctx, x, w);
        var spatial = x.Shape.ToArray()[2..];
        var (pb, pe) = SpatialPads(ctx, spatial, kernel, strides, dil);
        int group = checked((int)ctx.Node.GetInt("group", 1));
        return ConvNd(ctx, x, w, b, strides, pb, pe, dil, group);
    }

    /// <summary>N-d convolution with explicit begin/end pads (1-d, 2-d and 3-d).</summary>
    internal static Tensor ConvNd(OpContext ctx, Tensor x, Tensor w, Tensor? b, int[] s, int[] pb, int[] pe, int[] dil, int group)
    {
        if (x.Size(1) != w.Size(1) * group || w.Size(0) % group != 0)
            throw new ShapeMismatchException($"{ctx.Describe()}: X {x.Shape} has {x.Size(1)} channels but W {w.Shape} with group={group} expects {w.Size(1) * group} (and W's output channels must divide by group).");
        switch (x.Rank)
        {
            case 3:
            {
                var x4 = x.Unsqueeze(2);
                var w4 = w.Unsqueeze(2);
                var y = x4.Conv2d(w4, b, (1, s[0]), [0, pb[0], 0, pe[0]], (1, dil[0]), group);
                return y.Squeeze(2);
            }
            case 4:
                return x.Conv2d(w, b, (s[0], s[1]), [pb[0], pb[1], pe[0], pe[1]], (dil[0], dil[1]), group);
            case 5:
                return Conv3d(ctx, x, w, b, s, pb, pe, dil, group);
            default:
                throw new UnsupportedOperatorException($"{ctx.Describe()}: {x.Rank - 2}-d convolution is not supported (1-d, 2-d and 3-d are); X {x.Shape}.");
        }
    }

    // y[:, :, od] = Σ_kd conv2d(xpad[:, :, od·s + kd·dil], W[:, :, kd]): depth taps fold into the batch dim.
    private static Tensor Conv3d(OpContext ctx, Tensor x, Tensor w, Tensor? b, int[] s, int[] pb, int[] pe, int[] dil, int group)
    {
        var xp = x.Pad([0, 0, 0, 0, pb[0], pe[0]]);
        int n = x.Size(0), kd = w.Size(2);
        int depth = xp.Size(2) - (kd - 1) * dil[0];
        if (depth <= 0) throw new ShapeMismatchException($"{ctx.Describe()}: padded depth {xp.Size(2)} is smaller than the dilated kernel depth ({kd - 1}·{dil[0]} + 1); X {x.Shape}, W {w.Shape}.");
        int od = (depth - 1) / s[0] + 1;
        Tensor? acc = null;
        for (int k = 0; k < kd; k++)
        {
            var xs = xp.Slice(2, k * dil[0], k * dil[0] + (long)(od - 1) * s[0] + 1, s[0]);
            var x4 = xs.Permute(0, 2, 1, 3, 4).Reshape(n * od, xs.Size(1), xs.Size(3), xs.Size(4));
            var wk = w.Select(2, k);
            var y = x4.Conv2d(wk, k == 0 ? b : null, (s[1], s[2]), [pb[1], pb[2], pe[1], pe[2]], (dil[1], dil[2]), group);
            acc = acc is null ? y : acc.Add(y);
        }
        var r = acc!;
        return r.Reshape(n, od, r.Size(1), r.Size(2), r.Size(3)).Permute(0, 2, 1, 3, 4).Contiguous();
    }

    private static Tensor ConvTranspose(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var w = ctx.Tensor(1);
        var b = ctx.OptionalTensor(2);
        var (kernel, s, dil) = Geometry(ctx, x, w);
        int d = x.Rank - 2;
        int group = checked((int)ctx.Node.GetInt("group", 1));
        if (w.Size(0) != x.Size(1))
            throw new ShapeMismatchException($"{ctx.Describe()}: X {x.Shape} has {x.Size(1)} channels but W {w.Shape} expects {w.Size(0)} (W is [C, M/group, k...]).");
        var outPad = Ints(ctx.Node, "output_padding") ?? new int[d];
        if (outPad.Length != d) throw new ModelFormatException($"{ctx.Describe()}: output_padding has {outPad.Length} values, expected {d}.");
        var input = x.Shape.ToArray()[2..];
        var full = new int[d];
        for (int i = 0; i < d; i++) full[i] = s[i] * (input[i] - 1) + (kernel[i] - 1) * dil[i] + 1;
        var pb = new int[d];
        var pe = new int[d];
        var autoPad = ctx.Node.GetString("auto_pad", "NOTSET");
        var outShape = Ints(ctx.Node, "output_shape");
        if (outShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            if (outShape is not null && outShape.Length == d + 2) outShape = outShape[2..];
            if (outShape is not null && outShape.Length != d)
                throw new ModelFormatException($"{ctx.Describe()}: output_shape [{string.Join(", ", outShape)}] must list {d} spatial sizes.");
            for (int i = 0; i < d; i++)
            {
                int target = outShape?[i] ?? input[i] * s[i];
                int total = full[i] + outPad[i] - target;
                int half = (int)Math.Floor(total / 2.0); // floor division, as the reference (total may be negative)
                (pb[i], pe[i]) = autoPad == "SAME_UPPER" ? (half, total - half) : (total - half, half);
            }
        }
        else if (autoPad is "NOTSET" or "")
        {
            if (Ints(ctx.Node, "pads") is { } pads)
            {
                if (pads.Length != 2 * d) throw new ModelFormatException($"{ctx.Describe()}: pads has {pads.Length} values, expected {2 * d}.");
                pb = pads[..d];
                pe = pads[d..];
            }
        }
        else if (autoPad != "VALID")
            throw new UnsupportedOperatorException($"{ctx.Describe()}: auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID.");

        var yFull = FullTranspose(ctx, x, w, s, dil, group);
        // Crop the begin/end pads and append output_padding (zeros before the bias, like the reference).
        var end = new int[d];
        var begin = new int[d];
        for (int i = 0; i < d; i++)
        {
            begin[i] = -pb[i];
            end[i] = outPad[i] - pe[i];
            if (full[i] + begin[i] + end[i] <= 0)
                throw new ShapeMismatchException($"{ctx.Describe()}: pads/output_shape leave no output along spatial dim {i} (full size {full[i]}).");
        }
        var y = yFull.Pad(TorchPads(begin, end));
        if (b is not null)
        {
            if (b.Rank != 1 || b.Size(0) != y.Size(1))
                throw new ShapeMismatchException($"{ctx.Describe()}: B must be [{y.Size(1)}], got {b.Shape}.");
            y = y.Add(b.Reshape(ChannelShape(y.Rank, 1, y.Size(1))));
        }
        return y;
    }

    // The unpadded transposed convolution: size s·(in − 1) + (k − 1)·dil + 1 per spatial dim.
    private static Tensor FullTranspose(OpContext ctx, Tensor x, Tensor w, int[] s, int[] dil, int group)
    {
        switch (x.Rank)
        {
            case 3:
                return x.Unsqueeze(2).ConvTranspose2d(w.Unsqueeze(2), null, (1, s[0]), (0, 0), (0, 0), group, (1, dil[0])).Squeeze(2);
            case 4:
                return x.ConvTranspose2d(w, null, (s[0], s[1]), (0, 0), (0, 0), group, (dil[0], dil[1]));
            case 5:
            {
                // Each input depth slice id contributes its 2-d transposed conv with W[:, :, kd] to output depth id·s + kd·dil.
                int n = x.Size(0), id = x.Size(2), kd = w.Size(2);
                int od = s[0] * (id - 1) + (kd - 1) * dil[0] + 1;
                var x4 = x.Permute(0, 2, 1, 3, 4).Reshape(n * id, x.Size(1), x.Size(3), x.Size(4));
                Tensor? acc = null;
                for (int k = 0; k < kd; k++)
                {
                    var y = x4.ConvTranspose2d(w.Select(2, k), null, (s[1], s[2]), (0, 0), (0, 0), group, (dil[1], dil[2]));
                    var y5 = y.Reshape(n, id, y.Size(1), y.Size(2), y.Size(3)).Permute(0, 2, 1, 3, 4);
                    // Scatter depth slices to id·s + k·dil by zero-interleaving (stride s) then shifting.
                    var spread = Spread(y5, s[0]);
                    int lead = k * dil[0];
                    var placed = spread.Pad([0, 0, 0, 0, lead, od - lead - spread.Size(2)]);
                    acc = acc is null ? placed : acc.Add(placed);
                }
                return acc!;
            }
            default:
                throw new UnsupportedOperatorException($"{ctx.Describe()}: {x.Rank - 2}-d transposed convolution is not supported (1-d, 2-d and 3-d are); X {x.Shape}.");
        }
    }

    // Inserts s − 1 zero slices between consecutive depth slices of [N, C, D, H, W]: D → s·(D − 1) + 1.
    private static Tensor Spread(Tensor y5, int s)
    {
        if (s == 1) return y5;
        var u = y5.Unsqueeze(3).Pad([0, 0, 0, 0, 0, s - 1]); // [N, C, D, s, H, W]
        int d = y5.Size(2);
        var flat = u.Reshape(y5.Size(0), y5.Size(1), d * s, y5.Size(3), y5.Size(4));
        return flat.Narrow(2, 0, s * (d - 1) + 1);
    }

    // ConvInteger: (x − x_zp) ⊛ (w − w_zp) with exact integer sums (computed in f64, returned as i32).
    private static Tensor ConvInteger(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var w = ctx.Tensor(1);
        foreach (var t in new[] { x, w })
            if (t.DType is not (DType.U8 or DType.I8)) throw BadType(ctx, t, "u8, i8");
        var xf = x.To(DType.F64);
        var wf = w.To(DType.F64);
        if (ctx.OptionalTensor(2) is { } xz) xf = xf.Sub(xz.To(DType.F64));
        if (ctx.OptionalTensor(3) is { } wz)
            wf = wf.Sub(wz.Numel == 1 ? wz.To(DType.F64).Reshape([]) : wz.To(DType.F64).Reshape(ChannelShape(w.Rank, 0, w.Size(0))));
        var (kernel, strides, dil) = Geometry(ctx, x, w);
        var (pb, pe) = SpatialPads(ctx, x.Shape.ToArray()[2..], kernel, strides, dil);
        int group = checked((int)ctx.Node.GetInt("group", 1));
        var y = ConvNd(ctx, xf, wf, null, strides, pb, pe, dil, group);
        return y.Round().To(DType.I32);
    }

    // QLinearConv: exact integer accumulation (x − x_zp) ⊛ (w − w_zp) + B, requantized with x_scale·w_scale / y_scale (f32).
    private static Tensor QLinearConv(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var w = ctx.Tensor(3);
        var yzp = ctx.Tensor(7);
        foreach (var t in new[] { x, w, yzp })
            if (t.DType is not (DType.U8 or DType.I8)) throw BadType(ctx, t, "u8, i8");
        int m = w.Size(0);
        Tensor PerOut(Tensor t, DType dt) => t.Numel == 1 ? t.To(dt).Reshape([]) : t.To(dt).Reshape(ChannelShape(w.Rank, 0, m));
        var xf = x.To(DType.F64).Sub(ctx.Tensor(2).To(DType.F64).Reshape([]));
        var wf = w.To(DType.F64).Sub(PerOut(ctx.Tensor(5), DType.F64));
        var (kernel, strides, dil) = Geometry(ctx, x, w);
        var (pb, pe) = SpatialPads(ctx, x.Shape.ToArray()[2..], kernel, strides, dil);
        int group = checked((int)ctx.Node.GetInt("group", 1));
        var bias = ctx.OptionalTensor(8)?.To(DType.F64);
        var acc = ConvNd(ctx, xf, wf, bias, strides, pb, pe, dil, group).Round();
        var ws = ctx.Tensor(4).To(DType.F32);
        var wsC = ws.Numel == 1 ? ws.Reshape([]) : ws.Reshape(ChannelShape(acc.Rank, 1, m));
        var mult = ctx.Tensor(1).To(DType.F32).Reshape([]).Mul(wsC).Div(ctx.Tensor(6).To(DType.F32).Reshape([]));
        var y = acc.To(DType.F32).Mul(mult).Round().Add(yzp.To(DType.F32).Reshape([]));
        return y.Clamp(Lowest(yzp.DType), Highest(yzp.DType)).To(yzp.DType);
    }
}
