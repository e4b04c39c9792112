// deepseek::FusedConv(X, W, B?, Z?) = act(Conv(X, W, B) + Z): ONNX Conv's attributes (auto_pad, dilations, group,
// kernel_shape, pads, strides; 2-d only) plus "activation"/"activation_params" (FusedActivation). The static kernel
// packs a constant W once (PackedWeights) and runs Core's fused convolution into the planned output.
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>The fused 2-d convolution of the deepseek domain (produced by the "conv-fusion" pass).</summary>
[OpSet]
public static class FusedConvOps
{
    /// <summary>The op's domain.</summary>
    public const string Domain = "deepseek";

    /// <summary>Adds the interpreter kernel to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r) => r.Register("FusedConv", 1, ctx => One(Run(ctx)), Domain);

    /// <summary>Adds the static-kernel factory (pre-packed weights) to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r) => r.Register("FusedConv", CreateStatic, Domain);

    /// <summary>A convolution's resolved geometry: Core parameters and the output shape.</summary>
    internal readonly record struct Geometry(Conv2dParams Params, Shape Output);

    /// <summary>Resolves the ONNX Conv attributes of <paramref name="node"/> for input <paramref name="x"/> and weight <paramref name="w"/> shapes.</summary>
    internal static Geometry Resolve(Node node, string describe, Shape x, Shape w)
    {
        if (x.Rank != 4 || w.Rank != 4)
            throw new ShapeMismatchException($"{describe}: FusedConv is 2-d: X must be [N, C, H, W] and W [M, C/group, kH, kW], got X {x} and W {w}.");
        long group = node.GetInt("group", 1);
        if (group < 1 || x[1] != w[1] * group || w[0] % group != 0)
            throw new ShapeMismatchException($"{describe}: X {x} has {x[1]} channels but W {w} with group={group} expects {w[1] * group} (and W's output channels must divide by group).");
        if (node.GetInts("kernel_shape") is { } ks && (ks.Length != 2 || ks[0] != w[2] || ks[1] != w[3]))
            throw new ShapeMismatchException($"{describe}: kernel_shape [{string.Join(", ", ks)}] does not match W {w}.");
        var s = PerDim(node, describe, "strides");
        var d = PerDim(node, describe, "dilations");
        int[] pads = new int[4]; // top, left, bottom, right
        var autoPad = node.GetString("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET" or "":
                if (node.GetInts("pads") is { } p)
                {
                    if (p.Length != 4 || p.Any(v => v < 0))
                        throw new ModelFormatException($"{describe}: pads must be 4 non-negative values [top, left, bottom, right], got [{string.Join(", ", p)}].");
                    for (int i = 0; i < 4; i++) pads[i] = checked((int)p[i]);
                }
                break;
            case "VALID":
                break;
            case "SAME_UPPER" or "SAME_LOWER":
                for (int i = 0; i < 2; i++)
                {
                    long input = x[2 + i], outSize = (input + s[i] - 1) / s[i];
                    long total = Math.Max(0, (outSize - 1) * s[i] + (w[2 + i] - 1) * d[i] + 1 - input);
                    int small = (int)(total / 2), big = (int)(total - total / 2);
                    (pads[i], pads[i + 2]) = autoPad == "SAME_UPPER" ? (small, big) : (big, small);
                }
                break;
            default:
                throw new ModelFormatException($"{describe}: auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID.");
        }
        var prm = new Conv2dParams(s[0], s[1], pads[0], pads[1], pads[2], pads[3], d[0], d[1], (int)group);
        long oh = (x[2] + pads[0] + pads[2] - (long)d[0] * (w[2] - 1) - 1) / s[0] + 1;
        long ow = (x[3] + pads[1] + pads[3] - (long)d[1] * (w[3] - 1) - 1) / s[1] + 1;
        if (x[2] + pads[0] + pads[2] < (long)d[0] * (w[2] - 1) + 1 || x[3] + pads[1] + pads[3] < (long)d[1] * (w[3] - 1) + 1)
            throw new ShapeMismatchException($"{describe}: padded input X {x} (pads [{string.Join(", ", pads)}]) is smaller than the dilated kernel of W {w}.");
        return new Geometry(prm, new Shape(x[0], w[0], (int)oh, (int)ow));
    }

    private static int[] PerDim(Node node, string describe, string name)
    {
        var v = node.GetInts(name);
        if (v is null) return [1, 1];
        if (v.Length != 2 || v.Any(e => e < 1))
            throw new ModelFormatException($"{describe}: {name} must be 2 positive values, got [{string.Join(", ", v)}].");
        return [checked((int)v[0]), checked((int)v[1])];
    }

