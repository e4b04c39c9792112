using System.Runtime.InteropServices;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Ops;

// Helpers for the shape-family kernels: reading small integer inputs (shapes, axes, indices) on the host, axis
// normalisation with ONNX's negative-axis rule, and a dtype-agnostic byte view of tensor data for the pure
// data-movement kernels (GatherND, ScatterND, NonZero, ...) that Core has no primitive for.
internal static class ShapeKit
{
    /// <summary>The values of an integer tensor (i32/i64, any shape) as longs; throws naming the op otherwise.</summary>
    public static long[] Longs(OpContext ctx, Tensor t, string what) => t.DType switch
    {
        DType.I64 => t.ToArray<long>(),
        DType.I32 => Array.ConvertAll(t.ToArray<int>(), v => (long)v),
        DType.I16 or DType.I8 or DType.U8 => Array.ConvertAll(t.ToDoubleArray(), v => (long)v),
        _ => throw new DTypeMismatchException($"{ctx.Describe()}: {what} must be an integer tensor (int32/int64), got {t.DType.Name()}{t.Shape}."),
    };

    /// <summary>Normalises axis <paramref name="a"/> in [-rank, rank) (AxisOutOfRangeException naming the op otherwise).</summary>
    public static int Axis(OpContext ctx, long a, int rank, string what = "axis")
    {
        if (a < -rank || a >= rank)
            throw new AxisOutOfRangeException($"{ctx.Describe()}: {what} {a} is out of range for rank {rank} (valid: {-rank} … {rank - 1}).");
        return (int)(a < 0 ? a + rank : a);
    }

    /// <summary>Converts a dimension to int, throwing when it does not fit or is negative.</summary>
    public static int Dim(OpContext ctx, long v, string what)
    {
        if (v < 0 || v > int.MaxValue)
            throw new ShapeMismatchException($"{ctx.Describe()}: {what} {v} is not a valid dimension size.");
        return (int)v;
    }

    /// <summary>The dims of <paramref name="t"/>.</summary>
    public static int[] Dims(Tensor t) => t.Shape.ToArray();

    /// <summary>Row-major element strides of <paramref name="shape"/>.</summary>
    public static long[] Strides(int[] shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>Product of <paramref name="shape"/>[from..to).</summary>
    public static long Prod(int[] shape, int from = 0, int to = -1)
    {
        if (to < 0) to = shape.Length;
        long p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return p;
    }

    /// <summary>The elements of <paramref name="t"/>, row-major, as raw bytes (any dtype).</summary>
    public static byte[] Bytes(Tensor t) => t.DType switch
    {
        DType.F32 => MemoryMarshal.AsBytes<float>(t.ToArray<float>()).ToArray(),
        DType.F64 => MemoryMarshal.AsBytes<double>(t.ToArray<double>()).ToArray(),
        DType.F16 => MemoryMarshal.AsBytes<Half>(t.ToArray<Half>()).ToArray(),
        DType.BF16 => MemoryMarshal.AsBytes<BFloat16>(t.ToArray<BFloat16>()).ToArray(),
        DType.I8 => MemoryMarshal.AsBytes<sbyte>(t.ToArray<sbyte>()).ToArray(),
        DType.U8 => t.ToArray<byte>(),
        DType.I16 => MemoryMarshal.AsBytes<short>(t.ToArray<short>()).ToArray(),
        DType.I32 => MemoryMarshal.AsBytes<int>(t.ToArray<int>()).ToArray(),
        DType.I64 => MemoryMarshal.AsBytes<long>(t.ToArray<long>()).ToArray(),
        DType.Bool => MemoryMarshal.AsBytes<bool>(t.ToArray<bool>()).ToArray(),
        _ => throw new DTypeMismatchException($"unsupported dtype {t.DType.Name()}"),
    };

    /// <summary>A new tensor of <paramref name="dtype"/> and <paramref name="shape"/> holding raw row-major bytes.</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> data, int[] shape, DType dtype)
    {
        var s = new Shape(shape);
        return dtype switch
        {
            DType.F32 => Tensor.FromSpan(MemoryMarshal.Cast<byte, float>(data), s),
            DType.F64 => Tensor.FromSpan(MemoryMarshal.Cast<byte, double>(data), s),
            DType.F16 => Tensor.FromSpan(MemoryMarshal.Cast<byte, Half>(data), s),
            DType.BF16 => Tensor.FromSpan(MemoryMarshal.Cast<byte, BFloat16>(data), s),
            DType.I8 => Tensor.FromSpan(MemoryMarshal.Cast<byte, sbyte>(data), s),
            DType.U8 => Tensor.FromSpan(data, s),
            DType.I16 => Tensor.FromSpan(MemoryMarshal.Cast<byte, short>(data), s),
            DType.I32 => Tensor.FromSpan(MemoryMarshal.Cast<byte, int>(data), s),
            DType.I64 => Tensor.FromSpan(MemoryMarshal.Cast<byte, long>(data), s),
            DType.Bool => Tensor.FromSpan(MemoryMarshal.Cast<byte, bool>(data), s),
            _ => throw new DTypeMismatchException($"unsupported dtype {dtype.Name()}"),
        };
    }

    /// <summary>A 1-d i64 tensor.</summary>
    public static Tensor I64(long[] v) => Tensor.FromArray(v);

    /// <summary>"[a, b, c]".</summary>
    public static string Fmt<T>(IEnumerable<T> v) => "[" + string.Join(", ", v) + "]";

    /// <summary>Registers <paramref name="run"/> for each since-version.</summary>
    public static void Reg(OpRegistry r, string op, long[] since, Func<OpContext, RuntimeValue?[]> run) => r.Register(op, since, run);
}
