using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.NnHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX Reduce* ops (axes as attribute before opset 13 for ReduceSum / 18 for the rest, as input after; keepdims;
/// noop_with_empty_axes; empty reductions give the op's identity) and ArgMax/ArgMin (keepdims, select_last_index).
/// </summary>
[OpSet]
public static class NnReduce
{
    private enum R { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare }

    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        Reg(r, "ReduceSum", R.Sum, [1, 11], [13]);
        Reg(r, "ReduceMean", R.Mean, [1, 11, 13], [18]);
        Reg(r, "ReduceMax", R.Max, [1, 11, 12, 13], [18, 20]);
        Reg(r, "ReduceMin", R.Min, [1, 11, 12, 13], [18, 20]);
        Reg(r, "ReduceProd", R.Prod, [1, 11, 13], [18]);
        Reg(r, "ReduceL1", R.L1, [1, 11, 13], [18]);
        Reg(r, "ReduceL2", R.L2, [1, 11, 13], [18]);
        Reg(r, "ReduceLogSum", R.LogSum, [1, 11, 13], [18]);
        Reg(r, "ReduceLogSumExp", R.LogSumExp, [1, 11, 13], [18]);
        Reg(r, "ReduceSumSquare", R.SumSquare, [1, 11, 13], [18]);
        r.Register("ArgMax", [1, 11, 12, 13], ctx => One(Arg(ctx, max: true)));
        r.Register("ArgMin", [1, 11, 12, 13], ctx => One(Arg(ctx, max: false)));
    }

    private static void Reg(OpRegistry r, string op, R kind, long[] attrVersions, long[] inputVersions)
    {
        r.Register(op, attrVersions, ctx => One(Reduce(ctx, kind, axesFromInput: false)));
        r.Register(op, inputVersions, ctx => One(Reduce(ctx, kind, axesFromInput: true)));
    }

    private static Tensor Reduce(OpContext ctx, R kind, bool axesFromInput)
    {
        var x = ctx.Tensor(0);
        long[]? axesRaw = axesFromInput ? (ctx.OptionalTensor(1) is { } a ? Longs(a) : null) : ctx.Node.GetInts("axes");
        bool keep = ctx.Node.GetInt("keepdims", 1) != 0;
        bool noop = ctx.Node.GetInt("noop_with_empty_axes", 0) != 0;
        if (x.DType == DType.Bool && kind is not (R.Max or R.Min))
            throw BadType(ctx, x, "numeric types (bool only for ReduceMax/ReduceMin)");
        int[] axes;
        if (axesRaw is null || axesRaw.Length == 0)
        {
            if (noop) return Elementwise(x, kind);
            axes = Enumerable.Range(0, x.Rank).ToArray();
        }
        else axes = Axes(ctx, axesRaw, x.Rank);
        if (x.Rank == 0) return Elementwise(x, kind);

        var keptShape = x.Shape.ToArray();
        foreach (var ax in axes) keptShape[ax] = 1;
        var outShape = keep ? keptShape : keptShape.Where((_, i) => !axes.Contains(i)).ToArray();
        if (axes.Any(ax => x.Size(ax) == 0))
            return Tensor.Full(new Shape(outShape), Identity(kind, x.DType), x.DType == DType.Bool ? DType.U8 : x.DType).To(x.DType);

        // Work type: floating inputs keep theirs (F16/BF16 widen for the composite ops); integers use F64 except for exact ops.
        var work = x;
        if (x.DType == DType.Bool) work = x.To(DType.U8);
        else if (!x.DType.IsFloatingPoint() && kind is not (R.Sum or R.Max or R.Min or R.Prod)) work = x.To(DType.F64);
        else if (x.DType is DType.F16 or DType.BF16 && kind is not (R.Max or R.Min)) work = x.To(DType.F32);
        var y = kind switch
        {
            R.Sum => work.Sum(axes, keep),
            R.Mean => work.Mean(axes, keep),
            R.Max => work.Max(axes, keep),
            R.Min => work.Min(axes, keep),
            R.Prod => work.Prod(axes, keep),
            R.L1 => work.Abs().Sum(axes, keep),
            R.L2 => work.Square().Sum(axes, keep).Sqrt(),
            R.LogSum => work.Sum(axes, keep).Log(),
            R.LogSumExp => work.LogSumExp(axes, keep),
            _ => work.Square().Sum(axes, keep),
        };
        if (y.DType != x.DType) y = !x.DType.IsFloatingPoint() && y.DType.IsFloatingPoint() && x.DType != DType.Bool ? y.Round().To(x.DType) : y.To(x.DType);
        return y;
    }

    // A reduction over no axes: each element alone (|x| for L1/L2, x² for SumSquare, log for LogSum).
    private static Tensor Elementwise(Tensor x, R kind) => kind switch
    {
        R.L1 or R.L2 => x.Abs(),
        R.SumSquare => x.Square(),
        R.LogSum => x.Log(),
        _ => x.Clone(),
    };

    private static double Identity(R kind, DType t) => kind switch
    {
        R.Prod => 1,
        R.Max => Lowest(t),
        R.Min => Highest(t),
        R.LogSum or R.LogSumExp => double.NegativeInfinity,
        R.Mean => double.NaN,
        _ => 0,
    };

    private static Tensor Arg(OpContext ctx, bool max)
    {
        var x = ctx.Tensor(0);
        if (x.DType == DType.Bool) throw BadType(ctx, x, "numeric types");
        int rank = Math.Max(x.Rank, 1);
        var xx = x.Rank == 0 ? x.Reshape(1) : x;
        int axis = Axis(ctx, ctx.Node.GetInt("axis", 0), rank);
        bool keep = ctx.Node.GetInt("keepdims", 1) != 0;
        bool last = ctx.Node.GetInt("select_last_index", 0) != 0;
        if (xx.Size(axis) == 0) throw new ShapeMismatchException($"{ctx.Describe()}: cannot take {(max ? "ArgMax" : "ArgMin")} over the empty axis {axis} of {x.Shape}.");
        var src = last ? xx.Flip(axis) : xx;
        var idx = max ? src.ArgMax(axis, keep) : src.ArgMin(axis, keep);
        if (last) idx = idx.Neg().Add(xx.Size(axis) - 1);
        return idx;
    }
}
