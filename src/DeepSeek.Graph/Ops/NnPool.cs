using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.NnHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX MaxPool / AveragePool / LpPool (any number of spatial dims, auto_pad, asymmetric pads, dilations, ceil_mode,
/// count_include_pad, MaxPool Indices with storage_order) and the Global* pools. Plain 2-d cases run on Core's pooling
/// kernels; the rest pad explicitly and combine the strided tap views (one view per kernel offset).
/// </summary>
[OpSet]
public static class NnPool
{
    private enum Kind { Max, Avg, Lp }

    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("MaxPool", [1, 8, 10, 11, 12, 22], ctx => Pool(ctx, Kind.Max));
        r.Register("AveragePool", [1, 7, 10, 11, 19, 22], ctx => Pool(ctx, Kind.Avg));
        r.Register("LpPool", [1, 2, 11, 18, 22], ctx => Pool(ctx, Kind.Lp));
        r.Register("GlobalAveragePool", [1, 22], ctx => One(Global(ctx, Kind.Avg)));
        r.Register("GlobalMaxPool", [1, 22], ctx => One(Global(ctx, Kind.Max)));
        r.Register("GlobalLpPool", [1, 2, 22], ctx => One(Global(ctx, Kind.Lp)));
    }

    private static int[] SpatialDims(Tensor x) => Enumerable.Range(2, x.Rank - 2).ToArray();

    private static Tensor Global(OpContext ctx, Kind kind)
    {
        var x = ctx.Tensor(0);
        if (x.Rank < 3) throw new ShapeMismatchException($"{ctx.Describe()}: X must be [N, C, spatial...], got {x.Shape}.");
        var dims = SpatialDims(x);
        switch (kind)
        {
            case Kind.Max: return x.Max(dims, keepDim: true);
            case Kind.Avg: return Float(ctx, x).Mean(dims, keepDim: true);
            default:
            {
                double p = ctx.Node.GetInt("p", 2);
                var xf = Float(ctx, x);
                return xf.Abs().Pow(p).Sum(dims, keepDim: true).Pow(1 / p);
            }
        }
    }

    private static RuntimeValue?[] Pool(OpContext ctx, Kind kind)
    {
        var x = ctx.Tensor(0);
        if (x.Rank < 3) throw new ShapeMismatchException($"{ctx.Describe()}: X must be [N, C, spatial...], got {x.Shape}.");
        int d = x.Rank - 2;
        var kernel = Ints(ctx.Node, "kernel_shape") ?? throw new ModelFormatException($"{ctx.Describe()}: required attribute kernel_shape is missing.");
        if (kernel.Length != d) throw new ShapeMismatchException($"{ctx.Describe()}: kernel_shape [{string.Join(", ", kernel)}] has {kernel.Length} dims, X {x.Shape} has {d} spatial dims.");
        var strides = PerDim(ctx, "strides", d, 1);
        var dil = PerDim(ctx, "dilations", d, 1);
        var input = x.Shape.ToArray()[2..];
        var (pb, pe) = SpatialPads(ctx, input, kernel, strides, dil);
        bool ceil = ctx.Node.GetInt("ceil_mode", 0) != 0;
        bool includePad = ctx.Node.GetInt("count_include_pad", 0) != 0;
        bool wantIndices = kind == Kind.Max && ctx.Node.Outputs.Count > 1 && ctx.Node.Outputs[1].Name.Length > 0;
        if (kind != Kind.Max && !x.DType.IsFloatingPoint()) throw BadType(ctx, x, "f32, f64, f16, bf16");

        var outSize = new int[d];
        var extra = new int[d];
        for (int i = 0; i < d; i++)
        {
            long eff = (long)(kernel[i] - 1) * dil[i] + 1;
            long padded = (long)input[i] + pb[i] + pe[i];
            if (padded < eff) throw new ShapeMismatchException($"{ctx.Describe()}: padded input size {padded} along spatial dim {i} is smaller than the (dilated) kernel {eff}; X {x.Shape}.");
            long o = ceil ? (padded - eff + strides[i] - 1) / strides[i] + 1 : (padded - eff) / strides[i] + 1;
            if (ceil && (o - 1) * strides[i] >= input[i] + pb[i]) o--; // windows must start inside the input or left padding
            outSize[i] = checked((int)o);
            extra[i] = (int)Math.Max(0, (o - 1) * strides[i] + eff - padded);
        }

        if (!wantIndices && d == 2 && !ceil && pb.SequenceEqual(pe) && x.DType is DType.F32 or DType.F64)
        {
            if (kind == Kind.Max && pb[0] <= kernel[0] / 2 && pb[1] <= kernel[1] / 2)
                return One(x.MaxPool2d((kernel[0], kernel[1]), (strides[0], strides[1]), (pb[0], pb[1]), (dil[0], dil[1])));
            if (kind == Kind.Avg && dil.All(v => v == 1) && pb[0] <= kernel[0] / 2 && pb[1] <= kernel[1] / 2)
                return One(x.AvgPool2d((kernel[0], kernel[1]), (strides[0], strides[1]), (pb[0], pb[1]), false, includePad));
        }

        var work = x.DType is DType.F16 or DType.BF16 ? x.To(DType.F32) : x;
        var endPads = pe.Zip(extra, (a, b) => a + b).ToArray();
        double padValue = kind == Kind.Max ? Lowest(work.DType) : 0;
        var xp = work.Pad(TorchPads(pb, endPads), PadMode.Constant, padValue);
        Tensor? acc = null, accIdx = null;
        Tensor? idxPad = wantIndices ? IndexGrid(ctx, x).Pad(TorchPads(pb, endPads), PadMode.Constant, -1) : null;
        double p = kind == Kind.Lp ? ctx.Node.GetInt("p", 2) : 0;
        foreach (var tap in Taps(kernel))
        {
            var v = TapView(xp, tap, dil, strides, outSize);
            switch (kind)
            {
                case Kind.Max when wantIndices:
                {
                    var vi = TapView(idxPad!, tap, dil, strides, outSize);
                    if (acc is null) { acc = v; accIdx = vi; break; }
                    var better = v.Gt(acc);
                    acc = Tensor.Where(better, v, acc);
                    accIdx = Tensor.Where(better, vi, accIdx!);
                    break;
                }
                case Kind.Max: acc = acc is null ? v.Contiguous() : acc.Maximum(v); break;
                case Kind.Avg: acc = acc is null ? v.Contiguous() : acc.Add(v); break;
                default:
                    var pv = v.Abs().Pow(p);
                    acc = acc is null ? pv : acc.Add(pv);
                    break;
            }
        }
        var y = acc!;
        if (kind == Kind.Avg) y = y.Div(Counts(work.DType, input, pb, pe, extra, kernel, dil, strides, outSize, includePad));
        else if (kind == Kind.Lp) y = y.Pow(1 / p);
        if (y.DType != x.DType) y = y.To(x.DType);
        if (ReferenceEquals(y, x)) y = y.Clone();
        return wantIndices ? Many(y.Contiguous(), accIdx!.Contiguous()) : One(y.Contiguous());
    }

    // Divisor per output cell: cells of the input (plus the declared pads when count_include_pad) under the window.
    private static Tensor Counts(DType dtype, int[] input, int[] pb, int[] pe, int[] extra, int[] kernel, int[] dil, int[] strides, int[] outSize, bool includePad)
    {
        int d = input.Length;
        var mask = Tensor.Ones(new Shape(input), dtype)
            .Pad(TorchPads(pb, pe), PadMode.Constant, includePad ? 1 : 0)
            .Pad(TorchPads(new int[d], extra), PadMode.Constant, 0);
        Tensor? acc = null;
        foreach (var tap in Taps(kernel))
        {
            var v = TapViewSpatial(mask, 0, tap, dil, strides, outSize);
            acc = acc is null ? v.Contiguous() : acc.Add(v);
        }
        return acc!;
    }

    // ONNX's flat index into X: ((n·C + c)·H + h)·W + w, or with storage_order = 1 column-major over the spatial dims.
    private static Tensor IndexGrid(OpContext ctx, Tensor x)
    {
        var spatial = x.Shape.ToArray()[2..];
        long plane = spatial.Aggregate(1L, (a, b) => a * b);
        bool colMajor = ctx.Node.GetInt("storage_order", 0) != 0;
        var s = Tensor.Arange(checked((int)plane));
        if (colMajor)
        {
            var rev = spatial.Reverse().ToArray();
            s = s.Reshape(rev).Permute(Enumerable.Range(0, rev.Length).Reverse().ToArray());
        }
        else s = s.Reshape(spatial);
        var nc = Tensor.Arange(x.Size(0) * x.Size(1)).Mul(plane).Reshape([x.Size(0), x.Size(1), .. Enumerable.Repeat(1, spatial.Length)]);
        return nc.Add(s.Reshape([1, 1, .. spatial]));
    }

    private static IEnumerable<int[]> Taps(int[] kernel)
    {
        var t = new int[kernel.Length];
        while (true)
        {
            yield return (int[])t.Clone();
            int i = kernel.Length - 1;
            while (i >= 0 && ++t[i] == kernel[i]) t[i--] = 0;
            if (i < 0) yield break;
        }
    }

    private static Tensor TapView(Tensor xp, int[] tap, int[] dil, int[] strides, int[] outSize) =>
        TapViewSpatial(xp, 2, tap, dil, strides, outSize);

    private static Tensor TapViewSpatial(Tensor xp, int first, int[] tap, int[] dil, int[] strides, int[] outSize)
    {
        var v = xp;
        for (int i = 0; i < tap.Length; i++)
        {
            long start = (long)tap[i] * dil[i];
            v = v.Slice(first + i, start, start + (long)(outSize[i] - 1) * strides[i] + 1, strides[i]);
        }
        return v;
    }
}
