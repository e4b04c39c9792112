// Host reads: the points where tensor contents leave the tensor world as CLR values. While a tracer records, each
// read is reported to it (IOpTracer.HostRead) before it happens, because code that branches on the numbers is only
// valid for inputs that produce the same numbers — the compiler turns these reports into guards.
using System.Runtime.InteropServices;
using DeepSeek.Tracing;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// Copies the elements out in row-major order. <typeparamref name="T"/> must match <see cref="DType"/>.
    /// While tracing, this is a host read: the compiler guards on the contents (see docs/compiler.md).
    /// </summary>
    public T[] ToArray<T>() where T : unmanaged => ToArrayCore<T>("ToArray");

    private T[] ToArrayCore<T>(string op) where T : unmanaged
    {
        CheckAlive(op);
        var want = DTypeInfo.Of<T>();
        if (want != DType)
            throw new DTypeMismatchException($"{op}<{typeof(T).Name}>: tensor dtype is {DType.Name()}, expected {want.Name()}; convert first with .To(DType.{want}).");
        var result = new T[Numel];
        CopyToCore<T>(result, op);
        return result;
    }

    /// <summary>Copies the elements, row-major, into <paramref name="destination"/> (a host read while tracing).</summary>
    public void CopyTo<T>(Span<T> destination) where T : unmanaged => CopyToCore(destination, "CopyTo");

    private void CopyToCore<T>(Span<T> destination, string op) where T : unmanaged
    {
        CheckAlive(op);
        if (DTypeInfo.Of<T>() != DType)
            throw new DTypeMismatchException($"{op}<{typeof(T).Name}>: tensor dtype is {DType.Name()}.");
        if (destination.Length < Numel)
            throw new ShapeMismatchException($"{op}: destination holds {destination.Length} elements, tensor {Shape} has {Numel}.");
        using var read = ReportHostRead(op);
        var bytes = MemoryMarshal.AsBytes(destination[..(int)Numel]);
        if (IsContiguous) Backend.CopyToHost(this, bytes);
        else
        {
            using var c = Contiguous();
            c.Backend.CopyToHost(c, bytes);
        }
    }

    /// <summary>
    /// Tells the active tracer (if any) that <paramref name="op"/> reads this tensor back to the host, and keeps recording
    /// suspended until the returned guard is disposed, so the copy's own helper ops (Contiguous) record nothing.
    /// </summary>
    private OpTrace.SuspendGuard ReportHostRead(string op)
    {
        if (OpTrace.Current is not { } tr) return default;
        var suspended = OpTrace.Suspend();
        try
        {
            tr.HostRead(this, op);
        }
        catch
        {
            suspended.Dispose();
            throw;
        }
        return suspended;
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

    /// <summary>The elements converted to double, row-major (any dtype); a host read while tracing.</summary>
    public double[] ToDoubleArray() => ToDoubleArrayCore("ToDoubleArray", report: true);

    /// <summary>The elements as doubles without reporting a host read (printing, which steers no control flow).</summary>
    internal double[] ToDoubleArrayUntraced() => ToDoubleArrayCore("ToString", report: false);

    private double[] ToDoubleArrayCore(string op, bool report)
    {
        CheckAlive(op);
        using var read = report ? ReportHostRead(op) : OpTrace.Suspend();
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

    /// <summary>The value of a one-element tensor (a host read while tracing: the compiler guards on it).</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Numel != 1) throw new ShapeMismatchException($"Item: tensor of shape {Shape} has {Numel} elements; Item needs exactly one.");
        return ToArrayCore<T>("Item")[0];
    }

    /// <summary>The value of a one-element tensor as double (any dtype; a host read while tracing).</summary>
    public double ItemAsDouble()
    {
        if (Numel != 1) throw new ShapeMismatchException($"Item: tensor of shape {Shape} has {Numel} elements; Item needs exactly one.");
        return ToDoubleArrayCore("ItemAsDouble", report: true)[0];
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