    // B must be [M]; Z must be Y's shape; dtypes all match X.
    private static void CheckOperands(string describe, Tensor x, Tensor w, Tensor? b, Tensor? z, Shape y)
    {
        if (!x.DType.IsFloatingPoint() || w.DType != x.DType || (b is not null && b.DType != x.DType) || (z is not null && z.DType != x.DType))
            throw new DTypeMismatchException($"{describe}: X, W, B and Z must share one floating type, got X {x.DType.Name()}, W {w.DType.Name()}" +
                $"{(b is null ? "" : ", B " + b.DType.Name())}{(z is null ? "" : ", Z " + z.DType.Name())}.");
        if (b is not null && (b.Rank != 1 || b.Size(0) != w.Size(0)))
            throw new ShapeMismatchException($"{describe}: B must be [{w.Size(0)}] (one bias per output channel of W {w.Shape}), got {b.Shape}.");
        if (z is not null && z.Shape != y)
            throw new ShapeMismatchException($"{describe}: the residual Z {z.Shape} must have the output's shape {y} (X {x.Shape}, W {w.Shape}).");
    }

    private static Tensor Run(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var w = ctx.Tensor(1);
        var b = ctx.OptionalTensor(2);
        var z = ctx.OptionalTensor(3);
        var describe = ctx.Describe();
        var geo = Resolve(ctx.Node, describe, x.Shape, w.Shape);
        CheckOperands(describe, x, w, b, z, geo.Output);
        var e = FusedActivation.Read(ctx.Node);
        if (x.DType is DType.F32 or DType.F64)
        {
            var y = Tensor.Empty(geo.Output, x.DType);
            x.Backend.Conv2d(x, w, b, geo.Params, y, e.WithResidual(z));
            return y;
        }
        // f16/bf16: compute in f32 like the Conv op, round once at the end
        var y32 = Tensor.Empty(geo.Output, DType.F32);
        x.Backend.Conv2d(x.To(DType.F32), w.To(DType.F32), b?.To(DType.F32), geo.Params, y32, e.WithResidual(z?.To(DType.F32)));
        return y32.To(x.DType);
    }

    private static IStaticKernel? CreateStatic(StaticKernelRequest req)
    {
        if (req.Inputs.Count < 2 || req.Inputs[0] is not { DType: DType.F32 } xm || req.Constants[1] is not { DType: DType.F32, Rank: 4 } w)
            return null;
        var describe = req.Describe();
        var geo = Resolve(req.Node, describe, xm.Shape, w.Shape);
        if (req.Outputs.Count != 1 || req.Outputs[0].Shape != geo.Output)
            throw new ShapeMismatchException($"{describe}: planned output {(req.Outputs.Count > 0 ? req.Outputs[0].ToString() : "none")} differs from the convolution's f32{geo.Output}.");
        if (req.Inputs.Count > 2 && req.Inputs[2] is { } bm && (bm.DType != DType.F32 || bm.Shape != new Shape(w.Size(0))))
            throw new ShapeMismatchException($"{describe}: B must be f32[{w.Size(0)}], got {bm}.");
        if (req.Inputs.Count > 3 && req.Inputs[3] is { } zm && (zm.DType != DType.F32 || zm.Shape != geo.Output))
            throw new ShapeMismatchException($"{describe}: the residual Z {zm} must be f32{geo.Output}.");
        var e = FusedActivation.Read(req.Node);
        // a constant bias is kept (contiguous) so runs need not be handed it
        var bias = req.Constants.Count > 2 && req.Constants[2] is { } bc ? bc.Contiguous().DetachFromScope() : null;
        // the input shape is known: a 3×3 stride-1 conv may get Winograd-transformed weights where they are faster
        var packed = PackedWeights.ForConv(w, geo.Params, xm.Shape[2], xm.Shape[3], xm.Shape[0]);
        return new StaticFusedConv(packed, bias, geo.Params, e);
    }

    // Run reads X, a computed B and Z from the executor and writes the planned output; the packed weight is shared read-only.
    private sealed class StaticFusedConv(PackedWeights w, Tensor? bias, Conv2dParams p, Epilogue e) : IStaticKernel
    {
        public void Run(ReadOnlySpan<Tensor?> inputs, ReadOnlySpan<Tensor> outputs)
        {
            var x = inputs[0]!;
            var b = bias ?? (inputs.Length > 2 ? inputs[2] : null);
            var z = inputs.Length > 3 ? inputs[3] : null;
            x.Backend.Conv2d(x, w, b, p, outputs[0], e.WithResidual(z));
        }

        public void Dispose()
        {
            w.Dispose();
            bias?.Dispose();
        }
    }
}
