using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;
using static DeepSeek.Graph.Ops.ShapeKit;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX selection ops: Slice (numpy clamping, negative steps = positive slice + flip), Gather / GatherElements
/// (negative indices wrap; Core IndexSelect / Gather do the copy), GatherND (batch_dims; host block copy),
/// Compress and NonZero.
/// </summary>
[OpSet]
public static class ShapeIndex
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Slice", 1, ctx => One(Slice(ctx, ctx.Tensor(0), Req(ctx, "starts"), Req(ctx, "ends"), ctx.Node.GetInts("axes"), null)));
        r.Register("Slice", [10, 11, 13], ctx => One(Slice(ctx, ctx.Tensor(0), Longs(ctx, ctx.Tensor(1), "starts"), Longs(ctx, ctx.Tensor(2), "ends"),
            ctx.OptionalTensor(3) is { } a ? Longs(ctx, a, "axes") : null, ctx.OptionalTensor(4) is { } s ? Longs(ctx, s, "steps") : null)));
        r.Register("Gather", [1, 11, 13], Gather);
        r.Register("GatherElements", [11, 13], GatherElements);
        r.Register("GatherND", [11, 12, 13], GatherND);
        r.Register("Compress", [9, 11], Compress);
        r.Register("NonZero", [9, 13], NonZero);
    }

    private static long[] Req(OpContext ctx, string name) =>
        ctx.Node.GetInts(name) ?? throw new ModelFormatException($"{ctx.Describe()}: attribute '{name}' is required.");

    /// <summary>ONNX Slice semantics on <paramref name="x"/> (returns a new tensor).</summary>
    internal static Tensor Slice(OpContext ctx, Tensor x, long[] starts, long[] ends, long[]? axes, long[]? steps)
    {
        int r = x.Rank;
        if (ends.Length != starts.Length || (axes is not null && axes.Length != starts.Length) || (steps is not null && steps.Length != starts.Length))
            throw new ShapeMismatchException($"{ctx.Describe()}: starts {Fmt(starts)}, ends {Fmt(ends)}, axes {Fmt(axes ?? [])} and steps {Fmt(steps ?? [])} must have equal lengths.");
        var cur = x.Detach();
        var flips = new List<int>();
        var done = new bool[r];
        for (int i = 0; i < starts.Length; i++)
        {
            int d = Axis(ctx, axes?[i] ?? i, r, "axes entry");
            if (done[d]) throw new ArgumentException($"{ctx.Describe()}: axes {Fmt(axes ?? [])} repeats axis {d}.");
            done[d] = true;
            long n = x.Size(d), step = steps?[i] ?? 1;
            if (step == 0) throw new ArgumentException($"{ctx.Describe()}: steps must not be zero.");
            long s = starts[i], e = ends[i];
            if (s < 0) s += n;
            if (e < 0) e += n;
            Tensor next;
            if (step > 0)
            {
                s = Math.Clamp(s, 0, n);
                e = Math.Clamp(e, 0, n);
                next = cur.Slice(d, s, Math.Max(s, e), step);
            }
            else
            {
                s = Math.Clamp(s, 0, n - 1);
                e = Math.Clamp(e, -1, n - 1);
                long len = s > e ? (s - e + (-step) - 1) / (-step) : 0;
                long last = s - (len - 1) * (-step);
                next = len == 0 ? cur.Slice(d, 0, 0) : cur.Slice(d, last, s + 1, -step);
                if (len > 1) flips.Add(d);
            }
            cur.Dispose();
            cur = next;
        }
        if (flips.Count == 0) return cur;
        using (cur) return cur.Flip(flips.ToArray());
    }

    /// <summary>Index values with negatives wrapped by <paramref name="n"/>; throws naming the op when out of range.</summary>
    internal static long[] WrapIndices(OpContext ctx, Tensor indices, long n, string what)
    {
        var idx = Longs(ctx, indices, what);
        for (int i = 0; i < idx.Length; i++)
        {
            long v = idx[i] < 0 ? idx[i] + n : idx[i];
            if (v < 0 || v >= n)
                throw new IndexOutOfRangeException($"{ctx.Describe()}: {what} value {idx[i]} is out of range for a dimension of size {n} (valid: {-n} … {n - 1}).");
            idx[i] = v;
        }
        return idx;
    }

    private static RuntimeValue?[] Gather(OpContext ctx)
    {
        var (x, ind) = (ctx.Tensor(0), ctx.Tensor(1));
        if (x.Rank == 0) throw new ShapeMismatchException($"{ctx.Describe()}: data must have rank ≥ 1, got a scalar.");
        int axis = Axis(ctx, ctx.Node.GetInt("axis", 0), x.Rank);
        var idx = WrapIndices(ctx, ind, x.Size(axis), "indices");
        using var it = Tensor.FromArray(idx);
        using var sel = x.IndexSelect(axis, it);
        var dims = Dims(x);
        var outDims = dims[..axis].Concat(Dims(ind)).Concat(dims[(axis + 1)..]).ToArray();
        return One(sel.Reshape(outDims));
    }

    private static RuntimeValue?[] GatherElements(OpContext ctx)
    {
        var (x, ind) = (ctx.Tensor(0), ctx.Tensor(1));
        if (x.Rank == 0 || ind.Rank != x.Rank)
            throw new ShapeMismatchException($"{ctx.Describe()}: data {x.Shape} and indices {ind.Shape} must have the same rank ≥ 1.");
        int axis = Axis(ctx, ctx.Node.GetInt("axis", 0), x.Rank);
        var idx = WrapIndices(ctx, ind, x.Size(axis), "indices");
        using var it = Tensor.FromSpan<long>(idx, ind.Shape);
        return One(x.Gather(axis, it));
    }

    private static RuntimeValue?[] GatherND(OpContext ctx)
    {
        var (x, ind) = (ctx.Tensor(0), ctx.Tensor(1));
        int b = (int)ctx.Node.GetInt("batch_dims", 0);
        var dd = Dims(x);
        var id = Dims(ind);
        if (id.Length < 1 || b < 0 || b >= Math.Min(dd.Length, id.Length))
            throw new ShapeMismatchException($"{ctx.Describe()}: batch_dims {b} does not fit data {x.Shape} and indices {ind.Shape}.");
        for (int i = 0; i < b; i++)
            if (dd[i] != id[i])
                throw new ShapeMismatchException($"{ctx.Describe()}: batch dimension {i} differs: data {x.Shape}, indices {ind.Shape}.");
        int k = id[^1];
        if (k < 1 || k > dd.Length - b)
            throw new ShapeMismatchException($"{ctx.Describe()}: indices last dimension {k} must be in 1 … {dd.Length - b} for data {x.Shape} with batch_dims {b}.");
        var idx = Longs(ctx, ind, "indices");
        long batches = Prod(dd, 0, b), inner = Prod(dd, b + k), perBatch = Prod(id, b, id.Length - 1), dataBatch = Prod(dd, b);
        var ds = Strides(dd);
        int es = x.DType.SizeOf();
        var src = Bytes(x);
        var outDims = id[..^1].Concat(dd[(b + k)..]).ToArray();
        var dst = new byte[Prod(outDims) * es];
        long o = 0;
        for (long bi = 0; bi < batches; bi++)
            for (long t = 0; t < perBatch; t++)
            {
                long baseI = (bi * perBatch + t) * k, off = bi * dataBatch;
                for (int j = 0; j < k; j++)
                {
                    long n = dd[b + j], v = idx[baseI + j];
                    if (v < 0) v += n;
                    if (v < 0 || v >= n)
                        throw new IndexOutOfRangeException($"{ctx.Describe()}: index {idx[baseI + j]} is out of range for data dimension {b + j} of size {n}.");
                    off += v * ds[b + j];
                }
                Array.Copy(src, off * es, dst, o * es, inner * es);
                o += inner;
            }
        return One(FromBytes(dst, outDims, x.DType));
    }

    private static RuntimeValue?[] Compress(OpContext ctx)
    {
        var (x, cond) = (ctx.Tensor(0), ctx.Tensor(1));
        if (cond.Rank != 1) throw new ShapeMismatchException($"{ctx.Describe()}: condition must be 1-d, got {cond.Shape}.");
        var c = cond.ToDoubleArray();
        var axisAttr = ctx.Node.GetIntOrNull("axis");
        using var src = axisAttr is null ? x.Reshape(-1) : x.Detach();
        int axis = axisAttr is long a ? Axis(ctx, a, x.Rank) : 0;
        if (c.Length > src.Size(axis))
            throw new ShapeMismatchException($"{ctx.Describe()}: condition length {c.Length} exceeds dimension {axis} ({src.Size(axis)}) of input {x.Shape}.");
        var keep = Enumerable.Range(0, c.Length).Where(i => c[i] != 0).Select(i => (long)i).ToArray();
        using var it = Tensor.FromArray(keep);
        return One(src.IndexSelect(axis, it));
    }

    private static RuntimeValue?[] NonZero(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var v = x.ToDoubleArray();
        var dims = Dims(x);
        int r = Math.Max(dims.Length, 1);
        var hits = new List<long>();
        for (long i = 0; i < v.Length; i++) if (v[i] != 0) hits.Add(i);
        var res = new long[r * hits.Count];
        var strides = Strides(dims);
        for (int h = 0; h < hits.Count; h++)
        {
            if (dims.Length == 0) { res[h] = 0; continue; }
            for (int d = 0; d < dims.Length; d++) res[d * hits.Count + h] = hits[h] / strides[d] % dims[d];
        }
        return One(Tensor.FromSpan<long>(res, new Shape(r, hits.Count)));
    }
}
