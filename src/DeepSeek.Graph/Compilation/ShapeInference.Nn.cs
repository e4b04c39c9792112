// Inference rules of the NN families (ONNX operator specs): Conv/ConvTranspose and pooling output sizes from pads,
// strides, dilations, auto_pad and ceil_mode (floor((in + pads − ((k − 1)·d + 1)) / s) + 1, SAME = ceil(in / s));
// Gemm and batched MatMul; BatchNormalization and LayerNormalization; Reduce* with keepdims; ArgMax/ArgMin.
namespace DeepSeek.Graph.Compilation;

public static partial class ShapeInference
{
    private static readonly string[] Reductions =
    [
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
        "ReduceLogSumExp", "ReduceSumSquare",
    ];

    private static void AddNnRules(Dictionary<string, Rule> r)
    {
        r["Conv"] = Conv;
        r["ConvTranspose"] = ConvTranspose;
        r["MaxPool"] = c => Pool(c, indices: true);
        r["AveragePool"] = c => Pool(c, indices: false);
        r["LpPool"] = c => Pool(c, indices: false);
        foreach (var op in new[] { "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool" }) r[op] = GlobalPool;
        r["Gemm"] = Gemm;
        r["MatMul"] = MatMul;
        r["BatchNormalization"] = BatchNorm;
        r["LayerNormalization"] = LayerNorm;
        foreach (var op in Reductions) r[op] = Reduce;
        r["ArgMax"] = ArgReduce;
        r["ArgMin"] = ArgReduce;
    }

    /// <summary>Spatial rank of a [N, C, spatial...] op from X or W; throws when a known rank is below 3.</summary>
    private static int? SpatialRank(InferContext c)
    {
        int? rank = c.Rank(0) ?? c.Rank(1);
        if (rank is < 3) throw c.Error("X must be [N, C, spatial...] (rank ≥ 3)");
        return rank - 2;
    }

    private static long[] PerDim(InferContext c, string name, int d, long fallback)
    {
        var v = c.Node.GetInts(name);
        if (v is null) return Enumerable.Repeat(fallback, d).ToArray();
        if (v.Length != d) throw c.Error($"{name} [{string.Join(", ", v)}] must have {d} entries (one per spatial dim)");
        return v;
    }

    /// <summary>Kernel size per spatial dim: kernel_shape, else W's trailing dims (null where unknown).</summary>
    private static long?[] Kernel(InferContext c, int d, int weightInput)
    {
        if (c.Node.GetInts("kernel_shape") is { } k)
        {
            if (k.Length != d) throw c.Error($"kernel_shape [{string.Join(", ", k)}] must have {d} entries");
            return k.Select(v => (long?)v).ToArray();
        }
        var w = weightInput >= 0 ? c.Shape(weightInput) : null;
        return Enumerable.Range(0, d).Select(i => w is { } ws && ws.Count == d + 2 ? ws[i + 2].Value : null).ToArray();
    }

    /// <summary>Output size along one spatial dim, mirroring the padding rules of Conv and the pools.</summary>
    private static Dim SpatialOut(InferContext c, int i, int d, Dim input, long? kernel, long stride, long dilation, bool ceil)
    {
        if (!input.IsKnown || kernel is null) return Dim.Unknown;
        long inSize = input.Value!.Value, eff = (kernel.Value - 1) * dilation + 1, pb = 0, pe = 0;
        switch (c.Node.GetString("auto_pad", "NOTSET"))
        {
            case "NOTSET" or "":
                if (c.Node.GetInts("pads") is { } pads)
                {
                    if (pads.Length != 2 * d) throw c.Error($"pads [{string.Join(", ", pads)}] must have {2 * d} entries");
                    (pb, pe) = (pads[i], pads[i + d]);
                }
                break;
            case "VALID":
                break;
            case "SAME_UPPER" or "SAME_LOWER":
                long target = (inSize + stride - 1) / stride;
                long total = Math.Max(0, (target - 1) * stride + eff - inSize);
                (pb, pe) = (total / 2, total - total / 2);
                break;
            default:
                return Dim.Unknown;
        }
        long padded = inSize + pb + pe;
        if (padded < eff) throw c.Error($"padded input size {padded} along spatial dim {i} is smaller than the (dilated) kernel {eff}");
        long o = ceil ? (padded - eff + stride - 1) / stride + 1 : (padded - eff) / stride + 1;
        if (ceil && (o - 1) * stride >= inSize + pb) o--; // the last window must start inside the input or left padding
        return Dim.Of(o);
    }

