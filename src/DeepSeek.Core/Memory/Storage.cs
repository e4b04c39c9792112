namespace DeepSeek.Memory;

/// <summary>
/// A block of device memory shared by a tensor and its views. Reference counted: each tensor holds one
/// reference; the last release returns the block to its pool. The finalizer is a safety net for leaks.
/// </summary>
public abstract class Storage
{
    private int _refs = 1;

    /// <summary>Creates storage with one reference held by the caller.</summary>
    protected Storage(Device device, nint handle, long byteLength)
    {
        Device = device;
        Handle = handle;
        ByteLength = byteLength;
    }

    /// <summary>The device the memory lives on.</summary>
    public Device Device { get; }

    /// <summary>Device address of the first byte (host address for the CPU; never dereference it elsewhere).</summary>
    public nint Handle { get; }

    /// <summary>Usable length in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>True once every reference has been released.</summary>
    public bool IsReleased => Volatile.Read(ref _refs) <= 0;

    private int _version;

    /// <summary>Counts in-place writes; autograd compares it to catch saved tensors modified before backward.</summary>
    public int Version => Volatile.Read(ref _version);

    internal void BumpVersion() => Interlocked.Increment(ref _version);

    internal void AddRef()
    {
        if (Interlocked.Increment(ref _refs) <= 1)
            throw new InvalidOperationException("Storage was already released; cannot take a new reference.");
    }

    internal void Release()
    {
        int r = Interlocked.Decrement(ref _refs);
        if (r == 0)
        {
            Free();
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>Returns the memory to its owner (pool or native allocator).</summary>
    protected abstract void Free();

    /// <summary>Safety net: memory of leaked tensors goes back when the GC finds them.</summary>
    ~Storage()
    {
        if (Interlocked.Exchange(ref _refs, 0) > 0) Free();
    }
}

/// <summary>Storage whose block belongs to a <see cref="CachingAllocator"/>.</summary>
internal sealed class PooledStorage : Storage
{
    private readonly CachingAllocator _pool;
    private readonly long _blockBytes;

    public PooledStorage(CachingAllocator pool, nint handle, long requested, long blockBytes)
        : base(pool.Device, handle, requested)
    {
        _pool = pool;
        _blockBytes = blockBytes;
    }

    protected override void Free() => _pool.Return(Handle, ByteLength, _blockBytes);
}
