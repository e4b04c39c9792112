using DeepSeek.Backends;
using DeepSeek.Graph.Compilation;

namespace DeepSeek.Models.Tests.Compilation;

/// <summary>Tests that read the tensor pool's counters or change the thread budget run alone.</summary>
[CollectionDefinition("SteadyState", DisableParallelization = true)]
public sealed class SteadyStateCollection;

/// <summary>What steady-state runs of a compiled graph allocated, per run and in total.</summary>
/// <param name="ThreadBytes">Managed bytes allocated on the calling thread over all measured runs.</param>
/// <param name="ProcessBytes">Managed bytes allocated by the whole process meanwhile (kernel workers, but also unrelated threads).</param>
/// <param name="PoolRequests">Tensor-pool requests (<see cref="Memory.PoolStatistics.AllocationCount"/>) meanwhile.</param>
/// <param name="Runs">Number of measured runs.</param>
internal readonly record struct RunAllocations(long ThreadBytes, long ProcessBytes, long PoolRequests, int Runs)
{
    public override string ToString() =>
        $"{ThreadBytes / Runs} B/run on the calling thread, {ProcessBytes / Runs} B/run in the process, {(double)PoolRequests / Runs} pool requests/run over {Runs} runs";
}

/// <summary>Runs a compiled graph into caller-provided outputs and measures what the runs allocate.</summary>
internal static class SteadyStateAllocation
{
    /// <summary>
    /// Warms <paramref name="compiled"/> up (<paramref name="warmup"/> runs: plan, arena, JIT tiers, pooled scratch), then
    /// measures <paramref name="runs"/> runs of <see cref="CompiledGraph.Run(ReadOnlySpan{Tensor}, ReadOnlySpan{Tensor})"/>.
    /// </summary>
    public static RunAllocations Measure(CompiledGraph compiled, Tensor[] inputs, Tensor[] outputs, int warmup = 3, int runs = 5)
    {
        for (int i = 0; i < warmup; i++) compiled.Run(inputs, outputs);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var pool = BackendRegistry.Get(Device.Cpu).Pool;
        long requests = pool.Statistics.AllocationCount;
        long process = GC.GetTotalAllocatedBytes(precise: true);
        long thread = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++) compiled.Run(inputs, outputs);
        thread = GC.GetAllocatedBytesForCurrentThread() - thread;
        process = GC.GetTotalAllocatedBytes(precise: true) - process;
        return new RunAllocations(thread, process, pool.Statistics.AllocationCount - requests, runs);
    }

    /// <summary>Empty tensors of the graph's output types, from one ordinary run (caller disposes).</summary>
    public static Tensor[] OutputsLike(CompiledGraph compiled, Tensor[] inputs)
    {
        var probe = compiled.Run(inputs);
        try
        {
            return probe.Select(t => Tensor.Empty(t.Shape, t.DType).DetachFromScope()).ToArray();
        }
        finally
        {
            foreach (var t in probe) t.Dispose();
        }
    }
}
