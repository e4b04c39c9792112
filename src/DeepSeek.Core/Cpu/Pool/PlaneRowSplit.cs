// How the row-SIMD pooling kernels cut their work: items are (plane, band of output rows); with few planes (batch 1, a few
// channels) the rows are banded too, so every thread gets work; chunks are contiguous item ranges, one per thread.
namespace DeepSeek.Backends.Cpu.Pool;

/// <summary>Work split of a pooling kernel over (plane, output-row band) items.</summary>
internal readonly struct PlaneRowSplit
{
    /// <summary>Row bands per plane.</summary>
    public readonly int Parts;

    /// <summary>Output rows per band.</summary>
    public readonly int RowsPerPart;

    /// <summary>Items = planes · parts.</summary>
    public readonly int Items;

    /// <summary>Chunks of items handed to threads (≥ 1).</summary>
    public readonly int Chunks;

    /// <summary>Splits <paramref name="planes"/> planes of <paramref name="oh"/> output rows, each row costing <paramref name="workPerRow"/>.</summary>
    public PlaneRowSplit(long planes, int oh, long workPerRow)
    {
        int threads = DeepSeekOptions.Threads;
        Parts = threads > 1 && planes < 4L * threads ? (int)Math.Min(oh, (4L * threads + planes - 1) / planes) : 1;
        RowsPerPart = (oh + Parts - 1) / Parts;
        Items = checked((int)(planes * Parts));
        // one chunk per thread: more would only be claimed by the same threads
        Chunks = Math.Max(1, Math.Min(Items, CpuParallel.Chunks(Items, (long)RowsPerPart * workPerRow)));
    }

    /// <summary>Item range [start, end) of <paramref name="chunk"/>.</summary>
    public (long Start, long End) Range(int chunk) => ((long)Items * chunk / Chunks, (long)Items * (chunk + 1) / Chunks);

    /// <summary>Plane and output rows [oy0, oy1) of item <paramref name="u"/> for planes of <paramref name="oh"/> rows.</summary>
    public (long Plane, int Oy0, int Oy1) Item(long u, int oh)
    {
        int oy0 = (int)(u % Parts) * RowsPerPart;
        return (u / Parts, oy0, Math.Min(oh, oy0 + RowsPerPart));
    }
}
