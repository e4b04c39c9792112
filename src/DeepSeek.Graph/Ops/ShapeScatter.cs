using System.Numerics;
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;
using static DeepSeek.Graph.Ops.ShapeKit;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX write ops: ScatterElements / Scatter / ScatterND (reduction none/add/mul/max/min, applied in index order on a
/// copy of the data: byte copies for "none", double (float types) or long (integer types) arithmetic otherwise),
/// ReverseSequence, and Pad (Core Pad; constant/reflect/edge/wrap, pads as attribute or input, axes at 18).
/// </summary>
[OpSet]
public static class ShapeScatter
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Scatter", [9, 11], ScatterElements);
        r.Register("ScatterElements", [11, 13, 16, 18], ScatterElements);
        r.Register("ScatterND", [11, 13, 16, 18], ScatterND);
        r.Register("ReverseSequence", [10], ReverseSequence);
        r.Register("Pad", [1, 2, 11, 13, 18, 19, 21, 23, 24, 25], Pad);
    }

    private static string Reduction(OpContext ctx)
    {
        var red = ctx.Opset >= 16 ? ctx.Node.GetString("reduction", "none") : "none";
        if (red is not ("none" or "add" or "mul" or "max" or "min") || (ctx.Opset < 18 && red is "max" or "min"))
            throw new ArgumentException($"{ctx.Describe()}: unsupported reduction '{red}' (none, add, mul{(ctx.Opset >= 18 ? ", max, min" : "")}).");
        return red;
    }

    // one contiguous run: copy/combine `Count` elements from updates[Src..] into data[Dst..]
    private readonly record struct Move(long Dst, long Src, long Count);

    private static Tensor Apply(OpContext ctx, Tensor data, Tensor updates, string red, List<Move> moves)
    {
        if (updates.DType != data.DType)
            throw new DTypeMismatchException($"{ctx.Describe()}: updates type {updates.DType.Name()} differs from data type {data.DType.Name()}.");
        var dims = Dims(data);
        if (red == "none")
        {
            int es = data.DType.SizeOf();
            var d = Bytes(data);
            var u = Bytes(updates);
            foreach (var m in moves) Array.Copy(u, m.Src * es, d, m.Dst * es, m.Count * es);
            return FromBytes(d, dims, data.DType);
        }
        if (data.DType.IsFloatingPoint())
        {
            var d = data.ToDoubleArray();
            Combine(d, updates.ToDoubleArray(), red, moves);
            return Tensor.FromDoubles(d, data.Shape, data.DType);
        }
        if (!data.DType.IsInteger())
            throw new DTypeMismatchException($"{ctx.Describe()}: reduction '{red}' is not defined for {data.DType.Name()} data.");
        var di = Longs(ctx, data, "data");
        Combine(di, Longs(ctx, updates, "updates"), red, moves);
        using var t = Tensor.FromSpan<long>(di, data.Shape);
        return t.To(data.DType);
    }

    private static void Combine<T>(T[] d, T[] u, string red, List<Move> moves) where T : INumber<T>
    {
        foreach (var m in moves)
            for (long i = 0; i < m.Count; i++)
            {
                ref T a = ref d[m.Dst + i];
                T b = u[m.Src + i];
                a = red switch
                {
                    "add" => a + b,
                    "mul" => a * b,
                    "max" => T.Max(a, b),
                    _ => T.Min(a, b),
                };
            }
    }

    private static RuntimeValue?[] ScatterElements(OpContext ctx)
    {
        var (x, ind, upd) = (ctx.Tensor(0), ctx.Tensor(1), ctx.Tensor(2));
        string red = ctx.Node.OpType == "Scatter" ? "none" : Reduction(ctx);
        if (x.Rank == 0 || ind.Rank != x.Rank || ind.Shape != upd.Shape)
            throw new ShapeMismatchException($"{ctx.Describe()}: data {x.Shape}, indices {ind.Shape} and updates {upd.Shape} must share one rank ≥ 1, indices and updates one shape.");
        int axis = Axis(ctx, ctx.Node.GetInt("axis", 0), x.Rank);
        var dd = Dims(x);
        var id = Dims(ind);
        for (int d = 0; d < dd.Length; d++)
            if (d != axis && id[d] > dd[d])
                throw new ShapeMismatchException($"{ctx.Describe()}: indices {ind.Shape} exceed data {x.Shape} at dimension {d}.");
        var idx = ShapeIndex.WrapIndices(ctx, ind, dd[axis], "indices");
        var ds = Strides(dd);
        var moves = new List<Move>(idx.Length);
        var coord = new int[id.Length];
        for (long i = 0; i < idx.Length; i++)
        {
            long off = 0;
            for (int d = 0; d < id.Length; d++) off += (d == axis ? idx[i] : coord[d]) * ds[d];
            moves.Add(new Move(off, i, 1));
            for (int d = id.Length - 1; d >= 0; d--) { if (++coord[d] < id[d]) break; coord[d] = 0; }
        }
        return One(Apply(ctx, x, upd, red, moves));
    }

    private static RuntimeValue?[] ScatterND(OpContext ctx)
    {
        var (x, ind, upd) = (ctx.Tensor(0), ctx.Tensor(1), ctx.Tensor(2));
        string red = Reduction(ctx);
        var dd = Dims(x);
        var id = Dims(ind);
        if (id.Length < 1 || id[^1] < 1 || id[^1] > dd.Length)
            throw new ShapeMismatchException($"{ctx.Describe()}: indices {ind.Shape} must end in a dimension of 1 … {dd.Length} for data {x.Shape}.");
        int k = id[^1];
        var want = id[..^1].Concat(dd[k..]).ToArray();
        if (!Dims(upd).SequenceEqual(want))
            throw new ShapeMismatchException($"{ctx.Describe()}: updates shape {upd.Shape} must be {Fmt(want)} for data {x.Shape} and indices {ind.Shape}.");
        var idx = Longs(ctx, ind, "indices");
        var ds = Strides(dd);
        long inner = Prod(dd, k), tuples = Prod(id, 0, id.Length - 1);
        var moves = new List<Move>((int)tuples);
        for (long t = 0; t < tuples; t++)
        {
            long off = 0;
            for (int j = 0; j < k; j++)
            {
                long n = dd[j], v = idx[t * k + j];
                if (v < 0) v += n;
                if (v < 0 || v >= n)
                    throw new IndexOutOfRangeException($"{ctx.Describe()}: index {idx[t * k + j]} is out of range for data dimension {j} of size {n}.");
                off += v * ds[j];
            }
            moves.Add(new Move(off, t * inner, inner));
        }
        return One(Apply(ctx, x, upd, red, moves));
    }

    private static RuntimeValue?[] ReverseSequence(OpContext ctx)
    {
        var (x, lens) = (ctx.Tensor(0), ctx.Tensor(1));
        int ba = (int)ctx.Node.GetInt("batch_axis", 1), ta = (int)ctx.Node.GetInt("time_axis", 0);
        if (x.Rank < 2 || ba is not (0 or 1) || ta is not (0 or 1) || ba == ta)
            throw new ArgumentException($"{ctx.Describe()}: needs rank ≥ 2 and batch_axis/time_axis a permutation of 0 and 1, got input {x.Shape}, batch_axis {ba}, time_axis {ta}.");
        var dd = Dims(x);
        var l = Longs(ctx, lens, "sequence_lens");
        if (l.Length != dd[ba]) throw new ShapeMismatchException($"{ctx.Describe()}: sequence_lens has {l.Length} entries, batch size is {dd[ba]}.");
        foreach (var v in l)
            if (v < 0 || v > dd[ta]) throw new ArgumentException($"{ctx.Describe()}: sequence length {v} is outside 0 … {dd[ta]}.");
        var ds = Strides(dd);
        int es = x.DType.SizeOf();
        var src = Bytes(x);
        var dst = (byte[])src.Clone();
        long total = Prod(dd);
        for (long p = 0; p < total; p++)
        {
            long t = p / ds[ta] % dd[ta], b = p / ds[ba] % dd[ba];
            if (t >= l[b]) continue;
            long from = p + (l[b] - 1 - 2 * t) * ds[ta];
            Array.Copy(src, from * es, dst, p * es, es);
        }
        return One(FromBytes(dst, dd, x.DType));
    }

    private static RuntimeValue?[] Pad(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        int r = x.Rank;
        long[] pads;
        double value;
        if (ctx.Opset < 11)
        {
            pads = ctx.Node.GetInts(ctx.Opset < 2 ? "paddings" : "pads") ?? throw new ModelFormatException($"{ctx.Describe()}: attribute 'pads' is required.");
            value = ctx.Node.GetFloat("value", 0);
        }
        else
        {
            pads = Longs(ctx, ctx.Tensor(1), "pads");
            value = ctx.OptionalTensor(2) is { Numel: > 0 } cv ? cv.ToDoubleArray()[0] : 0;
        }
        var axes = ctx.Opset >= 18 && ctx.OptionalTensor(3) is { } at
            ? Longs(ctx, at, "axes").Select(a => Axis(ctx, a, r, "axes entry")).ToArray()
            : Enumerable.Range(0, r).ToArray();
        if (pads.Length != 2 * axes.Length)
            throw new ShapeMismatchException($"{ctx.Describe()}: pads {Fmt(pads)} must have 2 × {axes.Length} entries for input {x.Shape}.");
        var mode = ctx.Node.GetString("mode", "constant") switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Replicate,
            "wrap" when ctx.Opset >= 19 => PadMode.Circular,
            var m => throw new ArgumentException($"{ctx.Describe()}: unsupported mode '{m}' (constant, reflect, edge{(ctx.Opset >= 19 ? ", wrap" : "")})."),
        };
        var before = new long[r];
        var after = new long[r];
        for (int i = 0; i < axes.Length; i++) { before[axes[i]] = pads[i]; after[axes[i]] = pads[i + axes.Length]; }
        var core = new int[2 * r];
        for (int d = 0; d < r; d++)
        {
            core[2 * (r - 1 - d)] = checked((int)before[d]);
            core[2 * (r - 1 - d) + 1] = checked((int)after[d]);
        }
        if (r == 0) return One(x.Clone());
        return One(x.Pad(core, mode, value));
    }
}
