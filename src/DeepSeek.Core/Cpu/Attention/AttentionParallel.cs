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
}