    private static ValueType?[] Conv(InferContext c)
    {
        var dtype = c.DType(0);
        if (SpatialRank(c) is not int d) return c.Out(T(dtype, null));
        var x = c.Shape(0);
        var w = c.Shape(1);
        long group = c.Node.GetInt("group", 1);
        if (x?[1].Value is long cin && w?[1].Value is long cw && cin != cw * group)
            throw c.Error($"X has {cin} channels but W with group={group} expects {cw * group}");
        var kernel = Kernel(c, d, 1);
        var strides = PerDim(c, "strides", d, 1);
        var dil = PerDim(c, "dilations", d, 1);
        var dims = new Dim[d + 2];
        dims[0] = x?[0] ?? Dim.Unknown;
        dims[1] = w?[0] ?? Dim.Unknown;
        for (int i = 0; i < d; i++)
            dims[i + 2] = SpatialOut(c, i, d, x?[i + 2] ?? Dim.Unknown, kernel[i], strides[i], dil[i], ceil: false);
        return c.Out(T(dtype, dims));
    }

    private static ValueType?[] ConvTranspose(InferContext c)
    {
        var dtype = c.DType(0);
        if (SpatialRank(c) is not int d) return c.Out(T(dtype, null));
        var x = c.Shape(0);
        var w = c.Shape(1);
        long group = c.Node.GetInt("group", 1);
        var kernel = Kernel(c, d, 1);
        var s = PerDim(c, "strides", d, 1);
        var dil = PerDim(c, "dilations", d, 1);
        var outPad = c.Node.GetInts("output_padding") ?? new long[d];
        var outShape = c.Node.GetInts("output_shape");
        if (outShape is not null && outShape.Length == d + 2) outShape = outShape[2..];
        var autoPad = c.Node.GetString("auto_pad", "NOTSET");
        var pads = autoPad is "NOTSET" or "" ? c.Node.GetInts("pads") : null;
        var dims = new Dim[d + 2];
        dims[0] = x?[0] ?? Dim.Unknown;
        dims[1] = w?[1].Value is long m ? Dim.Of(m * group) : Dim.Unknown;
        for (int i = 0; i < d; i++)
        {
            var input = x?[i + 2] ?? Dim.Unknown;
            if (outShape is not null && outShape.Length == d) dims[i + 2] = outShape[i];
            else if (!input.IsKnown || kernel[i] is null) dims[i + 2] = Dim.Unknown;
            else if (autoPad is "SAME_UPPER" or "SAME_LOWER") dims[i + 2] = input.Value!.Value * s[i];
            else
            {
                long pb = pads?[i] ?? 0, pe = pads?[i + d] ?? 0;
                dims[i + 2] = s[i] * (input.Value!.Value - 1) + outPad[i] + (kernel[i]!.Value - 1) * dil[i] + 1 - pb - pe;
            }
        }
        return c.Out(T(dtype, dims));
    }

    private static ValueType?[] Pool(InferContext c, bool indices)
    {
        var dtype = c.DType(0);
        int? rank = c.Rank(0);
        if (rank is < 3) throw c.Error("X must be [N, C, spatial...] (rank ≥ 3)");
        if (rank is not int r) return c.Out(T(dtype, null), indices ? T(DType.I64, null) : null);
        int d = r - 2;
        var x = c.Shape(0)!;
        var kernel = Kernel(c, d, -1);
        var strides = PerDim(c, "strides", d, 1);
        var dil = PerDim(c, "dilations", d, 1);
        bool ceil = c.Node.GetInt("ceil_mode", 0) != 0;
        var dims = new Dim[r];
        dims[0] = x[0];
        dims[1] = x[1];
        for (int i = 0; i < d; i++) dims[i + 2] = SpatialOut(c, i, d, x[i + 2], kernel[i], strides[i], dil[i], ceil);
        return c.Out(T(dtype, dims), indices ? T(DType.I64, dims) : null);
    }

    private static ValueType?[] GlobalPool(InferContext c)
    {
        var x = c.Shape(0);
        if (x is { Count: < 3 }) throw c.Error("X must be [N, C, spatial...] (rank ≥ 3)");
        return c.Out(T(c.DType(0), x?.Select((dim, i) => i < 2 ? dim : Dim.Of(1)).ToArray()));
    }

