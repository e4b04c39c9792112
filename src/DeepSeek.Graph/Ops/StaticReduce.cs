// Static kernels for ONNX ReduceSum and ReduceMean: axes come from the attribute (ReduceSum before opset 13, ReduceMean
// before 18) or a known input; no axes means all of them unless noop_with_empty_axes. The backend reduces into the
// keep-dims shape, so with keepdims = 0 the planned output is viewed with the reduced dims restored as 1s.
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.StaticHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>Static kernels for ReduceSum (F32, F64, I32, I64) and ReduceMean (F32, F64).</summary>
[OpSet]
public static class StaticReduce
{
    /// <summary>Adds these factories to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Register("ReduceSum", req => Reduce(req, ReduceOp.Sum, axesInputFrom: 13, IsPlainNumeric));
        r.Register("ReduceMean", req => Reduce(req, ReduceOp.Mean, axesInputFrom: 18, IsFloat));
    }

    private static IStaticKernel? Reduce(StaticKernelRequest req, ReduceOp op, long axesInputFrom, Func<DType, bool> accepts)
    {
        if (req.Outputs.Count != 1 || In(req, 0) is not { } x || !accepts(x.DType) || req.Outputs[0].DType != x.DType) return null;
        long[]? raw;
        if (req.Opset >= axesInputFrom)
        {
            if (Unknown(req, 1)) return null;
            raw = Known(req, 1) is { } a ? Longs(a) : null;
        }
        else raw = req.Node.GetInts("axes");
        int rank = x.Shape.Rank;
        bool noop = req.Node.GetInt("noop_with_empty_axes", 0) != 0;
        if (rank == 0 || ((raw is null || raw.Length == 0) && noop))
            return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Copy(ins[0]!, outs[0]));
        var axes = raw is null || raw.Length == 0 ? Enumerable.Range(0, rank).ToArray() : raw.Select(v => Axis(v, rank)).ToArray();
        if (axes.Any(v => v < 0) || axes.Distinct().Count() != axes.Length) return null;
        // the backend takes the output with or without the reduced dims (keepdims): no view per run
        return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Reduce(op, ins[0]!, axes, outs[0]));
    }
}
