using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;
using static DeepSeek.Graph.Ops.ShapeKit;

namespace DeepSeek.Graph.Ops;

// Resize / Upsample as in the ONNX operator spec (and its reference implementation): separable interpolation, one
// axis at a time from the last to the first, each output coordinate mapped back by the coordinate transformation
// mode and filtered with nearest / linear / cubic (Keys, coefficient A) weights; antialias widens the filter by
// 1/scale when downsampling; exclude_outside drops taps beyond the border and renormalises; other taps clamp to the
// edge; tf_crop_and_resize writes extrapolation_value outside the crop. Computed in double on the host.

/// <summary>ONNX Resize (opsets 10, 11, 13, 18, 19) and Upsample (7, 9).</summary>
[OpSet]
public static class ShapeResize
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Resize", [10, 11, 13, 18, 19], Resize);
        r.Register("Upsample", [7, 9], Upsample);
    }

    internal sealed record Options(string Mode, string Coord, string Nearest, double CubicA, bool ExcludeOutside, double Extrapolation, bool Antialias);

    // weights of one axis: output j reads in[Idx[j*N + t]] with weight W[j*N + t]; Outside[j] → extrapolation value
    internal sealed record AxisPlan(int In, int Out, int N, int[] Idx, double[] W, bool[] Outside);

    private static RuntimeValue?[] Upsample(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var scales = ctx.Opset < 9
            ? (ctx.Node.GetFloats("scales") ?? throw new ModelFormatException($"{ctx.Describe()}: attribute 'scales' is required.")).Select(v => (double)v).ToArray()
            : ctx.Tensor(1).ToDoubleArray();
        var mode = ctx.Node.GetString("mode", "nearest");
        if (mode == "bilinear") mode = "linear";
        return One(Run(ctx, x, scales, null, null, Enumerable.Range(0, x.Rank).ToArray(), Opts(ctx, mode, "asymmetric", "floor")));
    }

    private static Options Opts(OpContext ctx, string mode, string coord, string nearest) => mode is "nearest" or "linear" or "cubic"
        ? new Options(mode, coord, nearest, ctx.Node.GetFloat("cubic_coeff_a", -0.75f), ctx.Node.GetInt("exclude_outside", 0) != 0,
            ctx.Node.GetFloat("extrapolation_value", 0), ctx.Opset >= 18 && ctx.Node.GetInt("antialias", 0) != 0)
        : throw new ArgumentException($"{ctx.Describe()}: unsupported mode '{mode}' (nearest, linear, cubic).");

    private static RuntimeValue?[] Resize(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        int rank = x.Rank;
        if (ctx.Opset < 11)
        {
            var mode10 = ctx.Node.GetString("mode", "nearest");
            return One(Run(ctx, x, ctx.Tensor(1).ToDoubleArray(), null, null, Enumerable.Range(0, rank).ToArray(), Opts(ctx, mode10, "asymmetric", "floor")));
        }
        var axes = ctx.Opset >= 18 && ctx.Node.GetInts("axes") is { } ax
            ? ax.Select(a => Axis(ctx, a, rank, "axes entry")).ToArray()
            : Enumerable.Range(0, rank).ToArray();
        double[]? roi = ctx.OptionalTensor(1) is { Numel: > 0 } rt ? rt.ToDoubleArray() : null;
        double[]? scales = ctx.OptionalTensor(2) is { Numel: > 0 } st ? st.ToDoubleArray() : null;
        long[]? sizes = ctx.OptionalTensor(3) is { Numel: > 0 } zt ? Longs(ctx, zt, "sizes") : null;
        var coord = ctx.Node.GetString("coordinate_transformation_mode", "half_pixel");
        if (coord is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_crop_and_resize" or "tf_half_pixel_for_nn")
            && !(coord == "half_pixel_symmetric" && ctx.Opset >= 19))
            throw new ArgumentException($"{ctx.Describe()}: unsupported coordinate_transformation_mode '{coord}'.");
        var nearest = ctx.Node.GetString("nearest_mode", "round_prefer_floor");
        if (nearest is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw new ArgumentException($"{ctx.Describe()}: unsupported nearest_mode '{nearest}'.");
        var opts = Opts(ctx, ctx.Node.GetString("mode", "nearest"), coord, nearest);
        if (roi is not null && roi.Length != 2 * axes.Length && coord == "tf_crop_and_resize")
            throw new ShapeMismatchException($"{ctx.Describe()}: roi has {roi.Length} entries, expected {2 * axes.Length}.");
        return One(Run(ctx, x, scales, sizes, roi, axes, opts, ctx.Opset >= 18 ? ctx.Node.GetString("keep_aspect_ratio_policy", "stretch") : "stretch"));
    }

    private static Tensor Run(OpContext ctx, Tensor x, double[]? scales, long[]? sizes, double[]? roi, int[] axes, Options o, string policy = "stretch")
    {
        var dims = Dims(x);
        if ((scales is null) == (sizes is null))
            throw new ArgumentException($"{ctx.Describe()}: exactly one of scales and sizes must be given.");
        int k = axes.Length;
        if ((scales?.Length ?? sizes!.Length) != k)
            throw new ShapeMismatchException($"{ctx.Describe()}: {(scales is null ? "sizes" : "scales")} must have {k} entries for input {x.Shape}.");
        var outDims = (int[])dims.Clone();
        var sc = Enumerable.Repeat(1.0, dims.Length).ToArray();
        if (scales is not null)
            for (int i = 0; i < k; i++)
            {
                if (!(scales[i] > 0)) throw new ArgumentException($"{ctx.Describe()}: scales must be positive, got {Fmt(scales)}.");
                sc[axes[i]] = scales[i];
                outDims[axes[i]] = (int)Math.Floor(dims[axes[i]] * scales[i]);
            }
        else if (policy == "stretch")
            for (int i = 0; i < k; i++)
            {
                outDims[axes[i]] = Dim(ctx, sizes![i], "sizes entry");
                sc[axes[i]] = (double)sizes[i] / dims[axes[i]];
            }
        else
        {
            if (policy is not ("not_larger" or "not_smaller")) throw new ArgumentException($"{ctx.Describe()}: unsupported keep_aspect_ratio_policy '{policy}'.");
            var ratios = Enumerable.Range(0, k).Select(i => (double)sizes![i] / dims[axes[i]]);
            double s = policy == "not_larger" ? ratios.Min() : ratios.Max();
            foreach (var a in axes) { sc[a] = s; outDims[a] = (int)Math.Floor(s * dims[a] + 0.5); }
        }
        if (!x.DType.IsFloatingPoint() && !x.DType.IsInteger())
            throw new DTypeMismatchException($"{ctx.Describe()}: unsupported input type {x.DType.Name()}.");
        var data = x.ToDoubleArray();
        var cur = (int[])dims.Clone();
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            int ai = Array.IndexOf(axes, d);
            if (ai < 0) continue;
            double rs = roi is null || o.Coord != "tf_crop_and_resize" ? 0 : roi[ai], re = roi is null || o.Coord != "tf_crop_and_resize" ? 1 : roi[ai + k];
            if (outDims[d] == dims[d] && sc[d] == 1 && o.Coord != "tf_crop_and_resize") continue;
            var plan = Plan(dims[d], outDims[d], sc[d], rs, re, o);
            data = Apply(data, cur, d, plan, o.Extrapolation);
            cur[d] = outDims[d];
        }
        return Tensor.FromDoubles(data, new DeepSeek.Shape(outDims), x.DType);
    }

    /// <summary>Maps output coordinate <paramref name="j"/> to an input coordinate.</summary>
    internal static double Transform(string mode, int j, int inSize, int outSize, double scale, double roiStart, double roiEnd) => mode switch
    {
        "half_pixel" => (j + 0.5) / scale - 0.5,
        "half_pixel_symmetric" => inSize / 2.0 * (1 - outSize / (scale * inSize)) + (j + 0.5) / scale - 0.5,
        "pytorch_half_pixel" => outSize > 1 ? (j + 0.5) / scale - 0.5 : 0,
        // the reference divides by the unrounded output length scale·inSize (it differs from outSize when downsampling by a scale)
        "align_corners" => AlignedLength(outSize, scale, inSize) is var ow && ow == 1 ? 0 : j * (inSize - 1.0) / (ow - 1.0),
        "asymmetric" => j / scale,
        "tf_half_pixel_for_nn" => (j + 0.5) / scale,
        _ => outSize > 1
            ? roiStart * (inSize - 1) + j * (roiEnd - roiStart) * (inSize - 1) / (outSize - 1)
            : 0.5 * (roiStart + roiEnd) * (inSize - 1),
    };

    /// <summary>The output length align_corners divides by: scale·inSize, or outSize when no positive scale is known.</summary>
    private static double AlignedLength(int outSize, double scale, int inSize) => scale > 0 ? scale * inSize : outSize;

    internal static AxisPlan Plan(int inSize, int outSize, double scale, double roiStart, double roiEnd, Options o)
    {
        var taps = new List<(int Start, double[] C)>(outSize);
        var outside = new bool[outSize];
        for (int j = 0; j < outSize; j++)
        {
            double x = Transform(o.Coord, j, inSize, outSize, scale, roiStart, roiEnd);
            if (o.Coord == "tf_crop_and_resize" && (x < 0 || x > inSize - 1)) outside[j] = true;
            double fl = Math.Floor(x);
            int x0 = (int)fl;
            double r = x - fl;
            if (r == 0) { x0 -= 1; r = 1; }
            var (start, c) = Coeffs(r, scale, o);
            taps.Add((x0 + start, c));
        }
        int n = taps.Count == 0 ? 1 : taps.Max(t => t.C.Length);
        var idx = new int[outSize * n];
        var w = new double[outSize * n];
        for (int j = 0; j < outSize; j++)
        {
            var (p0, c) = taps[j];
            if (o.ExcludeOutside)
            {
                double sum = 0;
                for (int t = 0; t < c.Length; t++) { if (p0 + t < 0 || p0 + t >= inSize) c[t] = 0; sum += c[t]; }
                if (sum != 0) for (int t = 0; t < c.Length; t++) c[t] /= sum;
            }
            for (int t = 0; t < c.Length; t++)
            {
                idx[j * n + t] = Math.Clamp(p0 + t, 0, inSize - 1);
                w[j * n + t] = c[t];
            }
        }
        return new AxisPlan(inSize, outSize, n, idx, w, outside);
    }

    // tap offsets (relative to x0) and weights for fractional position r ∈ (0, 1]
    private static (int Start, double[] C) Coeffs(double r, double scale, Options o)
    {
        switch (o.Mode)
        {
            case "nearest":
                if (r == 1) return (0, [0, 1]);
                bool up = o.Nearest switch
                {
                    "round_prefer_floor" => r > 0.5,
                    "round_prefer_ceil" => r >= 0.5,
                    "floor" => false,
                    _ => true,
                };
                return (0, up ? [0, 1] : [1, 0]);
            case "linear":
                if (!o.Antialias) return (0, [1 - r, r]);
                {
                    double s = Math.Min(scale, 1);
                    int start = (int)Math.Floor(-1 / s) + 1, n = 2 - 2 * start;
                    var c = new double[n];
                    for (int i = 0; i < n; i++) c[i] = Math.Clamp(1 - Math.Abs((start + i - r) * s), 0, 1);
                    return (start, Normalize(c));
                }
            default:
                {
                    double s = o.Antialias ? Math.Min(scale, 1) : 1;
                    int start = o.Antialias ? (int)Math.Floor(-2 / s) + 1 : -1, n = 2 - 2 * start;
                    var c = new double[n];
                    for (int i = 0; i < n; i++) c[i] = Cubic(s * (start + i - r), o.CubicA);
                    return (start, o.Antialias ? Normalize(c) : c);
                }
        }
    }

    private static double[] Normalize(double[] c)
    {
        double sum = c.Sum();
        if (sum != 0) for (int i = 0; i < c.Length; i++) c[i] /= sum;
        return c;
    }

    /// <summary>Keys' cubic convolution kernel with coefficient <paramref name="a"/>.</summary>
    internal static double Cubic(double x, double a)
    {
        x = Math.Abs(x);
        if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0;
    }

    internal static double[] Apply(double[] src, int[] dims, int axis, AxisPlan p, double extrapolation)
    {
        long outer = Prod(dims, 0, axis), inner = Prod(dims, axis + 1);
        var dst = new double[outer * p.Out * inner];
        for (long o = 0; o < outer; o++)
            for (int j = 0; j < p.Out; j++)
            {
                long dBase = (o * p.Out + j) * inner;
                if (p.Outside[j])
                {
                    Array.Fill(dst, extrapolation, (int)dBase, (int)inner);
                    continue;
                }
                for (int t = 0; t < p.N; t++)
                {
                    double wt = p.W[j * p.N + t];
                    if (wt == 0) continue;
                    long sBase = (o * p.In + p.Idx[j * p.N + t]) * inner;
                    for (long i = 0; i < inner; i++) dst[dBase + i] += wt * src[sBase + i];
                }
            }
        return dst;
    }
}
