namespace DeepSeek.Backends.Cpu;

/// <summary>
/// Splits a loop over [0, count) into at most <see cref="DeepSeekOptions.Threads"/> contiguous chunks.
/// Small loops run inline: a chunk gets at least <c>minWorkPerThread</c> units of work.
/// </summary>
internal static class CpuParallel
{
    /// <summary>Work units (≈ simple element operations) below which a loop is not worth splitting.</summary>
    public const long DefaultMinWork = 32 * 1024;

    /// <summary>Runs <paramref name="body"/>(start, end) over chunks of [0, count).</summary>
    /// <param name="count">Number of items.</param>
    /// <param name="workPerItem">Rough cost of one item in element operations.</param>
    /// <param name="body">Receives a half-open item range.</param>
    /// <param name="minWorkPerThread">Minimum work per chunk.</param>
    public static void For(long count, long workPerItem, Action<long, long> body, long minWorkPerThread = DefaultMinWork)
    {
        if (count <= 0) return;
        long total = count * Math.Max(1, workPerItem);
        int chunks = (int)Math.Min(Math.Min(DeepSeekOptions.Threads, count), Math.Max(1, total / Math.Max(1, minWorkPerThread)));
        if (chunks <= 1) { body(0, count); return; }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            long start = count * c / chunks, end = count * (c + 1) / chunks;
            if (end > start) body(start, end);
        });
    }

    /// <summary>Number of chunks <see cref="For"/> would use.</summary>
    public static int Chunks(long count, long workPerItem, long minWorkPerThread = DefaultMinWork)
    {
        long total = count * Math.Max(1, workPerItem);
        return (int)Math.Max(1, Math.Min(Math.Min(DeepSeekOptions.Threads, count), total / Math.Max(1, minWorkPerThread)));
    }
}
