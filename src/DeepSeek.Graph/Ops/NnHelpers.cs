using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Ops;

/// <summary>Helpers shared by the NN-family kernels (attribute decoding, axes inputs, spatial padding rules).</summary>
internal static class NnHelpers
{
    /// <summary>Reads a (small) integer tensor — axes, k, shapes — as longs.</summary>
    public static long[] Longs(Tensor t)
    {
        if (!t.DType.IsInteger())
            throw new DTypeMismatchException($"expected an integer tensor (axes, k, shape), got {t.DType.Name()} {t.Shape}.");
        using var l = t.DType == DType.I64 ? t.Contiguous() : t.To(DType.I64);
        return l.ToArray<long>();
    }

    /// <summary>Reads a scalar (or one-element) numeric tensor as a double.</summary>
    public static double ScalarOf(OpContext ctx, Tensor t, string what)
    {
        if (t.Numel != 1) throw new ShapeMismatchException($"{ctx.Describe()}: {what} must hold exactly one value, got shape {t.Shape}.");
        using var c = t.Contiguous();
        return c.Reshape(1).ItemAsDouble();
    }

    /// <summary>Normalizes an ONNX axis (negative counts from the end) naming the node on error.</summary>
    public static int Axis(OpContext ctx, long axis, int rank)
    {
        if (axis < -rank || axis >= Math.Max(rank, 1))
            throw new AxisOutOfRangeException($"{ctx.Describe()}: axis {axis} is out of range for a tensor of rank {rank}.");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>Normalizes a list of axes; duplicates are an error.</summary>
    public static int[] Axes(OpContext ctx, long[] axes, int rank)
    {
        var r = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            r[i] = Axis(ctx, axes[i], rank);
            for (int j = 0; j < i; j++)
                if (r[j] == r[i]) throw new ArgumentException($"{ctx.Describe()}: axis {axes[i]} appears more than once in [{string.Join(", ", axes)}].");
        }
        return r;
    }

    /// <summary>The fail-fast error for an unsupported dtype.</summary>
    public static UnsupportedOperatorException BadType(OpContext ctx, Tensor t, string allowed) =>
        new($"{ctx.Describe()}: input type {t.DType.Name()} {t.Shape} is not supported (supported: {allowed}).");

    /// <summary>Throws unless <paramref name="t"/> is floating point.</summary>
    public static Tensor Float(OpContext ctx, Tensor t)
    {
        if (!t.DType.IsFloatingPoint()) throw BadType(ctx, t, "f32, f64, f16, bf16");
        return t;
    }

    /// <summary>Shape with a 1 at every axis except <paramref name="axis"/> (size <paramref name="n"/>), for per-channel broadcasting.</summary>
    public static int[] ChannelShape(int rank, int axis, int n)
    {
        var s = new int[rank];
        Array.Fill(s, 1);
        s[axis] = n;
        return s;
    }

    /// <summary>Integer list attribute as ints (null when absent).</summary>
    public static int[]? Ints(Node n, string name) => n.GetInts(name)?.Select(v => checked((int)v)).ToArray();

    /// <summary>
    /// Resolves the begin/end padding of each spatial dim for Conv/pool ops: explicit <c>pads</c> (NOTSET), SAME_UPPER /
    /// SAME_LOWER (output = ceil(in / stride), the odd extra cell at the end / beginning) or VALID (none).
    /// </summary>
    public static (int[] Begin, int[] End) SpatialPads(OpContext ctx, int[] input, int[] kernel, int[] strides, int[] dilations)
    {
        int d = input.Length;
        var begin = new int[d];
        var end = new int[d];
        var autoPad = ctx.Node.GetString("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET" or "":
                if (Ints(ctx.Node, "pads") is { } pads)
                {
                    if (pads.Length != 2 * d)
                        throw new ModelFormatException($"{ctx.Describe()}: pads has {pads.Length} values, expected {2 * d} (begin and end for {d} spatial dims).");
                    for (int i = 0; i < d; i++)
                    {
                        begin[i] = pads[i];
                        end[i] = pads[i + d];
                        if (begin[i] < 0 || end[i] < 0) throw new ModelFormatException($"{ctx.Describe()}: pads must be non-negative, got [{string.Join(", ", pads)}].");
                    }
                }
                break;
            case "VALID":
                break;
            case "SAME_UPPER" or "SAME_LOWER":
                for (int i = 0; i < d; i++)
                {
                    long outSize = (input[i] + strides[i] - 1) / strides[i];
                    long total = Math.Max(0, (outSize - 1) * strides[i] + (long)(kernel[i] - 1) * dilations[i] + 1 - input[i]);
                    int small = (int)(total / 2), big = (int)(total - total / 2);
                    (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, big) : (big, small);
                }
                break;
            default:
                throw new UnsupportedOperatorException($"{ctx.Describe()}: auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID.");
        }
        return (begin, end);
    }

    /// <summary>Attribute list of length <paramref name="d"/> or a default of all <paramref name="fallback"/>.</summary>
    public static int[] PerDim(OpContext ctx, string name, int d, int fallback)
    {
        var v = Ints(ctx.Node, name);
        if (v is null) return Enumerable.Repeat(fallback, d).ToArray();
        if (v.Length != d) throw new ModelFormatException($"{ctx.Describe()}: {name} has {v.Length} values, expected {d} (one per spatial dim).");
        foreach (var x in v)
            if (x < 1) throw new ModelFormatException($"{ctx.Describe()}: {name} must be positive, got [{string.Join(", ", v)}].");
        return v;
    }

    /// <summary>Smallest value of an integer dtype, or −∞ for floating types (max-pool padding).</summary>
    public static double Lowest(DType t) => t switch
    {
        DType.U8 or DType.Bool => 0,
        DType.I8 => sbyte.MinValue,
        DType.I16 => short.MinValue,
        DType.I32 => int.MinValue,
        DType.I64 => long.MinValue,
        _ => double.NegativeInfinity,
    };

    /// <summary>Largest value of an integer dtype, or +∞ for floating types.</summary>
    public static double Highest(DType t) => t switch
    {
        DType.U8 => byte.MaxValue,
        DType.Bool => 1,
        DType.I8 => sbyte.MaxValue,
        DType.I16 => short.MaxValue,
        DType.I32 => int.MaxValue,
        DType.I64 => long.MaxValue,
        _ => double.PositiveInfinity,
    };

    /// <summary>Torch-order pad list (last dim first) padding the trailing spatial dims by begin/end (negative crops).</summary>
    public static int[] TorchPads(int[] begin, int[] end)
    {
        int d = begin.Length;
        var p = new int[2 * d];
        for (int i = 0; i < d; i++)
        {
            p[2 * i] = begin[d - 1 - i];
            p[2 * i + 1] = end[d - 1 - i];
        }
        return p;
    }
}
