using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu;

/// <summary>A parallel loop body over a half-open item range. Implement it on a struct: the loop then allocates nothing.</summary>
internal interface IRangeBody
{
    /// <summary>Processes items [start, end).</summary>
    void Run(long start, long end);
}

/// <summary>
/// Splits a loop over [0, count) into at most <see cref="DeepSeekOptions.Threads"/> contiguous chunks run on the
/// kernel <see cref="WorkerPool"/>. Small loops run inline: a chunk gets at least <c>minWorkPerThread</c> units of work.
/// </summary>
internal static class CpuParallel
{
    /// <summary>Work units (≈ simple element operations) below which a loop is not worth splitting.</summary>
    public const long DefaultMinWork = 32 * 1024;

    /// <summary>Runs <paramref name="body"/>(start, end) over chunks of [0, count). Allocates a closure per call: hot kernels use the struct overload.</summary>
    /// <param name="count">Number of items.</param>
    /// <param name="workPerItem">Rough cost of one item in element operations.</param>
    /// <param name="body">Receives a half-open item range.</param>
    /// <param name="minWorkPerThread">Minimum work per chunk.</param>
    public static void For(long count, long workPerItem, Action<long, long> body, long minWorkPerThread = DefaultMinWork)
    {
        var b = new ActionRange(body);
        For(count, workPerItem, ref b, minWorkPerThread);
    }

    /// <summary>Runs <paramref name="body"/>.Run(start, end) over chunks of [0, count) with no allocation.</summary>
    public static void For<T>(long count, long workPerItem, ref T body, long minWorkPerThread = DefaultMinWork) where T : struct, IRangeBody
    {
        if (count <= 0) return;
        ForChunks(count, Chunks(count, workPerItem, minWorkPerThread), ref body);
    }

    /// <summary>Runs <paramref name="body"/>.Run(start, end) over exactly <paramref name="chunks"/> contiguous chunks of [0, count) (the caller chose the split).</summary>
    public static void ForChunks<T>(long count, int chunks, ref T body) where T : struct, IRangeBody
    {
        if (count <= 0) return;
        if (chunks <= 1) { body.Run(0, count); return; }
        var split = new Split<T>(body, count, chunks);
        WorkerPool.Shared.Run(chunks, ref split);
    }

    /// <summary>Number of chunks <see cref="For"/> would use.</summary>
    public static int Chunks(long count, long workPerItem, long minWorkPerThread = DefaultMinWork)
    {
        if (count <= 0) return 1;
        long total = count * Math.Max(1, workPerItem);
        return (int)Math.Max(1, Math.Min(Math.Min(DeepSeekOptions.Threads, count), total / Math.Max(1, minWorkPerThread)));
    }

    private readonly struct ActionRange(Action<long, long> body) : IRangeBody
    {
        public void Run(long start, long end) => body(start, end);
    }

    private readonly struct Split<T>(T body, long count, int chunks) : IChunkBody where T : struct, IRangeBody
    {
        public void Run(int chunk)
        {
            long start = count * chunk / chunks, end = count * (chunk + 1) / chunks;
            if (end > start) body.Run(start, end);
        }
    }
}
