// Shared pieces of the static-kernel factories: attribute and constant-input reading against a StaticKernelRequest
// (factories see the node and concrete types, not an OpContext), the ONNX spatial padding rules, and the dtype sets
// the backend kernels take directly (F16/BF16 need widening, which the interpreter path does).
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Ops;

internal static class StaticHelpers
{
    /// <summary>True for the floating types the backend's math kernels take as they are.</summary>
    public static bool IsFloat(DType t) => t is DType.F32 or DType.F64;

    /// <summary>True for F32, F64, I32 and I64 (types every elementwise backend kernel takes).</summary>
    public static bool IsPlainNumeric(DType t) => t is DType.F32 or DType.F64 or DType.I32 or DType.I64;

    /// <summary>Input <paramref name="i"/>'s type, or null when it is omitted or past the end.</summary>
    public static TensorMeta? In(StaticKernelRequest r, int i) => i < r.Inputs.Count ? r.Inputs[i] : null;

    /// <summary>Input <paramref name="i"/>'s data when it is known at plan time (a constant or folded), else null.</summary>
    public static Tensor? Known(StaticKernelRequest r, int i) => i < r.Constants.Count ? r.Constants[i] : null;

    /// <summary>True when input <paramref name="i"/> is given but its value is not known at plan time.</summary>
    public static bool Unknown(StaticKernelRequest r, int i) => In(r, i) is not null && Known(r, i) is null;

    /// <summary>The values of a known integer tensor as longs.</summary>
    public static long[] Longs(Tensor t)
    {
        if (!t.DType.IsInteger())
            throw new DTypeMismatchException($"expected an integer tensor (axes, pads, shape), got {t.DType.Name()}{t.Shape}.");
        using var l = t.To(DType.I64);
        return l.ToArray<long>();
    }

    /// <summary>Normalizes an ONNX axis in [−rank, rank); −1 (invalid) lets the factory decline.</summary>
    public static int Axis(long axis, int rank) => axis < -rank || axis >= rank ? -1 : (int)(axis < 0 ? axis + rank : axis);

    /// <summary>Integer-list attribute as ints, or <paramref name="fallback"/> when absent.</summary>
    public static int[]? Ints(Node n, string name, int[]? fallback = null) => n.GetInts(name)?.Select(v => checked((int)v)).ToArray() ?? fallback;

    /// <summary>Row-major dims of a shape.</summary>
    public static int[] Dims(Shape s) => s.ToArray();

    /// <summary>
    /// Begin/end pads of each spatial dim for Conv and the pools: explicit <c>pads</c> (NOTSET), SAME_UPPER/SAME_LOWER
    /// (output = ceil(in / stride); the odd extra cell at the end / beginning) or VALID. Null for an unknown auto_pad.
    /// </summary>
    public static (int[] Begin, int[] End)? SpatialPads(Node node, int[] input, int[] kernel, int[] strides, int[] dilations)
    {
        int d = input.Length;
        var begin = new int[d];
        var end = new int[d];
        switch (node.GetString("auto_pad", "NOTSET"))
        {
            case "NOTSET" or "":
                if (Ints(node, "pads") is { } pads)
                {
                    if (pads.Length != 2 * d || pads.Any(p => p < 0)) return null;
                    for (int i = 0; i < d; i++) { begin[i] = pads[i]; end[i] = pads[i + d]; }
                }
                return (begin, end);
            case "VALID":
                return (begin, end);
            case var mode and ("SAME_UPPER" or "SAME_LOWER"):
                for (int i = 0; i < d; i++)
                {
                    long outSize = (input[i] + strides[i] - 1) / strides[i];
                    long total = Math.Max(0, (outSize - 1) * strides[i] + (long)(kernel[i] - 1) * dilations[i] + 1 - input[i]);
                    int small = (int)(total / 2), big = (int)(total - total / 2);
                    (begin[i], end[i]) = mode == "SAME_UPPER" ? (small, big) : (big, small);
                }
                return (begin, end);
            default:
                return null;
        }
    }

    /// <summary>A per-spatial-dim attribute (strides, dilations) of length <paramref name="d"/>, or null when malformed.</summary>
    public static int[]? PerDim(Node node, string name, int d)
    {
        var v = Ints(node, name) ?? Enumerable.Repeat(1, d).ToArray();
        return v.Length == d && v.All(x => x >= 1) ? v : null;
    }

    /// <summary>Shape of <paramref name="s"/> with a 1 inserted at <paramref name="axis"/>.</summary>
    public static int[] InsertOne(Shape s, int axis)
    {
        var l = s.ToArray().ToList();
        l.Insert(axis, 1);
        return l.ToArray();
    }
}
