// One device block carved into tensors at fixed byte offsets: the memory a compiled graph's static plan runs in.
// The planner decides the offsets (intermediates whose lifetimes do not overlap share bytes); the arena only hands
// out views, so one block serves every run of the plan with no allocation per op.
namespace DeepSeek.Memory;

/// <summary>
/// A single block of device memory from the device's pool, handed out as tensor views at planned byte offsets.
/// Views keep the block alive (reference counted like any storage); dispose the arena and every view to free it.
/// </summary>
public sealed class Arena : IDisposable
{
    /// <summary>Alignment (bytes) every planned offset must respect (one AVX-512 vector / cache line).</summary>
    public const int Alignment = 64;

    private Storage? _storage;

    /// <summary>Allocates <paramref name="bytes"/> (at least 1) on <paramref name="device"/> (default CPU).</summary>
    public Arena(long bytes, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var dev = device ?? Device.Cpu;
        _storage = Backends.BackendRegistry.Get(dev).Pool.Allocate(Math.Max(bytes, 1));
        Bytes = bytes;
        Device = dev;
    }

    /// <summary>Usable bytes.</summary>
    public long Bytes { get; }

    /// <summary>The device holding the block.</summary>
    public Device Device { get; }

    /// <summary>
    /// A contiguous tensor of <paramref name="shape"/> and <paramref name="dtype"/> over bytes
    /// [<paramref name="byteOffset"/>, byteOffset + size) of the block. The view belongs to no scope: the caller disposes it.
    /// Throws when the range is outside the block or the offset is not a multiple of the element size.
    /// </summary>
    public Tensor View(long byteOffset, Shape shape, DType dtype)
    {
        var s = _storage ?? throw new ObjectDisposedException(nameof(Arena));
        int elem = dtype.SizeOf();
        long bytes = shape.Numel * elem;
        if (byteOffset < 0 || byteOffset % elem != 0 || byteOffset + bytes > Bytes)
            throw new ArgumentOutOfRangeException(nameof(byteOffset),
                $"Arena: a {dtype.Name()}{shape} view at byte {byteOffset} ({bytes} bytes) does not fit a {Bytes}-byte arena aligned to {elem}-byte elements.");
        s.AddRef();
        var t = new Tensor(s, shape.ToArray(), shape.ContiguousStrides(), byteOffset / elem, dtype);
        return t.DetachFromScope();
    }

    /// <summary>Releases the arena's reference; the block returns to the pool when the last view is disposed too.</summary>
    public void Dispose() => Interlocked.Exchange(ref _storage, null)?.Release();
}
