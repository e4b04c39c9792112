// The attention kernels fan out on the GEMM worker pool (Threading/WorkerPool) rather than the runtime's thread pool:
// a transformer runs attention between GEMMs, and the GEMM workers still spinning for their next job would otherwise
// compete with a second set of threads for the same cores.
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Attention;

internal static class AttentionParallel
{
    /// <summary>Tuning switch: false fans out through <see cref="CpuParallel.For"/> (the runtime's thread pool) instead.</summary>
    internal static bool UseWorkerPool = true;

    /// <summary>Runs <paramref name="body"/>(start, end) over contiguous chunks of [0, count), as many as <see cref="CpuParallel.Chunks"/> allows.</summary>
    public static void For(long count, long workPerItem, Action<long, long> body)
    {
        if (count <= 0) return;
        if (!UseWorkerPool)
        {
            CpuParallel.For(count, workPerItem, body);
            return;
        }
        int chunks = CpuParallel.Chunks(count, workPerItem);
        WorkerPool.Shared.Run(chunks, c =>
        {
            long start = count * c / chunks, end = count * (c + 1) / chunks;
            if (end > start) body(start, end);
        });
    }

    /// <summary>The same fan-out with a struct body: allocates nothing.</summary>
    public static void For<T>(long count, long workPerItem, ref T body) where T : struct, IRangeBody
    {
        if (count <= 0) return;
        if (!UseWorkerPool)
        {
            CpuParallel.For(count, workPerItem, ref body);
            return;
        }
        int chunks = CpuParallel.Chunks(count, workPerItem);
        var split = new Split<T> { Body = body, Count = count, Chunks = chunks };
        WorkerPool.Shared.Run(chunks, ref split);
    }

    private struct Split<T> : IChunkBody where T : struct, IRangeBody
    {
        public T Body;
        public long Count;
        public int Chunks;

        public readonly void Run(int c)
        {
            long start = Count * c / Chunks, end = Count * (c + 1) / Chunks;
            if (end > start) Body.Run(start, end);
        }
    }
}
