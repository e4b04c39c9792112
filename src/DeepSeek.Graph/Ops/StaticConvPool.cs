// Static kernels for ONNX Conv (plain, 1-d and 2-d), MaxPool, AveragePool (1-d and 2-d) and GlobalAveragePool on the
// backend's NCHW kernels. Geometry (pads from auto_pad, strides, dilations) is resolved once when the node is prepared;
// 1-d ops run as 2-d with H = 1 through views. The backend's pools clip windows to the input, which equals ONNX's
// −∞ padding for max and its divisor rules for average (count_include_pad counts declared pads, never ceil overflow).
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.StaticHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>Static kernels for Conv, MaxPool, AveragePool and GlobalAveragePool (F32, F64).</summary>
[OpSet]
public static class StaticConvPool
{
    /// <summary>Adds these factories to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Register("Conv", Conv);
        r.Register("MaxPool", req => Pool(req, max: true));
        r.Register("AveragePool", req => Pool(req, max: false));
        r.Register("GlobalAveragePool", GlobalAveragePool);
    }

    private static IStaticKernel? Conv(StaticKernelRequest req)
    {
        if (req.Outputs.Count != 1 || In(req, 0) is not { } x || In(req, 1) is not { } w) return null;
        var b = In(req, 2);
        var y = req.Outputs[0];
        int rank = x.Shape.Rank;
        if (!IsFloat(x.DType) || w.DType != x.DType || y.DType != x.DType || (b is { } bm && (bm.DType != x.DType || bm.Shape.Rank != 1))) return null;
        if (rank is not (3 or 4) || w.Shape.Rank != rank || y.Shape.Rank != rank) return null;
        int d = rank - 2;
        var input = Dims(x.Shape)[2..];
        var kernel = Dims(w.Shape)[2..];
        if (Ints(req.Node, "kernel_shape") is { } ks && !ks.SequenceEqual(kernel)) return null;
        if (PerDim(req.Node, "strides", d) is not { } s || PerDim(req.Node, "dilations", d) is not { } dil) return null;
        if (SpatialPads(req.Node, input, kernel, s, dil) is not { } pads) return null;
        var (pb, pe) = pads;
        int group = checked((int)req.Node.GetInt("group", 1));
        if (group < 1 || x.Shape[1] != w.Shape[1] * group || w.Shape[0] % group != 0) return null;
        var p = d == 2
            ? new Conv2dParams(s[0], s[1], pb[0], pb[1], pe[0], pe[1], dil[0], dil[1], group)
            : new Conv2dParams(1, s[0], 0, pb[0], 0, pe[0], 1, dil[0], group);
        return new DelegateStaticKernel((ins, outs) =>
        {
            if (d == 2)
            {
                outs[0].Backend.Conv2d(ins[0]!, ins[1]!, ins.Length > 2 ? ins[2] : null, p, outs[0]);
                return;
            }
            using var x4 = ins[0]!.Unsqueeze(2);
            using var w4 = ins[1]!.Unsqueeze(2);
            using var y4 = outs[0].Unsqueeze(2);
            outs[0].Backend.Conv2d(x4, w4, ins.Length > 2 ? ins[2] : null, p, y4);
        });
    }

    private static IStaticKernel? Pool(StaticKernelRequest req, bool max)
    {
        if (req.Outputs.Count != 1 || req.Inputs.Count != 1 || In(req, 0) is not { } x) return null;
        var y = req.Outputs[0];
        int rank = x.Shape.Rank;
        if (!IsFloat(x.DType) || y.DType != x.DType || rank is not (3 or 4) || y.Shape.Rank != rank) return null;
        int d = rank - 2;
        if (Ints(req.Node, "kernel_shape") is not { } kernel || kernel.Length != d || kernel.Any(k => k < 1)) return null;
        if (PerDim(req.Node, "strides", d) is not { } s || PerDim(req.Node, "dilations", d) is not { } dil) return null;
        if (!max && dil.Any(v => v != 1)) return null;
        if (SpatialPads(req.Node, Dims(x.Shape)[2..], kernel, s, dil) is not { } pads) return null;
        var (pb, pe) = pads;
        bool includePad = req.Node.GetInt("count_include_pad", 0) != 0;
        var p = d == 2
            ? new Pool2dParams(kernel[0], kernel[1], s[0], s[1], pb[0], pb[1], pe[0], pe[1], dil[0], dil[1], includePad)
            : new Pool2dParams(1, kernel[0], 1, s[0], 0, pb[0], 0, pe[0], 1, dil[0], includePad);
        return new DelegateStaticKernel((ins, outs) =>
        {
            using var x4 = d == 1 ? ins[0]!.Unsqueeze(2) : null;
            using var y4 = d == 1 ? outs[0].Unsqueeze(2) : null;
            if (max) outs[0].Backend.MaxPool2d(x4 ?? ins[0]!, p, y4 ?? outs[0], null);
            else outs[0].Backend.AvgPool2d(x4 ?? ins[0]!, p, y4 ?? outs[0]);
        });
    }

    private static IStaticKernel? GlobalAveragePool(StaticKernelRequest req)
    {
        if (req.Outputs.Count != 1 || req.Inputs.Count != 1 || In(req, 0) is not { } x) return null;
        if (!IsFloat(x.DType) || x.Shape.Rank < 3 || req.Outputs[0].DType != x.DType) return null;
        // 2-d: the backend's adaptive pool to 1×1, a tight per-plane sum on the CPU (MobileNetV3's SE blocks call it ~30
        // times per forward); other ranks reduce over the spatial axes
        if (x.Shape.Rank == 4) return new DelegateStaticKernel((ins, outs) => outs[0].Backend.AdaptiveAvgPool2d(ins[0]!, outs[0]));
        var axes = Enumerable.Range(2, x.Shape.Rank - 2).ToArray();
        return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Reduce(ReduceOp.Mean, ins[0]!, axes, outs[0]));
    }
}
