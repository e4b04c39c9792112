using System.Runtime.CompilerServices;

namespace DeepSeek;

/// <summary>
/// bfloat16 value: the upper half of an IEEE F32. Conversion from float rounds to nearest, ties to even;
/// NaN stays NaN (quiet).
/// </summary>
public readonly struct BFloat16 : IEquatable<BFloat16>, IComparable<BFloat16>
{
    /// <summary>Raw bit pattern.</summary>
    public readonly ushort Bits;

    private BFloat16(ushort bits) => Bits = bits;

    /// <summary>Builds a value from its raw 16 bits.</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>Rounds an F32 to the nearest bfloat16 (ties to even).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BFloat16 FromSingle(float value) => new(RoundToBits(value));

    /// <summary>Round-to-nearest-even of the F32 bit pattern to its top 16 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort RoundToBits(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7FFF_FFFFu) > 0x7F80_0000u) return (ushort)((u >> 16) | 0x0040); // quiet NaN
        uint lsb = (u >> 16) & 1u;
        u += 0x7FFFu + lsb;
        return (ushort)(u >> 16);
    }

    /// <summary>Exact widening to F32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ToSingle() => BitConverter.UInt32BitsToSingle((uint)Bits << 16);

    /// <summary>Rounds an F32 to bfloat16.</summary>
    public static explicit operator BFloat16(float v) => FromSingle(v);
    /// <summary>Widens to F32 (exact).</summary>
    public static implicit operator float(BFloat16 v) => v.ToSingle();

    /// <inheritdoc/>
    public bool Equals(BFloat16 other) => ToSingle().Equals(other.ToSingle());
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BFloat16 b && Equals(b);
    /// <inheritdoc/>
    public override int GetHashCode() => ToSingle().GetHashCode();
    /// <inheritdoc/>
    public int CompareTo(BFloat16 other) => ToSingle().CompareTo(other.ToSingle());
    /// <inheritdoc/>
    public override string ToString() => ToSingle().ToString(System.Globalization.CultureInfo.InvariantCulture);
    /// <summary>Equality of values (NaN is unequal to itself).</summary>
    public static bool operator ==(BFloat16 a, BFloat16 b) => a.ToSingle() == b.ToSingle();
    /// <summary>Inequality of values.</summary>
    public static bool operator !=(BFloat16 a, BFloat16 b) => a.ToSingle() != b.ToSingle();
    /// <summary>Less-than on values.</summary>
    public static bool operator <(BFloat16 a, BFloat16 b) => a.ToSingle() < b.ToSingle();
    /// <summary>Greater-than on values.</summary>
    public static bool operator >(BFloat16 a, BFloat16 b) => a.ToSingle() > b.ToSingle();
    /// <summary>Less-or-equal on values.</summary>
    public static bool operator <=(BFloat16 a, BFloat16 b) => a.ToSingle() <= b.ToSingle();
    /// <summary>Greater-or-equal on values.</summary>
    public static bool operator >=(BFloat16 a, BFloat16 b) => a.ToSingle() >= b.ToSingle();
}
