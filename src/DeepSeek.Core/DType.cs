namespace DeepSeek;

/// <summary>Element type of a tensor. Names follow ONNX/PyTorch usage.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float.</summary>
    F32,
    /// <summary>64-bit IEEE float.</summary>
    F64,
    /// <summary>16-bit IEEE half float.</summary>
    F16,
    /// <summary>bfloat16: the upper 16 bits of an F32 (8-bit exponent, 7-bit mantissa).</summary>
    BF16,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Boolean stored as one byte (0 or 1).</summary>
    Bool,
}

/// <summary>Facts about <see cref="DType"/> values and the mapping from CLR types.</summary>
public static class DTypeInfo
{
    /// <summary>Size of one element in bytes.</summary>
    public static int SizeOf(this DType t) => t switch
    {
        DType.F32 or DType.I32 => 4,
        DType.F64 or DType.I64 => 8,
        DType.F16 or DType.BF16 or DType.I16 => 2,
        DType.I8 or DType.U8 or DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown dtype"),
    };

    /// <summary>True for F32, F64, F16 and BF16.</summary>
    public static bool IsFloatingPoint(this DType t) => t is DType.F32 or DType.F64 or DType.F16 or DType.BF16;

    /// <summary>True for the integer types (not Bool).</summary>
    public static bool IsInteger(this DType t) => t is DType.I8 or DType.U8 or DType.I16 or DType.I32 or DType.I64;

    /// <summary>Lower-case name as used in messages ("f32", "bf16", ...).</summary>
    public static string Name(this DType t) => t.ToString().ToLowerInvariant();

    /// <summary>The dtype that stores CLR type <typeparamref name="T"/>.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.F32;
        if (typeof(T) == typeof(double)) return DType.F64;
        if (typeof(T) == typeof(Half)) return DType.F16;
        if (typeof(T) == typeof(BFloat16)) return DType.BF16;
        if (typeof(T) == typeof(sbyte)) return DType.I8;
        if (typeof(T) == typeof(byte)) return DType.U8;
        if (typeof(T) == typeof(short)) return DType.I16;
        if (typeof(T) == typeof(int)) return DType.I32;
        if (typeof(T) == typeof(long)) return DType.I64;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        throw new NotSupportedException($"CLR type {typeof(T).Name} has no DeepSeek dtype; use float, double, Half, BFloat16, sbyte, byte, short, int, long or bool.");
    }

    /// <summary>
    /// Type promotion for binary ops, as PyTorch does for two tensors: bool &lt; integers &lt; floats;
    /// among floats the wider wins, and F16 with BF16 gives F32.
    /// </summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == b) return a;
        if (a.IsFloatingPoint() || b.IsFloatingPoint())
        {
            if (!a.IsFloatingPoint()) return b;
            if (!b.IsFloatingPoint()) return a;
            if (a == DType.F64 || b == DType.F64) return DType.F64;
            return DType.F32; // F32 with F16/BF16, or F16 with BF16
        }
        if (a == DType.Bool) return b;
        if (b == DType.Bool) return a;
        if ((a == DType.U8 && b == DType.I8) || (a == DType.I8 && b == DType.U8)) return DType.I16;
        return Rank(a) >= Rank(b) ? a : b;

        static int Rank(DType t) => t switch { DType.I8 or DType.U8 => 1, DType.I16 => 2, DType.I32 => 3, _ => 4 };
    }
}
