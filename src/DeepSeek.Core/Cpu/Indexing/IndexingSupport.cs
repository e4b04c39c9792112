// Shared machinery of the indexing kernels: an odometer over a shape that carries byte offsets of several
// operands, index reading with bounds checks, and a parallel-for that rethrows a kernel's own exception
// (a bad index found on a worker thread) instead of an AggregateException.
using System.Runtime.ExceptionServices;

namespace DeepSeek.Backends.Cpu.Indexing;

/// <summary>Row-major walk over a shape, keeping the byte offset of every operand up to date.</summary>
internal sealed class Odometer
{
    private readonly int[] _dims;
    private readonly long[][] _strides;
    private readonly long[] _idx;

    /// <summary>Current byte offset of each operand.</summary>
    public readonly long[] Off;

    /// <summary>Starts at linear position <paramref name="start"/> of <paramref name="dims"/>; strides are in bytes, one array per operand.</summary>
    public Odometer(int[] dims, long start, params long[][] byteStrides)
    {
        _dims = dims;
        _strides = byteStrides;
        _idx = new long[dims.Length];
        Off = new long[byteStrides.Length];
        long r = start;
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            if (dims[d] == 0) return;
            _idx[d] = r % dims[d];
            r /= dims[d];
            for (int k = 0; k < byteStrides.Length; k++) Off[k] += _idx[d] * byteStrides[k][d];
        }
    }

    /// <summary>Advances to the next position.</summary>
    public void Next()
    {
        for (int d = _dims.Length - 1; d >= 0; d--)
        {
            _idx[d]++;
            for (int k = 0; k < Off.Length; k++) Off[k] += _strides[k][d];
            if (_idx[d] < _dims[d]) return;
            for (int k = 0; k < Off.Length; k++) Off[k] -= _strides[k][d] * _dims[d];
            _idx[d] = 0;
        }
    }
}

/// <summary>Helpers shared by the indexing kernels.</summary>
internal static unsafe class IndexingSupport
{
    /// <summary>Reads an I32 or I64 index.</summary>
    public static long Read(byte* p, bool i64) => i64 ? *(long*)p : *(int*)p;

    /// <summary>Reads the index at <paramref name="p"/> and throws when it is outside [0, size).</summary>
    public static long ReadChecked(byte* p, bool i64, long size, string op, int axis)
    {
        long i = i64 ? *(long*)p : *(int*)p;
        if ((ulong)i >= (ulong)size) throw OutOfRange(op, i, size, axis);
        return i;
    }

    /// <summary>The error for a bad index: names the op, the index and the valid range.</summary>
    public static IndexOutOfRangeException OutOfRange(string op, long index, long size, int axis) =>
        new(size == 0
            ? $"{op}: index {index} is out of range: dimension {axis} has size 0, so no index is valid."
            : $"{op}: index {index} is out of range for dimension {axis} of size {size} (valid indices are 0 … {size - 1}; negative indices are not accepted).");

    /// <summary><see cref="CpuParallel.For"/> that rethrows the first exception of a worker as itself.</summary>
    public static void For(long count, long workPerItem, Action<long, long> body)
    {
        try { CpuParallel.For(count, workPerItem, body); }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>The struct-body <see cref="CpuParallel.For{T}"/> that rethrows the first exception of a worker as itself.</summary>
    public static void For<T>(long count, long workPerItem, ref T body) where T : struct, IRangeBody
    {
        try { CpuParallel.For(count, workPerItem, ref body); }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Element strides scaled to bytes.</summary>
    public static long[] Bytes(ReadOnlySpan<long> strides, int es)
    {
        var r = new long[strides.Length];
        for (int i = 0; i < r.Length; i++) r[i] = strides[i] * es;
        return r;
    }

    /// <summary>Copies one element of <paramref name="es"/> bytes.</summary>
    public static void CopyElement(byte* d, byte* s, int es)
    {
        switch (es)
        {
            case 1: *d = *s; break;
            case 2: *(ushort*)d = *(ushort*)s; break;
            case 4: *(uint*)d = *(uint*)s; break;
            default: *(ulong*)d = *(ulong*)s; break;
        }
    }

    /// <summary>Copies <paramref name="n"/> elements between strided rows (byte strides).</summary>
    public static void CopyRow(byte* d, long sd, byte* s, long ss, long n, int es)
    {
        if (sd == es && ss == es) { Buffer.MemoryCopy(s, d, n * es, n * es); return; }
        switch (es)
        {
            case 1: for (long i = 0; i < n; i++) d[i * sd] = s[i * ss]; break;
            case 2: for (long i = 0; i < n; i++) *(ushort*)(d + i * sd) = *(ushort*)(s + i * ss); break;
            case 4: for (long i = 0; i < n; i++) *(uint*)(d + i * sd) = *(uint*)(s + i * ss); break;
            default: for (long i = 0; i < n; i++) *(ulong*)(d + i * sd) = *(ulong*)(s + i * ss); break;
        }
    }

    /// <summary>Writes the element pattern <paramref name="bits"/> into a contiguous row of <paramref name="n"/> elements.</summary>
    public static void FillRow(byte* d, long n, int es, ulong bits)
    {
        switch (es)
        {
            case 1: new Span<byte>(d, (int)n).Fill((byte)bits); break;
            case 2: new Span<ushort>(d, (int)n).Fill((ushort)bits); break;
            case 4: new Span<uint>(d, (int)n).Fill((uint)bits); break;
            default: new Span<ulong>(d, (int)n).Fill(bits); break;
        }
    }

    /// <summary>The raw bits of <paramref name="value"/> converted to <paramref name="dtype"/> (low bytes used).</summary>
    public static ulong Pattern(double value, DType dtype)
    {
        ulong bits = 0;
        CpuBackend.WriteDouble((byte*)&bits, dtype, value);
        return bits;
    }

    /// <summary>True when the dims from <paramref name="from"/> on are row-major contiguous (element strides).</summary>
    public static bool TailContiguous(int[] shape, long[] strides, int from)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= from; d--)
        {
            if (shape[d] == 1) continue;
            if (strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    /// <summary>Product of <paramref name="shape"/>[from..to).</summary>
    public static long Prod(int[] shape, int from, int to)
    {
        long p = 1;
        for (int d = from; d < to; d++) p *= shape[d];
        return p;
    }

    /// <summary>Removes entry <paramref name="axis"/> of an array.</summary>
    public static T[] Without<T>(T[] a, int axis)
    {
        var r = new T[a.Length - 1];
        for (int i = 0, k = 0; i < a.Length; i++) if (i != axis) r[k++] = a[i];
        return r;
    }
}
