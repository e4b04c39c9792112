using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;
using static DeepSeek.Graph.Ops.ShapeKit;

namespace DeepSeek.Graph.Ops;

// CumProd (ONNX 26): running product along one axis, optionally exclusive (starts at 1) and/or reversed; a host loop
// in long arithmetic for integers (wrapping like the fixed-width type) and in double for floats.
// GridSample (ONNX 16/20/22): each output point reads X at grid coordinates in [-1, 1] (last grid axis = x, y, [z]),
// denormalised per align_corners, with nearest (round half to even) / linear / cubic (Keys, A = −0.75) taps per axis
// and zeros / border / reflection padding, as in the spec's reference implementation. Computed in double on the host.

/// <summary>ONNX CumProd and GridSample.</summary>
[OpSet]
public static class ExtraOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("CumProd", [26], ctx => One(CumProd(ctx)));
        r.Register("GridSample", [16, 20, 22], ctx => One(GridSample(ctx)));
    }

    private static Tensor CumProd(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var axisT = ctx.Tensor(1);
        if (axisT.Numel != 1)
            throw new ShapeMismatchException($"{ctx.Describe()}: axis must be a scalar (or 1-element) tensor, got {axisT.DType.Name()}{axisT.Shape}.");
        if (x.Rank == 0) throw new ShapeMismatchException($"{ctx.Describe()}: input must have rank ≥ 1, got a scalar.");
        int axis = Axis(ctx, Longs(ctx, axisT, "axis")[0], x.Rank);
        bool exclusive = ctx.Node.GetInt("exclusive", 0) != 0, reverse = ctx.Node.GetInt("reverse", 0) != 0;
        var dims = Dims(x);
        int n = dims[axis];
        long outer = Prod(dims, 0, axis), inner = Prod(dims, axis + 1);
        if (x.DType is DType.I32 or DType.I64)
        {
            var src = x.DType == DType.I64 ? x.ToArray<long>() : Array.ConvertAll(x.ToArray<int>(), v => (long)v);
            var dst = new long[src.Length];
            CumProdLoop(src, dst, outer, n, inner, exclusive, reverse, 1L, (a, b) => unchecked(a * b));
            return x.DType == DType.I64
                ? Tensor.FromArray(dst, dims)
                : Tensor.FromArray(Array.ConvertAll(dst, v => unchecked((int)v)), dims);
        }
        if (!x.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"{ctx.Describe()}: unsupported input type {x.DType.Name()} (float, double, float16, bfloat16, int32, int64).");
        var data = x.ToDoubleArray();
        var res = new double[data.Length];
        CumProdLoop(data, res, outer, n, inner, exclusive, reverse, 1.0, (a, b) => a * b);
        return Tensor.FromDoubles(res, new DeepSeek.Shape(dims), x.DType);
    }

    /// <summary>dst[o, i, k] = product of src[o, j, k] over j before (or after, reversed) i, including i unless exclusive.</summary>
    internal static void CumProdLoop<T>(T[] src, T[] dst, long outer, int n, long inner, bool exclusive, bool reverse, T one, Func<T, T, T> mul)
    {
        for (long o = 0; o < outer; o++)
            for (long k = 0; k < inner; k++)
            {
                T acc = one;
                for (int s = 0; s < n; s++)
                {
                    int i = reverse ? n - 1 - s : s;
                    long at = (o * n + i) * inner + k;
                    if (exclusive) { dst[at] = acc; acc = mul(acc, src[at]); }
                    else { acc = mul(acc, src[at]); dst[at] = acc; }
                }
            }
    }

    internal enum GsMode { Nearest, Linear, Cubic }

    internal enum GsPad { Zeros, Border, Reflection }

    private static Tensor GridSample(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var grid = ctx.Tensor(1);
        int rank = x.Rank;
        if (ctx.Opset < 20 && rank != 4)
            throw new ShapeMismatchException($"{ctx.Describe()}: X must be 4-D [N, C, H, W] before opset 20, got {x.Shape}.");
        if (rank < 3)
            throw new ShapeMismatchException($"{ctx.Describe()}: X must be [N, C, D1, ...], got {x.Shape}.");
        int sp = rank - 2;
        if (grid.Rank != rank || grid.Size(0) != x.Size(0) || grid.Size(rank - 1) != sp)
            throw new ShapeMismatchException($"{ctx.Describe()}: grid must be [{x.Size(0)}, ..., {sp}] with rank {rank} for X {x.Shape}, got {grid.Shape}.");
        if (!grid.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"{ctx.Describe()}: grid must be floating point, got {grid.DType.Name()}.");
        if (!x.DType.IsFloatingPoint() && !x.DType.IsInteger())
            throw new DTypeMismatchException($"{ctx.Describe()}: unsupported X type {x.DType.Name()}.");
        var modeName = ctx.Node.GetString("mode", ctx.Opset >= 20 ? "linear" : "bilinear");
        GsMode mode = (ctx.Opset >= 20, modeName) switch
        {
            (_, "nearest") => GsMode.Nearest,
            (true, "linear") or (false, "bilinear") => GsMode.Linear,
            (true, "cubic") or (false, "bicubic") => GsMode.Cubic,
            _ => throw new ArgumentException($"{ctx.Describe()}: unsupported mode '{modeName}' ({(ctx.Opset >= 20 ? "linear, nearest, cubic" : "bilinear, nearest, bicubic")})."),
        };
        var padName = ctx.Node.GetString("padding_mode", "zeros");
        GsPad pad = padName switch
        {
            "zeros" => GsPad.Zeros,
            "border" => GsPad.Border,
            "reflection" => GsPad.Reflection,
            _ => throw new ArgumentException($"{ctx.Describe()}: unsupported padding_mode '{padName}' (zeros, border, reflection)."),
        };
        bool align = ctx.Node.GetInt("align_corners", 0) != 0;
        var xDims = Dims(x);
        var gDims = Dims(grid);
        var outDims = new int[rank];
        outDims[0] = xDims[0];
        outDims[1] = xDims[1];
        for (int i = 0; i < sp; i++) outDims[2 + i] = gDims[1 + i];
        var y = GridSampleRef(x.ToDoubleArray(), xDims, grid.ToDoubleArray(), outDims, mode, pad, align);
        return Tensor.FromDoubles(y, new DeepSeek.Shape(outDims), x.DType);
    }

    /// <summary>
    /// GridSample on row-major doubles: X <paramref name="xDims"/> [N, C, D1..Dk], grid [N, O1..Ok, k] whose last axis
    /// lists coordinates innermost-axis first; returns [N, C, O1..Ok].
    /// </summary>
    internal static double[] GridSampleRef(double[] x, int[] xDims, double[] grid, int[] outDims, GsMode mode, GsPad pad, bool align)
    {
        int rank = xDims.Length, sp = rank - 2, nb = xDims[0], ch = xDims[1];
        var inSp = xDims[2..];
        var inStr = Strides(inSp);
        long inPlane = Prod(inSp), outPlane = Prod(outDims, 2);
        var y = new double[nb * ch * outPlane];
        var taps = new (long[] Idx, double[] W)[sp];
        for (int b = 0; b < nb; b++)
            for (long p = 0; p < outPlane; p++)
            {
                long g = (b * outPlane + p) * sp;
                for (int a = 0; a < sp; a++)
                {
                    // grid's last axis is (x, y, z...): spatial axis a reads component sp − 1 − a
                    int len = inSp[a];
                    double v = (float)Denormalize(grid[g + sp - 1 - a], len, align);
                    taps[a] = AxisTaps(v, len, mode, pad, align);
                }
                for (int c = 0; c < ch; c++)
                {
                    long xBase = ((long)b * ch + c) * inPlane;
                    y[((long)b * ch + c) * outPlane + p] = Accumulate(x, xBase, inStr, taps, 0);
                }
            }
        return y;
    }

    /// <summary>Σ over the taps of axes a.. of weight product × X, starting at flat offset <paramref name="at"/>.</summary>
    private static double Accumulate(double[] x, long at, long[] str, (long[] Idx, double[] W)[] taps, int a)
    {
        var (idx, w) = taps[a];
        double s = 0;
        for (int t = 0; t < idx.Length; t++)
        {
            if (idx[t] < 0 || w[t] == 0) continue; // idx < 0: a zero-padded tap
            long next = at + idx[t] * str[a];
            s += w[t] * (a == taps.Length - 1 ? x[next] : Accumulate(x, next, str, taps, a + 1));
        }
        return s;
    }

    /// <summary>Maps normalised coordinate <paramref name="n"/> ∈ [-1, 1] to a pixel coordinate of an axis of <paramref name="len"/>.</summary>
    internal static double Denormalize(double n, int len, bool align) => align ? (n + 1) / 2 * (len - 1) : ((n + 1) * len - 1) / 2;

    /// <summary>Reflects <paramref name="v"/> about the borders until it lies in [lo, hi].</summary>
    internal static double Reflect(double v, double lo, double hi)
    {
        double range = hi - lo;
        if (range <= 0) return lo;
        if (v < lo)
        {
            double d = lo - v;
            long k = (long)(d / range);
            double r = d - k * range;
            return k % 2 == 0 ? lo + r : hi - r;
        }
        if (v > hi)
        {
            double d = v - hi;
            long k = (long)(d / range);
            double r = d - k * range;
            return k % 2 == 0 ? hi - r : lo + r;
        }
        return v;
    }

    /// <summary>The input index a tap at integer position <paramref name="i"/> reads after padding, or −1 for a zero.</summary>
    private static long PadIndex(long i, int len, GsPad pad, double lo, double hi) => pad switch
    {
        GsPad.Zeros => i >= 0 && i < len ? i : -1,
        GsPad.Border => Math.Clamp(i, 0, len - 1),
        _ => Math.Clamp((long)Reflect(i, lo, hi), 0, len - 1),
    };

    /// <summary>Input indices and weights of one axis for pixel coordinate <paramref name="v"/>.</summary>
    internal static (long[] Idx, double[] W) AxisTaps(double v, int len, GsMode mode, GsPad pad, bool align)
    {
        double lo = align ? 0 : -0.5, hi = align ? len - 1 : len - 0.5;
        if (mode == GsMode.Nearest) v = Math.Round(v, MidpointRounding.ToEven);
        if (v < lo || v > hi)
        {
            if (pad == GsPad.Border) v = Math.Clamp(v, 0, len - 1);
            else if (pad == GsPad.Reflection) v = Reflect(v, lo, hi);
        }
        if (mode == GsMode.Nearest)
        {
            long i = double.IsNaN(v) ? -1 : (long)v;
            return ([PadIndex(i, len, pad, lo, hi)], [1.0]);
        }
        double f = Math.Floor(v);
        long x0 = (long)f;
        double r = v - f;
        if (mode == GsMode.Linear)
            return ([PadIndex(x0, len, pad, lo, hi), PadIndex(x0 + 1, len, pad, lo, hi)], [1 - r, r]);
        const double a = -0.75;
        return ([PadIndex(x0 - 1, len, pad, lo, hi), PadIndex(x0, len, pad, lo, hi), PadIndex(x0 + 1, len, pad, lo, hi), PadIndex(x0 + 2, len, pad, lo, hi)],
            [ShapeResize.Cubic(r + 1, a), ShapeResize.Cubic(r, a), ShapeResize.Cubic(1 - r, a), ShapeResize.Cubic(2 - r, a)]);
    }
}
