namespace DeepSeek.Memory;

/// <summary>Raw device memory: what a backend gives the caching pool to draw from.</summary>
public interface IRawAllocator
{
    /// <summary>Allocates <paramref name="bytes"/> bytes, 64-byte aligned.</summary>
    nint Allocate(long bytes);
    /// <summary>Frees a block from <see cref="Allocate"/>.</summary>
    void Free(nint handle, long bytes);
}

/// <summary>Snapshot of a pool's counters.</summary>
/// <param name="BytesInUse">Bytes of blocks currently held by live storages (after size-class rounding).</param>
/// <param name="BytesRequested">Bytes live storages asked for (before rounding).</param>
/// <param name="BytesReserved">Bytes taken from the device: in use plus cached.</param>
/// <param name="PeakBytesInUse">Highest <paramref name="BytesInUse"/> since start or <see cref="CachingAllocator.ResetPeak"/>.</param>
/// <param name="AllocationCount">Allocation requests served since start.</param>
/// <param name="CacheHits">Requests served from the cache without a device allocation.</param>
/// <param name="DeviceAllocations">Requests that needed a fresh device allocation.</param>
/// <param name="LiveBlocks">Blocks currently in use.</param>
/// <param name="CachedBlocks">Blocks held in the cache, free for reuse.</param>
public readonly record struct PoolStatistics(
    long BytesInUse, long BytesRequested, long BytesReserved, long PeakBytesInUse,
    long AllocationCount, long CacheHits, long DeviceAllocations, long LiveBlocks, long CachedBlocks)
{
    /// <summary>
    /// Share of reserved memory not holding requested tensor bytes: (reserved − requested) / reserved.
    /// Counts both rounding waste and idle cached blocks; 0 when nothing is reserved.
    /// </summary>
    public double FragmentationRatio => BytesReserved == 0 ? 0 : (double)(BytesReserved - BytesRequested) / BytesReserved;

    /// <summary>Share of requests served from the cache.</summary>
    public double CacheHitRate => AllocationCount == 0 ? 0 : (double)CacheHits / AllocationCount;
}

/// <summary>
/// Caching allocator: requests are rounded up to size classes (four per power of two, so waste ≤ 25%),
/// and freed blocks wait in a per-class free list for the next request of the same class.
/// Thread-safe. The same logic serves every device; only <see cref="IRawAllocator"/> differs.
/// </summary>
public sealed class CachingAllocator
{
    private readonly IRawAllocator _raw;
    private readonly Dictionary<long, Stack<nint>> _free = new();
    private readonly Lock _lock = new();
    private long _inUse, _requested, _reserved, _peak, _count, _hits, _deviceAllocs, _live, _cached;

    /// <summary>Creates a pool over a raw allocator for <paramref name="device"/>.</summary>
    public CachingAllocator(Device device, IRawAllocator raw)
    {
        Device = device;
        _raw = raw;
    }

    /// <summary>The device this pool serves.</summary>
    public Device Device { get; }

    /// <summary>Size class for a request: multiples of 64 up to 256 B, then 4 classes per power of two.</summary>
    public static long SizeClass(long bytes)
    {
        if (bytes <= 64) return 64;
        if (bytes <= 256) return (bytes + 63) & ~63L;
        int k = 63 - (int)long.LeadingZeroCount(bytes - 1); // 2^k < bytes ≤ 2^(k+1)
        long step = 1L << (k - 2); // four classes per octave: 2^k · (1 + i/4), i = 1..4
        return (bytes + step - 1) / step * step;
    }

    /// <summary>Allocates storage for <paramref name="bytes"/> bytes.</summary>
    public Storage Allocate(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long block = SizeClass(bytes);
        nint handle = 0;
        lock (_lock)
        {
            _count++;
            if (_free.TryGetValue(block, out var stack) && stack.Count > 0)
            {
                handle = stack.Pop();
                _hits++;
                _cached--;
            }
        }
        if (handle == 0)
        {
            try { handle = _raw.Allocate(block); }
            catch (OutOfMemoryException)
            {
                EmptyCache();
                handle = _raw.Allocate(block);
            }
            lock (_lock) { _reserved += block; _deviceAllocs++; }
        }
        lock (_lock)
        {
            _inUse += block;
            _requested += bytes;
            _live++;
            if (_inUse > _peak) _peak = _inUse;
        }
        return new PooledStorage(this, handle, bytes, block);
    }

    internal void Return(nint handle, long requested, long block)
    {
        lock (_lock)
        {
            if (!_free.TryGetValue(block, out var stack)) _free[block] = stack = new Stack<nint>();
            stack.Push(handle);
            _inUse -= block;
            _requested -= requested;
            _live--;
            _cached++;
        }
    }

    /// <summary>Frees every cached block back to the device. Live storages are untouched.</summary>
    public void EmptyCache()
    {
        List<(nint, long)> toFree = new();
        lock (_lock)
        {
            foreach (var (block, stack) in _free)
                while (stack.Count > 0) toFree.Add((stack.Pop(), block));
            foreach (var (_, block) in toFree) _reserved -= block;
            _cached = 0;
        }
        foreach (var (h, b) in toFree) _raw.Free(h, b);
    }

    /// <summary>Sets the peak to the current bytes in use.</summary>
    public void ResetPeak()
    {
        lock (_lock) _peak = _inUse;
    }

    /// <summary>A consistent snapshot of the counters.</summary>
    public PoolStatistics Statistics
    {
        get
        {
            lock (_lock) return new PoolStatistics(_inUse, _requested, _reserved, _peak, _count, _hits, _deviceAllocs, _live, _cached);
        }
    }
}
