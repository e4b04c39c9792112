using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.NnHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX Softmax / LogSoftmax / Hardmax (before opset 13 the input is coerced to 2-d [prod(d &lt; axis), prod(d ≥ axis)]
/// and normalized over the second dim; from 13 over the one axis), TopK (k attribute at 1, input from 10, largest/sorted
/// at 11) and CumSum (exclusive, reverse, axis input).
/// </summary>
[OpSet]
public static class NnSoftmax
{
    private enum S { Softmax, LogSoftmax, Hardmax }

    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        foreach (var (op, kind) in new[] { ("Softmax", S.Softmax), ("LogSoftmax", S.LogSoftmax), ("Hardmax", S.Hardmax) })
        {
            r.Register(op, [1, 11], ctx => One(Coerced(ctx, kind)));
            r.Register(op, [13], ctx => One(OneAxis(ctx, kind)));
        }
        r.Register("TopK", [1, 10, 11, 24], TopK);
        r.Register("CumSum", [11, 14], ctx => One(CumSum(ctx)));
    }

    private static Tensor Apply(OpContext ctx, Tensor x, int axis, S kind) => kind switch
    {
        S.Softmax => Float(ctx, x).Softmax(axis),
        S.LogSoftmax => Float(ctx, x).LogSoftmax(axis),
        _ => Hardmax(ctx, x, axis),
    };

    // One-hot of the first maximum along the axis.
    private static Tensor Hardmax(OpContext ctx, Tensor x, int axis)
    {
        Float(ctx, x);
        if (x.Size(axis) == 0) return x.Clone();
        var idx = x.ArgMax(axis, keepDim: true);
        var ar = Tensor.Arange(x.Size(axis)).Reshape(ChannelShape(x.Rank, axis, x.Size(axis)));
        return idx.Eq(ar).To(x.DType);
    }

    private static Tensor OneAxis(OpContext ctx, S kind)
    {
        var x = ctx.Tensor(0);
        if (x.Rank == 0) throw new ShapeMismatchException($"{ctx.Describe()}: input must have rank ≥ 1, got a scalar.");
        int axis = Axis(ctx, ctx.Node.GetInt("axis", -1), x.Rank);
        return Apply(ctx, x, axis, kind);
    }

    private static Tensor Coerced(OpContext ctx, S kind)
    {
        var x = ctx.Tensor(0);
        if (x.Rank == 0) throw new ShapeMismatchException($"{ctx.Describe()}: input must have rank ≥ 1, got a scalar.");
        long a = ctx.Node.GetInt("axis", 1);
        if (a < -x.Rank || a > x.Rank) throw new AxisOutOfRangeException($"{ctx.Describe()}: axis {a} is out of range for a tensor of rank {x.Rank}.");
        int axis = (int)(a < 0 ? a + x.Rank : a);
        var shape = x.Shape.ToArray();
        int outer = shape[..axis].Aggregate(1, (p, v) => checked(p * v));
        int inner = shape[axis..].Aggregate(1, (p, v) => checked(p * v));
        var y = Apply(ctx, x.Reshape(outer, inner), 1, kind);
        return y.Reshape(shape);
    }

    private static RuntimeValue?[] TopK(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        if (x.Rank == 0) throw new ShapeMismatchException($"{ctx.Describe()}: input must have rank ≥ 1, got a scalar.");
        long k = ctx.Opset >= 10 ? Longs(ctx.Tensor(1)) is [var kk] ? kk : throw new ShapeMismatchException($"{ctx.Describe()}: K must hold one value, got {ctx.Tensor(1).Shape}.")
            : ctx.Node.GetIntOrNull("k") ?? throw new ModelFormatException($"{ctx.Describe()}: required attribute k is missing.");
        int axis = Axis(ctx, ctx.Node.GetInt("axis", -1), x.Rank);
        if (k < 0 || k > x.Size(axis))
            throw new ArgumentException($"{ctx.Describe()}: K={k} must be in [0, {x.Size(axis)}] (size of axis {axis} of {x.Shape}).");
        bool largest = ctx.Node.GetInt("largest", 1) != 0;
        bool sorted = ctx.Node.GetInt("sorted", 1) != 0;
        if (x.DType == DType.Bool) throw BadType(ctx, x, "numeric types");
        var (v, i) = x.TopK((int)k, axis, largest, sorted);
        return Many(v, i);
    }

    private static Tensor CumSum(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var axisT = ctx.Tensor(1);
        if (axisT.Numel != 1) throw new ShapeMismatchException($"{ctx.Describe()}: axis must be a scalar, got {axisT.Shape}.");
        int axis = Axis(ctx, Longs(axisT)[0], x.Rank);
        bool exclusive = ctx.Node.GetInt("exclusive", 0) != 0;
        bool reverse = ctx.Node.GetInt("reverse", 0) != 0;
        if (x.DType == DType.Bool) throw BadType(ctx, x, "numeric types");
        var y = x.CumSum(axis, exclusive, reverse);
        return y.DType == x.DType ? y : y.To(x.DType);
    }
}
