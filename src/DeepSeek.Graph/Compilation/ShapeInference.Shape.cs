// Inference rules of the shape ops (ONNX operator specs): Transpose, Reshape (0 copies, −1 from the element count,
// with symbols cancelled between input and output), Flatten, Squeeze/Unsqueeze, Concat, Split, Slice (numpy
// clamping), Gather, Expand, Shape/Size, Pad, Tile and ConstantOfShape; shapes, axes and pads must be constants.
using DeepSeek.Graph.Ops;

namespace DeepSeek.Graph.Compilation;

public static partial class ShapeInference
{
    private static void AddShapeRules(Dictionary<string, Rule> r)
    {
        r["Transpose"] = Transpose;
        r["Reshape"] = Reshape;
        r["Flatten"] = Flatten;
        r["Squeeze"] = Squeeze;
        r["Unsqueeze"] = Unsqueeze;
        r["Concat"] = Concat;
        r["Split"] = Split;
        r["Slice"] = Slice;
        r["Gather"] = Gather;
        r["Expand"] = Expand;
        r["Shape"] = ShapeOf;
        r["Size"] = c => c.Out(T(DType.I64, []));
        r["Pad"] = Pad;
        r["Tile"] = Tile;
        r["ConstantOfShape"] = ConstantOfShape;
    }

