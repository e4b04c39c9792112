// A small fork-join pool for compute kernels: dedicated background workers spin briefly for a new job before
// parking, and every thread (the caller included) claims chunk indices from the job with an atomic counter, so
// back-to-back GEMMs fan out in ~1 µs and a worker that the OS has not scheduled yet never delays the caller.
using System.Diagnostics;

namespace DeepSeek.Backends.Cpu.Threading;

/// <summary>Fork-join pool: <see cref="Run"/> executes body(0..n-1) in parallel and returns when all are done.</summary>
internal sealed class WorkerPool
{
    /// <summary>The process-wide pool used by the CPU kernels.</summary>
    public static WorkerPool Shared { get; } = new();

    [ThreadStatic] private static bool t_inside;

    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // ~200 µs of spinning before parking

    private readonly Lock _gate = new();
    private readonly List<Worker> _workers = new();
    private Job? _current;
    private int _generation;

    /// <summary>Runs <paramref name="body"/>(i) for i in [0, n); the calling thread takes part.</summary>
    public void Run(int n, Action<int> body)
    {
        if (n <= 0) return;
        if (n == 1 || t_inside)
        {
            for (int i = 0; i < n; i++) body(i);
            return;
        }
        if (!_gate.TryEnter())
        {
            // another thread is fanning out through the pool right now: use the runtime's pool instead of waiting
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = n }, body);
            return;
        }
        try
        {
            while (_workers.Count < n - 1) _workers.Add(new Worker(this, _workers.Count));
            var job = new Job(body, n);
            Volatile.Write(ref _current, job);
            Interlocked.Increment(ref _generation);
            for (int i = 0; i < n - 1; i++) _workers[i].Wake();
            job.Work();
            var sw = new SpinWait();
            while (Volatile.Read(ref job.Done) < n) sw.SpinOnce(sleep1Threshold: -1);
            Volatile.Write(ref _current, null);
            if (job.Error is { } err) throw new AggregateException("A parallel kernel chunk failed.", err);
        }
        finally
        {
            _gate.Exit();
        }
    }

    private sealed class Job(Action<int> body, int count)
    {
        public int Next;
        public int Done;
        public Exception? Error;

        public void Work()
        {
            bool outer = t_inside;
            t_inside = true;
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref Next) - 1) < count)
                {
                    try { body(i); }
                    catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
                    finally { Interlocked.Increment(ref Done); }
                }
            }
            finally
            {
                t_inside = outer;
            }
        }
    }

    private sealed class Worker
    {
        private readonly WorkerPool _pool;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);

        public Worker(WorkerPool pool, int id)
        {
            _pool = pool;
            var t = new Thread(Loop) { IsBackground = true, Name = $"deepseek-worker-{id}" };
            t.Start();
        }

        public void Wake()
        {
            if (!_wake.IsSet) _wake.Set();
        }

        private void Loop()
        {
            int seen = Volatile.Read(ref _pool._generation);
            while (true)
            {
                if (Volatile.Read(ref _pool._generation) == seen)
                {
                    long until = Stopwatch.GetTimestamp() + SpinTicks;
                    while (Volatile.Read(ref _pool._generation) == seen && Stopwatch.GetTimestamp() < until) Thread.SpinWait(16);
                }
                if (Volatile.Read(ref _pool._generation) == seen)
                {
                    _wake.Wait();
                    _wake.Reset();
                    continue;
                }
                seen = Volatile.Read(ref _pool._generation);
                Volatile.Read(ref _pool._current)?.Work();
            }
        }
    }
}
