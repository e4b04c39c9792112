using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;
using static DeepSeek.Graph.Ops.ShapeKit;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX ops that build or rearrange whole tensors: Concat, Split, Tile, Trilu, ConstantOfShape, Range, EyeLike, OneHot,
/// DepthToSpace and SpaceToDepth (compositions of Core views, Concat, Tile, Tril/Triu, Where and casts).
/// </summary>
[OpSet]
public static class ShapeBuild
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Concat", [1, 4, 11, 13, 23, 24, 25], Concat);
        r.Register("Split", [1, 2, 11], ctx => Split(ctx, ctx.Node.GetInts("split") ?? (ctx.Opset < 2 && ctx.OptionalTensor(1) is { } s ? Longs(ctx, s, "split") : null)));
        r.Register("Split", [13, 18], ctx => Split(ctx, ctx.OptionalTensor(1) is { } s ? Longs(ctx, s, "split") : null));
        r.Register("Tile", [6, 13, 23, 24, 25], Tile);
        r.Register("Trilu", [14], Trilu);
        r.Register("ConstantOfShape", [9, 20, 21, 23, 24, 25], ConstantOfShape);
        r.Register("Range", [11], Range);
        r.Register("EyeLike", [9, 22], EyeLike);
        r.Register("OneHot", [9, 11], OneHot);
        r.Register("DepthToSpace", [1, 11, 13], DepthToSpace);
        r.Register("SpaceToDepth", [1, 13], SpaceToDepth);
    }


    private static RuntimeValue?[] Concat(OpContext ctx)
    {
        var xs = Enumerable.Range(0, ctx.InputCount).Where(ctx.Has).Select(ctx.Tensor).ToList();
        if (xs.Count == 0) throw new ModelFormatException($"{ctx.Describe()}: needs at least one input.");
        var axisAttr = ctx.Node.GetIntOrNull("axis") ?? (ctx.Opset < 4 ? 1 : throw new ModelFormatException($"{ctx.Describe()}: attribute 'axis' is required."));
        int rank = xs[0].Rank;
        foreach (var x in xs)
        {
            if (x.DType != xs[0].DType)
                throw new DTypeMismatchException($"{ctx.Describe()}: inputs must share one type, got {string.Join(", ", xs.Select(t => t.DType.Name() + t.Shape))}.");
            if (x.Rank != rank)
                throw new ShapeMismatchException($"{ctx.Describe()}: inputs must share one rank, got {string.Join(", ", xs.Select(t => t.Shape.ToString()))}.");
        }
        int axis = Axis(ctx, axisAttr, rank);
        if (xs.Count == 1) return One(xs[0].Detach());
        return One(Tensor.Concat(xs, axis));
    }

    private static RuntimeValue?[] Split(OpContext ctx, long[]? split)
    {
        var x = ctx.Tensor(0);
        int axis = Axis(ctx, ctx.Node.GetInt("axis", 0), x.Rank);
        int n = x.Size(axis);
        int outs = ctx.Node.Outputs.Count;
        int[] sizes;
        if (split is not null)
        {
            if (split.Length != outs || split.Sum() != n || split.Any(s => s < 0))
                throw new ShapeMismatchException($"{ctx.Describe()}: split {Fmt(split)} must have {outs} non-negative entries summing to dimension {axis} of input {x.Shape} ({n}).");
            sizes = split.Select(s => (int)s).ToArray();
        }
        else
        {
            long parts = ctx.Opset >= 18 ? ctx.Node.GetIntOrNull("num_outputs") ?? outs : outs;
            if (parts != outs || parts <= 0)
                throw new ModelFormatException($"{ctx.Describe()}: num_outputs {parts} does not match the node's {outs} outputs.");
            if (ctx.Opset < 18 && n % parts != 0)
                throw new ShapeMismatchException($"{ctx.Describe()}: dimension {axis} of input {x.Shape} ({n}) cannot be split into {parts} equal parts.");
            int chunk = (int)((n + parts - 1) / parts);
            sizes = new int[parts];
            int left = n;
            for (int i = 0; i < parts; i++) { sizes[i] = Math.Min(chunk, left); left -= sizes[i]; }
        }
        var result = new RuntimeValue?[outs];
        int start = 0;
        for (int i = 0; i < outs; i++)
        {
            result[i] = new TensorValue(x.Slice(axis, start, start + sizes[i]).Contiguous());
            start += sizes[i];
        }
        return result;
    }

    private static RuntimeValue?[] Tile(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var reps = Longs(ctx, ctx.Tensor(1), "repeats");
        if (reps.Length != x.Rank || reps.Any(v => v < 0))
            throw new ShapeMismatchException($"{ctx.Describe()}: repeats {Fmt(reps)} must have one non-negative entry per dimension of input {x.Shape}.");
        if (x.Rank == 0) return One(x.Clone());
        return One(x.Tile(reps.Select(v => Dim(ctx, v, "repeat")).ToArray()));
    }

    private static RuntimeValue?[] Trilu(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        long k = ctx.OptionalTensor(1) is { } kt ? Longs(ctx, kt, "k")[0] : 0;
        if (x.Rank < 2) throw new ShapeMismatchException($"{ctx.Describe()}: input must have rank ≥ 2, got {x.Shape}.");
        int kk = (int)Math.Clamp(k, -(long)int.MaxValue / 2, int.MaxValue / 2);
        return One(ctx.Node.GetInt("upper", 1) != 0 ? x.Triu(kk) : x.Tril(kk));
    }

    private static RuntimeValue?[] ConstantOfShape(OpContext ctx)
    {
        var dims = Longs(ctx, ctx.Tensor(0), "shape").Select(d => Dim(ctx, d, "shape entry")).ToArray();
        var value = ctx.Node.GetTensor("value");
        if (value is not null && value.Numel != 1)
            throw new ModelFormatException($"{ctx.Describe()}: attribute 'value' must hold one element, got shape {value.Shape}.");
        using var v = value is null ? Tensor.Scalar(0) : value.Reshape();
        return One(dims.Length == 0 ? v.Clone() : v.Expand(dims).Contiguous());
    }

    private static RuntimeValue?[] Range(OpContext ctx)
    {
        var (s, l, d) = (ctx.Tensor(0), ctx.Tensor(1), ctx.Tensor(2));
        if (s.DType != l.DType || s.DType != d.DType)
            throw new DTypeMismatchException($"{ctx.Describe()}: start, limit and delta must share one type, got {s.DType.Name()}, {l.DType.Name()}, {d.DType.Name()}.");
        if (s.Numel != 1 || l.Numel != 1 || d.Numel != 1)
            throw new ShapeMismatchException($"{ctx.Describe()}: start, limit and delta must be scalars, got {s.Shape}, {l.Shape}, {d.Shape}.");
        var dt = s.DType;
        if (dt.IsInteger())
        {
            long a = Longs(ctx, s, "start")[0], b = Longs(ctx, l, "limit")[0], st = Longs(ctx, d, "delta")[0];
            if (st == 0) throw new ArgumentException($"{ctx.Describe()}: delta must not be zero.");
            long n = Math.Max(0, (long)Math.Ceiling((double)(b - a) / st));
            var v = new long[n];
            for (long i = 0; i < n; i++) v[i] = a + i * st;
            using var t = Tensor.FromArray(v);
            return One(t.To(dt));
        }
        if (!dt.IsFloatingPoint()) throw new DTypeMismatchException($"{ctx.Describe()}: unsupported type {dt.Name()}.");
        double fa = s.ItemAsDouble(), fb = l.ItemAsDouble(), fd = d.ItemAsDouble();
        if (fd == 0) throw new ArgumentException($"{ctx.Describe()}: delta must not be zero.");
        long count = Math.Max(0, (long)Math.Ceiling((fb - fa) / fd));
        var vals = new double[count];
        for (long i = 0; i < count; i++) vals[i] = fa + i * fd;
        return One(Tensor.FromDoubles(vals, new Shape((int)count), dt));
    }

    private static RuntimeValue?[] EyeLike(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        if (x.Rank != 2) throw new ShapeMismatchException($"{ctx.Describe()}: input must be 2-d, got {x.Shape}.");
        var dt = ctx.Node.GetIntOrNull("dtype") is long t ? OnnxElementTypes.ToDType(t, ctx.Describe()) : x.DType;
        long k = ctx.Node.GetInt("k", 0);
        using var rows = Tensor.Arange(0, x.Size(0), 1, DType.I64).Reshape(x.Size(0), 1);
        using var cols = Tensor.Arange(0, x.Size(1), 1, DType.I64).Reshape(1, x.Size(1));
        using var diff = cols.Sub(rows);
        using var mask = diff.Eq(k);
        return One(mask.To(dt));
    }

    private static RuntimeValue?[] OneHot(OpContext ctx)
    {
        var (indices, depthT, values) = (ctx.Tensor(0), ctx.Tensor(1), ctx.Tensor(2));
        if (values.Numel != 2) throw new ShapeMismatchException($"{ctx.Describe()}: values must hold [off, on], got shape {values.Shape}.");
        if (depthT.Numel != 1) throw new ShapeMismatchException($"{ctx.Describe()}: depth must be a scalar, got shape {depthT.Shape}.");
        long depth = (long)Math.Truncate(depthT.ItemAsDouble());
        if (depth < 1) throw new ArgumentException($"{ctx.Describe()}: depth must be positive, got {depth}.");
        int outRank = indices.Rank + 1;
        int axis = Axis(ctx, ctx.Node.GetInt("axis", -1), outRank);
        var raw = indices.DType.IsFloatingPoint()
            ? Array.ConvertAll(indices.ToDoubleArray(), v => (long)Math.Truncate(v))
            : Longs(ctx, indices, "indices");
        for (int i = 0; i < raw.Length; i++)
        {
            long v = raw[i] < 0 ? raw[i] + depth : raw[i];
            raw[i] = v < 0 || v >= depth ? -1 : v;
        }
        using var idx = Tensor.FromSpan<long>(raw, indices.Shape).Unsqueeze(axis);
        var arShape = Enumerable.Repeat(1, outRank).ToArray();
        arShape[axis] = Dim(ctx, depth, "depth");
        using var ar = Tensor.Arange(0, depth, 1, DType.I64).Reshape(arShape);
        using var mask = idx.Eq(ar);
        using var flat = values.Reshape(2);
        using var off = flat.Select(0, 0);
        using var on = flat.Select(0, 1);
        return One(Tensor.Where(mask, on, off));
    }

    private static int BlockSize(OpContext ctx, Tensor x)
    {
        if (x.Rank != 4) throw new ShapeMismatchException($"{ctx.Describe()}: input must be 4-d [N, C, H, W], got {x.Shape}.");
        long b = ctx.Node.GetIntOrNull("blocksize") ?? throw new ModelFormatException($"{ctx.Describe()}: attribute 'blocksize' is required.");
        if (b < 1) throw new ArgumentException($"{ctx.Describe()}: blocksize must be positive, got {b}.");
        return (int)b;
    }

    private static RuntimeValue?[] DepthToSpace(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        int b = BlockSize(ctx, x);
        var (n, c, h, w) = (x.Size(0), x.Size(1), x.Size(2), x.Size(3));
        if (c % (b * b) != 0) throw new ShapeMismatchException($"{ctx.Describe()}: channels {c} of input {x.Shape} are not divisible by blocksize² = {b * b}.");
        bool crd = ctx.Node.GetString("mode", "DCR") switch
        {
            "DCR" => false,
            "CRD" => true,
            var m => throw new ArgumentException($"{ctx.Describe()}: mode must be DCR or CRD, got '{m}'."),
        };
        int cc = c / (b * b);
        using var v = crd ? x.Reshape(n, cc, b, b, h, w) : x.Reshape(n, b, b, cc, h, w);
        using var p = crd ? v.Permute(0, 1, 4, 2, 5, 3) : v.Permute(0, 3, 4, 1, 5, 2);
        return One(p.Reshape(n, cc, h * b, w * b));
    }

    private static RuntimeValue?[] SpaceToDepth(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        int b = BlockSize(ctx, x);
        var (n, c, h, w) = (x.Size(0), x.Size(1), x.Size(2), x.Size(3));
        if (h % b != 0 || w % b != 0) throw new ShapeMismatchException($"{ctx.Describe()}: spatial dims of input {x.Shape} are not divisible by blocksize {b}.");
        using var v = x.Reshape(n, c, h / b, b, w / b, b);
        using var p = v.Permute(0, 3, 5, 1, 2, 4);
        return One(p.Reshape(n, c * b * b, h / b, w / b));
    }
}
