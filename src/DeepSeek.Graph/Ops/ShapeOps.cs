using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;
using static DeepSeek.Graph.Ops.ShapeKit;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX view-like shape ops: Reshape, Transpose, Flatten, Squeeze, Unsqueeze, Expand, Shape, Size (views of Core tensors
/// where possible; shape/axes inputs are read on the host).
/// </summary>
[OpSet]
public static class ShapeOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Reshape", 1, ctx => One(Reshape(ctx, ctx.Tensor(0), ctx.Node.GetInts("shape")
            ?? throw new ModelFormatException($"{ctx.Describe()}: attribute 'shape' is required."), false)));
        r.Register("Reshape", [5, 13, 14, 19, 21, 23, 24, 25], ctx => One(Reshape(ctx, ctx.Tensor(0),
            Longs(ctx, ctx.Tensor(1), "shape"), ctx.Opset >= 14 && ctx.Node.GetInt("allowzero", 0) != 0)));
        r.Register("Transpose", [1, 13, 21, 23, 24, 25], Transpose);
        r.Register("Flatten", [1, 9, 11, 13, 21, 23, 24, 25], Flatten);
        r.Register("Squeeze", [1, 11], ctx => One(Squeeze(ctx, ctx.Tensor(0), ctx.Node.GetInts("axes"))));
        r.Register("Squeeze", [13, 21, 23, 24, 25], ctx => One(Squeeze(ctx, ctx.Tensor(0),
            ctx.OptionalTensor(1) is { } a ? Longs(ctx, a, "axes") : null)));
        r.Register("Unsqueeze", [1, 11], ctx => One(Unsqueeze(ctx, ctx.Tensor(0), ctx.Node.GetInts("axes")
            ?? throw new ModelFormatException($"{ctx.Describe()}: attribute 'axes' is required."))));
        r.Register("Unsqueeze", [13, 21, 23, 24, 25], ctx => One(Unsqueeze(ctx, ctx.Tensor(0), Longs(ctx, ctx.Tensor(1), "axes"))));
        r.Register("Expand", [8, 13], Expand);
        r.Register("Shape", [1, 13, 15, 19, 21, 23, 24, 25], ShapeOf);
        r.Register("Size", [1, 13, 19, 21, 23, 24, 25], ctx => One(Tensor.Scalar(ctx.Tensor(0).Numel, DType.I64)));
    }

    /// <summary>ONNX Reshape: 0 copies the input dim (unless allowzero), -1 is inferred.</summary>
    internal static Tensor Reshape(OpContext ctx, Tensor x, long[] shape, bool allowZero)
    {
        var inDims = Dims(x);
        var outDims = new int[shape.Length];
        int infer = -1;
        long known = 1;
        bool hasZero = false;
        for (int i = 0; i < shape.Length; i++)
        {
            long s = shape[i];
            if (s == -1)
            {
                if (infer >= 0) throw new ShapeMismatchException($"{ctx.Describe()}: shape {Fmt(shape)} has more than one -1.");
                infer = i;
                continue;
            }
            if (s == 0 && !allowZero)
            {
                if (i >= inDims.Length)
                    throw new ShapeMismatchException($"{ctx.Describe()}: shape {Fmt(shape)} copies dim {i} (0) but the input {x.Shape} has rank {inDims.Length}.");
                s = inDims[i];
            }
            if (s < -1) throw new ShapeMismatchException($"{ctx.Describe()}: shape {Fmt(shape)} has invalid entry {s}.");
            if (s == 0) hasZero = true;
            outDims[i] = Dim(ctx, s, "shape entry");
            known *= s;
        }
        if (infer >= 0)
        {
            if (allowZero && hasZero)
                throw new ShapeMismatchException($"{ctx.Describe()}: shape {Fmt(shape)} has both 0 (allowzero=1) and -1.");
            if (known == 0 || x.Numel % known != 0)
                throw new ShapeMismatchException($"{ctx.Describe()}: cannot infer -1 in {Fmt(shape)} for input {x.Shape} ({x.Numel} elements).");
            outDims[infer] = (int)(x.Numel / known);
        }
        else if (known != x.Numel)
            throw new ShapeMismatchException($"{ctx.Describe()}: cannot reshape input {x.Shape} ({x.Numel} elements) to {Fmt(outDims)} ({known} elements).");
        return x.Reshape(outDims);
    }

    private static RuntimeValue?[] Transpose(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        int r = x.Rank;
        var perm = ctx.Node.GetInts("perm");
        var p = new int[r];
        if (perm is null) for (int i = 0; i < r; i++) p[i] = r - 1 - i;
        else
        {
            if (perm.Length != r)
                throw new ShapeMismatchException($"{ctx.Describe()}: perm {Fmt(perm)} has {perm.Length} entries, input {x.Shape} has rank {r}.");
            var seen = new bool[r];
            for (int i = 0; i < r; i++)
            {
                p[i] = Axis(ctx, perm[i], r, "perm entry");
                if (seen[p[i]]) throw new ArgumentException($"{ctx.Describe()}: perm {Fmt(perm)} is not a permutation.");
                seen[p[i]] = true;
            }
        }
        return One(r == 0 ? x.Detach() : x.Permute(p));
    }

    private static RuntimeValue?[] Flatten(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var dims = Dims(x);
        long a = ctx.Node.GetInt("axis", 1);
        if (a < -dims.Length || a > dims.Length)
            throw new AxisOutOfRangeException($"{ctx.Describe()}: axis {a} is out of range for input {x.Shape} (valid: {-dims.Length} … {dims.Length}).");
        int axis = (int)(a < 0 ? a + dims.Length : a);
        return One(x.Reshape((int)Prod(dims, 0, axis), (int)Prod(dims, axis)));
    }

    internal static Tensor Squeeze(OpContext ctx, Tensor x, long[]? axes)
    {
        var dims = Dims(x);
        var drop = new bool[dims.Length];
        if (axes is null) for (int i = 0; i < dims.Length; i++) drop[i] = dims[i] == 1;
        else
            foreach (var a in axes)
            {
                int d = Axis(ctx, a, dims.Length, "axes entry");
                if (dims[d] != 1)
                    throw new ShapeMismatchException($"{ctx.Describe()}: cannot squeeze axis {a} of input {x.Shape}: its size is {dims[d]}, not 1.");
                drop[d] = true;
            }
        var outDims = dims.Where((_, i) => !drop[i]).ToArray();
        return x.Reshape(outDims);
    }

    internal static Tensor Unsqueeze(OpContext ctx, Tensor x, long[] axes)
    {
        var dims = Dims(x);
        int outRank = dims.Length + axes.Length;
        var insert = new bool[outRank];
        foreach (var a in axes)
        {
            int d = Axis(ctx, a, outRank, "axes entry");
            if (insert[d]) throw new ArgumentException($"{ctx.Describe()}: axes {Fmt(axes)} repeats axis {a}.");
            insert[d] = true;
        }
        var outDims = new int[outRank];
        int k = 0;
        for (int i = 0; i < outRank; i++) outDims[i] = insert[i] ? 1 : dims[k++];
        return x.Reshape(outDims);
    }

    private static RuntimeValue?[] Expand(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var shape = Longs(ctx, ctx.Tensor(1), "shape");
        var dims = Dims(x);
        int rank = Math.Max(dims.Length, shape.Length);
        var outDims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int a = i - (rank - dims.Length) >= 0 ? dims[i - (rank - dims.Length)] : 1;
            long b = i - (rank - shape.Length) >= 0 ? shape[i - (rank - shape.Length)] : 1;
            if (a == b || b == 1) outDims[i] = a;
            else if (a == 1) outDims[i] = Dim(ctx, b, "shape entry");
            else throw new ShapeMismatchException($"{ctx.Describe()}: input {x.Shape} cannot be broadcast to {Fmt(shape)} (dimension {i}: {a} vs {b}).");
        }
        return One(x.Reshape(Enumerable.Repeat(1, rank - dims.Length).Concat(dims).ToArray()).Expand(outDims).Contiguous());
    }

    private static RuntimeValue?[] ShapeOf(OpContext ctx)
    {
        var dims = Dims(ctx.Tensor(0));
        int r = dims.Length;
        long start = ctx.Opset >= 15 ? ctx.Node.GetInt("start", 0) : 0;
        long end = ctx.Opset >= 15 ? ctx.Node.GetInt("end", r) : r;
        if (start < 0) start += r;
        if (end < 0) end += r;
        start = Math.Clamp(start, 0, r);
        end = Math.Clamp(end, 0, r);
        var result = new long[Math.Max(0, end - start)];
        for (int i = 0; i < result.Length; i++) result[i] = dims[start + i];
        return One(I64(result));
    }
}