    private static ValueType?[] Gemm(InferContext c)
    {
        var a = c.Shape(0);
        var b = c.Shape(1);
        if (a is { Count: not 2 } || b is { Count: not 2 }) throw c.Error("A and B must be 2-d");
        bool ta = c.Node.GetInt("transA", 0) != 0, tb = c.Node.GetInt("transB", 0) != 0;
        Dim ka = a?[ta ? 0 : 1] ?? Dim.Unknown, kb = b?[tb ? 1 : 0] ?? Dim.Unknown;
        if (ka.IsKnown && kb.IsKnown && ka.Value != kb.Value) throw c.Error($"inner dims differ ({ka} vs {kb})");
        return c.Out(T(c.DType(0), [a?[ta ? 1 : 0] ?? Dim.Unknown, b?[tb ? 0 : 1] ?? Dim.Unknown]));
    }

    private static ValueType?[] MatMul(InferContext c)
    {
        var a = c.Shape(0);
        var b = c.Shape(1);
        var dtype = c.DType(0) ?? c.DType(1);
        if (a is null || b is null) return c.Out(T(dtype, null));
        if (a.Count == 0 || b.Count == 0) throw c.Error("MatMul inputs must have rank ≥ 1");
        var a2 = a.Count == 1 ? new[] { Dim.Of(1), a[0] } : a.ToArray();
        var b2 = b.Count == 1 ? new[] { b[0], Dim.Of(1) } : b.ToArray();
        Dim ka = a2[^1], kb = b2[^2];
        if (ka.IsKnown && kb.IsKnown && ka.Value != kb.Value) throw c.Error($"inner dims differ ({ka} vs {kb})");
        var batch = Broadcast(c, a2[..^2], b2[..^2])!;
        var dims = batch.ToList();
        if (a.Count > 1) dims.Add(a2[^2]);
        if (b.Count > 1) dims.Add(b2[^1]);
        return c.Out(T(dtype, dims));
    }

    private static ValueType?[] BatchNorm(InferContext c)
    {
        var x = c.Shape(0);
        Dim channels = x is { Count: >= 2 } ? x[1] : c.Shape(1) is { Count: 1 } s ? s[0] : Dim.Unknown;
        var stat = T(c.DType(3) ?? c.DType(0), [channels]);
        return c.Out(c.Type(0), stat, stat, stat, stat);
    }

    private static ValueType?[] LayerNorm(InferContext c)
    {
        var x = c.Shape(0);
        var dtype = c.DType(0);
        var statType = c.Node.GetInt("stash_type", 1) == 1 && dtype is DType.F16 or DType.BF16 ? DType.F32 : dtype;
        if (x is null) return c.Out(c.Type(0), T(statType, null), T(statType, null));
        int axis = c.Axis(c.Node.GetInt("axis", -1), x.Count);
        var stat = x.Select((dim, i) => i < axis ? dim : Dim.Of(1)).ToArray();
        return c.Out(c.Type(0), T(statType, stat), T(statType, stat));
    }

    private static ValueType?[] Reduce(InferContext c)
    {
        var x = c.Shape(0);
        var dtype = c.DType(0);
        bool keep = c.Node.GetInt("keepdims", 1) != 0;
        bool noop = c.Node.GetInt("noop_with_empty_axes", 0) != 0;
        bool fromInput = c.Opset >= (c.Node.OpType == "ReduceSum" ? 13 : 18);
        long[]? axes = fromInput ? c.Ints(1) : c.Node.GetInts("axes");
        if (fromInput && c.Has(1) && axes is null) return c.Out(T(dtype, null)); // axes computed at run time
        if (x is null) return c.Out(T(dtype, null));
        if (axes is null || axes.Length == 0)
        {
            if (noop) return c.Out(T(dtype, x));
            axes = Enumerable.Range(0, x.Count).Select(i => (long)i).ToArray();
        }
        var reduced = new HashSet<int>(axes.Select(a => c.Axis(a, Math.Max(x.Count, 1))));
        var dims = new List<Dim>();
        for (int i = 0; i < x.Count; i++)
        {
            if (!reduced.Contains(i)) dims.Add(x[i]);
            else if (keep) dims.Add(Dim.Of(1));
        }
        return c.Out(T(dtype, dims));
    }

    private static ValueType?[] ArgReduce(InferContext c)
    {
        var x = c.Shape(0);
        if (x is null) return c.Out(T(DType.I64, null));
        int axis = c.Axis(c.Node.GetInt("axis", 0), x.Count);
        bool keep = c.Node.GetInt("keepdims", 1) != 0;
        var dims = new List<Dim>();
        for (int i = 0; i < x.Count; i++)
        {
            if (i != axis) dims.Add(x[i]);
            else if (keep) dims.Add(Dim.Of(1));
        }
        return c.Out(T(DType.I64, dims));
    }
}
