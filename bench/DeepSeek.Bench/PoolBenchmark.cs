using System.Diagnostics;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Bench;

/// <summary><c>pool</c>: fork-join latency of the kernel worker pool against Parallel.For (empty and tiny bodies).</summary>
internal static class PoolBenchmark
{
    public static int Run(BenchArgs args)
    {
        int threads = args.Ints("threads", 2)[0];
        const int iters = 20000;
        long sink = 0;
        Action<int> body = i => Interlocked.Add(ref sink, i);
        for (int round = 0; round < 3; round++)
        {
            var t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < iters; i++) WorkerPool.Shared.Run(threads, body);
            double pool = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / iters;
            t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < iters; i++) Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
            double pf = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / iters;
            Console.WriteLine($"threads {threads}: WorkerPool.Run {pool:F2} µs, Parallel.For {pf:F2} µs per fork-join");
        }
        return sink == 0 ? 1 : 0;
    }
}
