// A small fork-join pool for compute kernels: dedicated background workers that spin briefly on a posted task
// index before parking on an event, so back-to-back GEMMs pay ~1 µs to fan out instead of a thread-pool
// wake-up. The caller runs chunk 0 itself; nested or concurrent use falls back to inline / Parallel.For.
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
    private Action<int>? _body;
    private int _pending;
    private Exception? _error;

    /// <summary>Runs <paramref name="body"/>(i) for i in [0, n); the calling thread takes i = 0.</summary>
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
            _body = body;
            _error = null;
            Volatile.Write(ref _pending, n - 1);
            for (int i = 1; i < n; i++) _workers[i - 1].Post(i);
            t_inside = true;
            try { body(0); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            finally { t_inside = false; }
            var sw = new SpinWait();
            while (Volatile.Read(ref _pending) != 0) sw.SpinOnce(sleep1Threshold: -1);
            _body = null;
            if (_error is { } err) throw new AggregateException("A parallel kernel chunk failed.", err);
        }
        finally
        {
            _gate.Exit();
        }
    }

    private void Execute(int index)
    {
        t_inside = true;
        try { _body!(index); }
        catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
        finally
        {
            t_inside = false;
            Interlocked.Decrement(ref _pending);
        }
    }

    private sealed class Worker
    {
        private readonly WorkerPool _pool;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);
        private int _task = -1;

        public Worker(WorkerPool pool, int id)
        {
            _pool = pool;
            var t = new Thread(Loop) { IsBackground = true, Name = $"deepseek-worker-{id}" };
            t.Start();
        }

        public void Post(int index)
        {
            Volatile.Write(ref _task, index);
            _wake.Set();
        }

        private void Loop()
        {
            while (true)
            {
                int task = Volatile.Read(ref _task);
                if (task < 0)
                {
                    long until = Stopwatch.GetTimestamp() + SpinTicks;
                    while ((task = Volatile.Read(ref _task)) < 0 && Stopwatch.GetTimestamp() < until) Thread.SpinWait(16);
                }
                if (task < 0)
                {
                    _wake.Wait();
                    _wake.Reset();
                    continue;
                }
                Volatile.Write(ref _task, -1);
                _pool.Execute(task);
            }
        }
    }
}
