using System.Runtime.InteropServices;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>Copies the elements out in row-major order. <typeparamref name="T"/> must match <see cref="DType"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        CheckAlive("ToArray");
        var want = DTypeInfo.Of<T>();
        if (want != DType)
            throw new DTypeMismatchException($"ToArray<{typeof(T).Name}>: tensor dtype is {DType.Name()}, expected {want.Name()}; convert first with .To(DType.{want}).");
        var result = new T[Numel];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements, row-major, into <paramref name="destination"/>.</summary>
    public void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckAlive("CopyTo");
        if (DTypeInfo.Of<T>() != DType)
            throw new DTypeMismatchException($"CopyTo<{typeof(T).Name}>: tensor dtype is {DType.Name()}.");
        if (destination.Length < Numel)
            throw new ShapeMismatchException($"CopyTo: destination holds {destination.Length} elements, tensor {Shape} has {Numel}.");
        var bytes = MemoryMarshal.AsBytes(destination[..(int)Numel]);
        if (IsContiguous) Backend.CopyToHost(this, bytes);
        else
        {
            using var c = Contiguous();
            c.Backend.CopyToHost(c, bytes);
        }
    }

    /// <summary>
    /// A copy on <paramref name="device"/> (a new tensor also when the device is unchanged). Crosses devices
    /// through host memory until backends offer direct peer copies.
    /// </summary>
    public Tensor To(Device device)
    {
        CheckAlive("To");
        if (device == Device) return Clone();
        var bytes = new byte[Numel * DType.SizeOf()];
        using (var c = Contiguous()) c.Backend.CopyToHost(c, bytes);
        var result = Empty(Shape, DType, device);
        result.Backend.CopyFromHost(bytes, result);
        return result;
    }

    /// <summary>The elements converted to double, row-major (any dtype).</summary>
    public double[] ToDoubleArray()
    {
        CheckAlive("ToDoubleArray");
        var bytes = new byte[Numel * DType.SizeOf()];
        if (IsContiguous) Backend.CopyToHost(this, bytes);
        else
        {
            using var c = Contiguous();
            c.Backend.CopyToHost(c, bytes);
        }
        var result = new double[Numel];
        HostConvert.ToDoubles(bytes, DType, result);
        return result;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Numel != 1) throw new ShapeMismatchException($"Item: tensor of shape {Shape} has {Numel} elements; Item needs exactly one.");
        return ToArray<T>()[0];
    }

    /// <summary>The value of a one-element tensor as double (any dtype).</summary>
    public double ItemAsDouble()
    {
        if (Numel != 1) throw new ShapeMismatchException($"Item: tensor of shape {Shape} has {Numel} elements; Item needs exactly one.");
        return ToDoubleArray()[0];
    }
}

/// <summary>Host-side conversion between doubles and raw dtype bytes (used for creation and printing).</summary>
internal static class HostConvert
{
    public static void FromDoubles(ReadOnlySpan<double> src, Span<byte> dst, DType dtype)
    {
        switch (dtype)
        {
            case DType.F32: { var d = MemoryMarshal.Cast<byte, float>(dst); for (int i = 0; i < src.Length; i++) d[i] = (float)src[i]; break; }
            case DType.F64: src.CopyTo(MemoryMarshal.Cast<byte, double>(dst)); break;
            case DType.F16: { var d = MemoryMarshal.Cast<byte, Half>(dst); for (int i = 0; i < src.Length; i++) d[i] = (Half)src[i]; break; }
            case DType.BF16: { var d = MemoryMarshal.Cast<byte, ushort>(dst); for (int i = 0; i < src.Length; i++) d[i] = BFloat16.RoundToBits((float)src[i]); break; }
            case DType.I8: { var d = MemoryMarshal.Cast<byte, sbyte>(dst); for (int i = 0; i < src.Length; i++) d[i] = (sbyte)(long)src[i]; break; }
            case DType.U8: for (int i = 0; i < src.Length; i++) dst[i] = (byte)(long)src[i]; break;
            case DType.I16: { var d = MemoryMarshal.Cast<byte, short>(dst); for (int i = 0; i < src.Length; i++) d[i] = (short)(long)src[i]; break; }
            case DType.I32: { var d = MemoryMarshal.Cast<byte, int>(dst); for (int i = 0; i < src.Length; i++) d[i] = (int)(long)src[i]; break; }
            case DType.I64: { var d = MemoryMarshal.Cast<byte, long>(dst); for (int i = 0; i < src.Length; i++) d[i] = (long)src[i]; break; }
            case DType.Bool: for (int i = 0; i < src.Length; i++) dst[i] = src[i] != 0 ? (byte)1 : (byte)0; break;
            default: throw new NotSupportedException(dtype.ToString());
        }
    }

    public static void ToDoubles(ReadOnlySpan<byte> src, DType dtype, Span<double> dst)
    {
        switch (dtype)
        {
            case DType.F32: { var s = MemoryMarshal.Cast<byte, float>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case DType.F64: MemoryMarshal.Cast<byte, double>(src)[..dst.Length].CopyTo(dst); break;
            case DType.F16: { var s = MemoryMarshal.Cast<byte, Half>(src); for (int i = 0; i < dst.Length; i++) dst[i] = (double)s[i]; break; }
            case DType.BF16: { var s = MemoryMarshal.Cast<byte, ushort>(src); for (int i = 0; i < dst.Length; i++) dst[i] = BFloat16.FromBits(s[i]).ToSingle(); break; }
            case DType.I8: { var s = MemoryMarshal.Cast<byte, sbyte>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case DType.U8: for (int i = 0; i < dst.Length; i++) dst[i] = src[i]; break;
            case DType.I16: { var s = MemoryMarshal.Cast<byte, short>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case DType.I32: { var s = MemoryMarshal.Cast<byte, int>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case DType.I64: { var s = MemoryMarshal.Cast<byte, long>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case DType.Bool: for (int i = 0; i < dst.Length; i++) dst[i] = src[i] != 0 ? 1 : 0; break;
            default: throw new NotSupportedException(dtype.ToString());
        }
    }
}