    private static ValueType?[] Transpose(InferContext c)
    {
        var x = c.Shape(0);
        if (x is null) return c.Out(T(c.DType(0), null));
        var perm = c.Node.GetInts("perm") ?? Enumerable.Range(0, x.Count).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Count) throw c.Error($"perm [{string.Join(", ", perm)}] does not match rank {x.Count}");
        return c.Out(T(c.DType(0), perm.Select(p => x[c.Axis(p, x.Count)]).ToArray()));
    }

    private static ValueType?[] Reshape(InferContext c)
    {
        var dtype = c.DType(0);
        var shape = c.Opset < 5 ? c.Node.GetInts("shape") : c.Ints(1);
        if (shape is null) return c.Out(T(dtype, null));
        bool allowZero = c.Opset >= 14 && c.Node.GetInt("allowzero", 0) != 0;
        var x = c.Shape(0);
        var dims = new Dim[shape.Length];
        int infer = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            long s = shape[i];
            if (s == -1)
            {
                if (infer >= 0) throw c.Error($"shape [{string.Join(", ", shape)}] has more than one -1");
                infer = i;
            }
            else if (s == 0 && !allowZero)
            {
                if (x is null) dims[i] = Dim.Unknown;
                else dims[i] = i < x.Count ? x[i] : throw c.Error($"shape [{string.Join(", ", shape)}] copies dim {i} but the input has rank {x.Count}");
            }
            else if (s < 0) throw c.Error($"shape [{string.Join(", ", shape)}] has invalid entry {s}");
            else dims[i] = s;
        }
        if (infer >= 0) dims[infer] = x is null ? Dim.Unknown : Quotient(c, x, dims.Where((_, i) => i != infer));
        return c.Out(T(dtype, dims));
    }

    /// <summary>numel(<paramref name="input"/>) / Π <paramref name="rest"/>, cancelling symbols that appear on both sides.</summary>
    private static Dim Quotient(InferContext c, IReadOnlyList<Dim> input, IEnumerable<Dim> rest)
    {
        var symbols = new List<string>();
        long num = 1, den = 1;
        foreach (var d in input)
        {
            if (d.IsKnown) num *= d.Value!.Value;
            else if (d.Symbol is not null) symbols.Add(d.Symbol);
            else return Dim.Unknown;
        }
        foreach (var d in rest)
        {
            if (d.IsKnown) den *= d.Value!.Value;
            else if (d.Symbol is not null && symbols.Remove(d.Symbol)) { }
            else return Dim.Unknown;
        }
        if (den == 0 || num % den != 0)
        {
            if (symbols.Count == 0) throw c.Error($"cannot infer -1: {num} elements do not divide by {den}");
            return Dim.Unknown;
        }
        long q = num / den;
        if (symbols.Count == 0) return q;
        return symbols.Count == 1 && q == 1 ? Dim.Named(symbols[0]) : Dim.Unknown;
    }

    private static ValueType?[] Flatten(InferContext c)
    {
        var x = c.Shape(0);
        if (x is null) return c.Out(T(c.DType(0), null));
        long a = c.Node.GetInt("axis", 1);
        if (a < -x.Count || a > x.Count) throw new AxisOutOfRangeException($"{c.Describe()}: axis {a} is out of range for rank {x.Count}.");
        int axis = (int)(a < 0 ? a + x.Count : a);
        return c.Out(T(c.DType(0), [Product(x.Take(axis)), Product(x.Skip(axis))]));
    }

    private static ValueType?[] Squeeze(InferContext c)
    {
        var x = c.Shape(0);
        var axes = c.Opset < 13 ? c.Node.GetInts("axes") : c.Ints(1);
        if (x is null || c.Opset >= 13 && c.Has(1) && axes is null) return c.Out(T(c.DType(0), null));
        var drop = new bool[x.Count];
        if (axes is null)
        {
            // without axes every size-1 dim goes: only decidable when no dim is unknown
            if (x.Any(d => !d.IsKnown)) return c.Out(T(c.DType(0), null));
            for (int i = 0; i < x.Count; i++) drop[i] = x[i].Value == 1;
        }
        else
            foreach (var a in axes)
            {
                int d = c.Axis(a, x.Count);
                if (x[d].IsKnown && x[d].Value != 1) throw c.Error($"cannot squeeze axis {a} of size {x[d]}");
                drop[d] = true;
            }
        return c.Out(T(c.DType(0), x.Where((_, i) => !drop[i]).ToArray()));
    }

    private static ValueType?[] Unsqueeze(InferContext c)
    {
        var x = c.Shape(0);
        var axes = c.Opset < 13 ? c.Node.GetInts("axes") : c.Ints(1);
        if (x is null || axes is null) return c.Out(T(c.DType(0), null));
        int rank = x.Count + axes.Length;
        var insert = new bool[rank];
        foreach (var a in axes) insert[c.Axis(a, rank)] = true;
        var dims = new Dim[rank];
        for (int i = 0, k = 0; i < rank; i++) dims[i] = insert[i] ? Dim.Of(1) : x[k++];
        return c.Out(T(c.DType(0), dims));
    }

    private static ValueType?[] Concat(InferContext c)
    {
        var inputs = Enumerable.Range(0, c.Node.Inputs.Count).Where(c.Has).ToList();
        var dtype = inputs.Select(c.DType).FirstOrDefault(t => t is not null);
        var shapes = inputs.Select(c.Shape).ToList();
        if (shapes.Count == 0 || shapes.Any(s => s is null)) return c.Out(T(dtype, null));
        int rank = shapes[0]!.Count;
        if (shapes.Any(s => s!.Count != rank)) throw c.Error("inputs must share one rank");
        int axis = c.Axis(c.Node.GetInt("axis", 1), rank);
        var dims = new Dim[rank];
        for (int d = 0; d < rank; d++)
        {
            if (d == axis)
            {
                dims[d] = shapes.Count == 1 ? shapes[0]![d] : shapes.All(s => s![d].IsKnown) ? shapes.Sum(s => s![d].Value!.Value) : Dim.Unknown;
                continue;
            }
            // every input has this dim: a known size (or a symbol) from any of them holds for all
            dims[d] = shapes.Select(s => s![d]).FirstOrDefault(x => x.IsKnown, shapes.Select(s => s![d]).FirstOrDefault(x => x.Symbol is not null, Dim.Unknown));
        }
        return c.Out(T(dtype, dims));
    }

    private static ValueType?[] Split(InferContext c)
    {
        var x = c.Shape(0);
        var dtype = c.DType(0);
        int outs = c.Node.Outputs.Count;
        var unknown = Enumerable.Repeat<ValueType?>(T(dtype, x is null ? null : Enumerable.Repeat(Dim.Unknown, x.Count).ToArray()), outs).ToArray();
        if (x is null) return unknown;
        int axis = c.Axis(c.Node.GetInt("axis", 0), x.Count);
        long[]? split = c.Opset < 13 ? c.Node.GetInts("split") : c.Ints(1);
        if (split is null && (c.Opset >= 13 && c.Has(1) || c.Opset < 2 && c.Has(1))) return unknown;
        var sizes = new Dim[outs];
        if (split is not null)
        {
            if (split.Length != outs) throw c.Error($"split [{string.Join(", ", split)}] must have {outs} entries");
            for (int i = 0; i < outs; i++) sizes[i] = split[i];
        }
        else if (x[axis].Value is long n)
        {
            long parts = c.Opset >= 18 ? c.Node.GetIntOrNull("num_outputs") ?? outs : outs;
            long chunk = (n + parts - 1) / parts, left = n;
            for (int i = 0; i < outs; i++) { sizes[i] = Math.Min(chunk, left); left -= Math.Min(chunk, left); }
        }
        else return unknown;
        return Enumerable.Range(0, outs).Select(i => (ValueType?)T(dtype, x.Select((d, k) => k == axis ? sizes[i] : d).ToArray())).ToArray();
    }

    private static ValueType?[] Slice(InferContext c)
    {
        var x = c.Shape(0);
        var dtype = c.DType(0);
        long[]? starts, ends, axes, steps;
        if (c.Opset < 10) (starts, ends, axes, steps) = (c.Node.GetInts("starts"), c.Node.GetInts("ends"), c.Node.GetInts("axes"), null);
        else
        {
            (starts, ends, axes, steps) = (c.Ints(1), c.Ints(2), c.Ints(3), c.Ints(4));
            if (c.Has(3) && axes is null || c.Has(4) && steps is null) starts = null;
        }
        if (x is null || starts is null || ends is null) return c.Out(T(dtype, x is null ? null : Enumerable.Repeat(Dim.Unknown, x.Count).ToArray()));
        if (ends.Length != starts.Length || axes is not null && axes.Length != starts.Length || steps is not null && steps.Length != starts.Length)
            throw c.Error("starts, ends, axes and steps must have equal lengths");
        var dims = x.ToArray();
        for (int i = 0; i < starts.Length; i++)
        {
            int d = c.Axis(axes?[i] ?? i, x.Count);
            long step = steps?[i] ?? 1;
            if (step == 0) throw c.Error("steps must not be zero");
            if (x[d].Value is not long n)
            {
                // a whole-axis slice keeps even an unknown size
                dims[d] = step == 1 && starts[i] == 0 && ends[i] >= int.MaxValue ? x[d] : Dim.Unknown;
                continue;
            }
            long s = starts[i] < 0 ? starts[i] + n : starts[i], e = ends[i] < 0 ? ends[i] + n : ends[i];
            if (step > 0)
            {
                s = Math.Clamp(s, 0, n);
                e = Math.Clamp(e, 0, n);
                dims[d] = e > s ? (e - s + step - 1) / step : 0;
            }
            else
            {
                s = Math.Clamp(s, 0, n - 1);
                e = Math.Clamp(e, -1, n - 1);
                dims[d] = s > e ? (s - e - step - 1) / -step : 0;
            }
        }
        return c.Out(T(dtype, dims));
    }

    private static ValueType?[] Gather(InferContext c)
    {
        var x = c.Shape(0);
        var idx = c.Shape(1);
        if (x is null || idx is null) return c.Out(T(c.DType(0), null));
        if (x.Count == 0) throw c.Error("data must have rank ≥ 1");
        int axis = c.Axis(c.Node.GetInt("axis", 0), x.Count);
        return c.Out(T(c.DType(0), x.Take(axis).Concat(idx).Concat(x.Skip(axis + 1)).ToArray()));
    }

    private static ValueType?[] Expand(InferContext c)
    {
        var shape = c.Ints(1);
        if (shape is null) return c.Out(T(c.DType(0), null));
        return c.Out(T(c.DType(0), Broadcast(c, c.Shape(0), shape.Select(Dim.Of).ToArray())));
    }

    private static ValueType?[] ShapeOf(InferContext c)
    {
        if (c.Rank(0) is not int r) return c.Out(T(DType.I64, [Dim.Unknown]));
        long start = c.Opset >= 15 ? c.Node.GetInt("start", 0) : 0, end = c.Opset >= 15 ? c.Node.GetInt("end", r) : r;
        if (start < 0) start += r;
        if (end < 0) end += r;
        start = Math.Clamp(start, 0, r);
        end = Math.Clamp(end, 0, r);
        return c.Out(T(DType.I64, [Math.Max(0, end - start)]));
    }

    private static ValueType?[] Pad(InferContext c)
    {
        var x = c.Shape(0);
        var pads = c.Opset < 11 ? c.Node.GetInts(c.Opset < 2 ? "paddings" : "pads") : c.Ints(1);
        if (x is null || pads is null) return c.Out(T(c.DType(0), x is null ? null : Enumerable.Repeat(Dim.Unknown, x.Count).ToArray()));
        int[] axes;
        if (c.Opset >= 18 && c.Has(3))
        {
            if (c.Ints(3) is not { } a) return c.Out(T(c.DType(0), Enumerable.Repeat(Dim.Unknown, x.Count).ToArray()));
            axes = a.Select(v => c.Axis(v, x.Count)).ToArray();
        }
        else axes = Enumerable.Range(0, x.Count).ToArray();
        if (pads.Length != 2 * axes.Length) throw c.Error($"pads [{string.Join(", ", pads)}] must have 2 × {axes.Length} entries");
        var dims = x.ToArray();
        for (int i = 0; i < axes.Length; i++)
            dims[axes[i]] = x[axes[i]].Value is long n ? n + pads[i] + pads[i + axes.Length] : pads[i] + pads[i + axes.Length] == 0 ? x[axes[i]] : Dim.Unknown;
        return c.Out(T(c.DType(0), dims));
    }

    private static ValueType?[] Tile(InferContext c)
    {
        var x = c.Shape(0);
        var reps = c.Ints(1);
        if (x is null || reps is null) return c.Out(T(c.DType(0), x is null ? null : Enumerable.Repeat(Dim.Unknown, x.Count).ToArray()));
        if (reps.Length != x.Count) throw c.Error($"repeats [{string.Join(", ", reps)}] must have one entry per dim");
        return c.Out(T(c.DType(0), x.Select((d, i) => reps[i] == 1 ? d : d.Value is long n ? Dim.Of(n * reps[i]) : Dim.Unknown).ToArray()));
    }

    private static ValueType?[] ConstantOfShape(InferContext c)
    {
        var dtype = c.Node.GetTensor("value")?.DType ?? DType.F32;
        var shape = c.Ints(0);
        if (shape is null) return c.Out(T(dtype, c.Shape(0) is [{ Value: long n }] ? Enumerable.Repeat(Dim.Unknown, (int)n).ToArray() : null));
        return c.Out(T(dtype, shape.Select(Dim.Of).ToArray()));
    }
}
