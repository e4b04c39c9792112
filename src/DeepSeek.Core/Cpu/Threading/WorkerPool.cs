// A small fork-join pool for compute kernels: dedicated background workers spin briefly for a new job before
// parking, and every thread (the caller included) claims chunk indices from the job with an atomic compare-and-swap,
// so back-to-back kernels fan out in ~1 µs and a worker that the OS has not scheduled yet never delays the caller.
// A fan-out allocates nothing: the loop body is a struct (IChunkBody) copied into a job object cached per body type,
// and a claim carries the run's epoch, so a late worker still holding last run's job can never take a chunk of the next.
using System.Diagnostics;

namespace DeepSeek.Backends.Cpu.Threading;

/// <summary>A parallel loop body over chunk indices. Implement it on a struct: the pool copies it and allocates nothing.</summary>
internal interface IChunkBody
{
    /// <summary>Runs chunk <paramref name="chunk"/> (0 ≤ chunk &lt; n). Results go through pointers or references, not the struct's fields.</summary>
    void Run(int chunk);
}

/// <summary>Fork-join pool: <see cref="Run{T}"/> executes body(0..n-1) in parallel and returns when all are done.</summary>
internal sealed class WorkerPool : IRunScopeOwner
{
    /// <summary>The process-wide pool used by the CPU kernels.</summary>
    public static WorkerPool Shared { get; } = new();

    private WorkerPool() { } // one pool per process: the cached jobs (JobSlot) belong to it

    /// <summary>Most chunks one fan-out may have (claims pack the index and the count into 22 bits each).</summary>
    public const int MaxChunks = (1 << 22) - 1;

    [ThreadStatic] private static bool t_inside;
    // estimated FLOPs of the plan step this thread is running (0: not in a plan run, or no estimate): see WakeParked
    [ThreadStatic] private static long t_stepFlops;


    private readonly Lock _gate = new();
    private readonly List<Worker> _workers = new();
    private JobBase? _current;
    private int _generation;

    /// <summary>
    /// A plan run of at least this many times <see cref="DeepSeekOptions.WakeMinMegaflops"/> (500 MFLOP by default, some
    /// 5–10 ms on one core) wakes parked workers when its scope opens. Measured after 100 ms idle on two threads
    /// (one-process A/B, medians of 20–30): MobileNetV3-Small b8 (0.9 GFLOP) 18.9 → 14.7 and 19.3 → 13.3 ms, but
    /// MobileNetV3-Small b1 (0.11 GFLOP) 3.9 → 4.5 and 3.7 → 4.2 ms, where the wake-up costs more than it brings.
    /// </summary>
    public const int RunWakeFactor = 25;
    private int _helpers; // workers taking part in the current fan-out (ids below it)

    /// <summary>
    /// Opens a run scope on the calling thread (<see cref="IBackend.OpenRunScope"/>). A run whose estimated work
    /// (<paramref name="runFlops"/>) reaches <see cref="RunWakeFactor"/> × <see cref="DeepSeekOptions.WakeMinMegaflops"/>
    /// wakes parked workers at once, so their wake-up delay overlaps the first steps; inside the scope
    /// fan-outs wake parked workers only for steps whose work (<see cref="RunScope.Step"/>) reaches that threshold, and
    /// use workers still spinning from an earlier fan-out for any step.
    /// </summary>
    public RunScope OpenRunScope(long runFlops = 0)
    {
        t_stepFlops = 0;
        int helpers = Math.Max(1, DeepSeekOptions.Threads) - 1;
        if (helpers > 0 && !t_inside && runFlops >= RunWakeFactor * DeepSeekOptions.WakeMinMegaflops * 1_000_000L && _gate.TryEnter())
        {
            try
            {
                EnsureWorkers(helpers);
                for (int i = 0; i < helpers; i++)
                    if (_workers[i].Parked) _workers[i].Wake();
            }
            finally
            {
                _gate.Exit();
            }
        }
        return new RunScope(this);
    }

    void IRunScopeOwner.Step(long flops) => t_stepFlops = Math.Max(0, flops);

    void IRunScopeOwner.Close() => t_stepFlops = 0;

    // whether this fan-out should wake parked workers: always outside a plan run or without an estimate
    private static bool WakeParked
    {
        get
        {
            long f = t_stepFlops;
            return f == 0 || f >= DeepSeekOptions.WakeMinMegaflops * 1_000_000L;
        }
    }

    /// <summary>True on a thread that is running a chunk of a fan-out (nested loops then run inline).</summary>
    public static bool InsideChunk => t_inside;

    /// <summary>Runs <paramref name="body"/>(i) for i in [0, n); the calling thread takes part. Allocates per call (a closure): prefer the struct overload on hot paths.</summary>
    public void Run(int n, Action<int> body)
    {
        var b = new ActionBody(body);
        Run(n, ref b);
    }

    /// <summary>
    /// Runs <paramref name="body"/>.Run(i) for i in [0, n) on up to min(n, <see cref="DeepSeekOptions.Threads"/>) threads,
    /// the caller included (chunks are claimed dynamically, so n may exceed the thread budget); allocates nothing in steady state.
    /// </summary>
    public void Run<T>(int n, ref T body) where T : struct, IChunkBody
    {
        if (n <= 0) return;
        if (n == 1 || t_inside)
        {
            for (int i = 0; i < n; i++) body.Run(i);
            return;
        }
        if (n > MaxChunks) throw new ArgumentOutOfRangeException(nameof(n), $"WorkerPool.Run: {n} chunks exceed the limit of {MaxChunks}.");
        if (!_gate.TryEnter())
        {
            // another thread is fanning out through the pool right now: use the runtime's pool instead of waiting
            var copy = body;
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = n }, i => RunInside(ref copy, i));
            return;
        }
        try
        {
            // more chunks than the thread budget are claimed by fewer threads: waking a worker per chunk would oversubscribe the cores
            int helpers = Math.Min(n, Math.Max(1, DeepSeekOptions.Threads)) - 1;
            if (helpers == 0)
            {
                for (int i = 0; i < n; i++) RunInside(ref body, i);
                return;
            }
            EnsureWorkers(helpers);
            var job = JobSlot<T>.Instance ??= new Job<T>();
            // publish the job before the generation moves: a spinning worker that sees the new generation reads _current
            // at once, and must find this job there (not null), or it sits the whole fan-out out
            Volatile.Write(ref _helpers, helpers);
            int epoch = _generation + 1; // only the gate holder changes it
            job.Body = body;
            job.Start(epoch, n);
            Volatile.Write(ref _current, job);
            Interlocked.Increment(ref _generation);
            bool wakeParked = WakeParked;
            for (int i = 0; i < helpers; i++)
                if (wakeParked || !_workers[i].Parked) _workers[i].Wake(); // a parked worker left asleep claims nothing; the caller takes its chunks
            job.Work();
            var sw = new SpinWait();
            while (Volatile.Read(ref job.Done) < n) sw.SpinOnce(sleep1Threshold: -1);
            Volatile.Write(ref _current, null);
            if (job.TakeError() is { } err) throw new AggregateException("A parallel kernel chunk failed.", err);
        }
        finally
        {
            _gate.Exit();
        }
    }

    // the first `count` workers exist (call with the gate held)
    private void EnsureWorkers(int count)
    {
        while (_workers.Count < count) _workers.Add(new Worker(this, _workers.Count));
    }

    private static void RunInside<T>(ref T body, int i) where T : struct, IChunkBody
    {
        bool outer = t_inside;
        t_inside = true;
        try { body.Run(i); }
        finally { t_inside = outer; }
    }

    private readonly struct ActionBody(Action<int> body) : IChunkBody
    {
        public void Run(int chunk) => body(chunk);
    }

    // one cached job per body type; only the thread holding the gate touches it between Start and the last Done
    private static class JobSlot<T> where T : struct, IChunkBody
    {
        public static Job<T>? Instance;
    }

    private abstract class JobBase
    {
        // claim word: epoch (20 bits) | next index (22 bits) | count (22 bits)
        private long _ticket;
        public int Done;
        private Exception? _error;

        public void Start(int epoch, int count)
        {
            Done = 0;
            _error = null;
            Volatile.Write(ref _ticket, ((long)(epoch & 0xFFFFF) << 44) | (long)(uint)count);
        }

        public Exception? TakeError() => Interlocked.Exchange(ref _error, null);

        protected abstract void Invoke(int chunk);

        public void Work()
        {
            bool outer = t_inside;
            t_inside = true;
            try
            {
                long epoch = Volatile.Read(ref _ticket) >> 44;
                while (true)
                {
                    long s = Volatile.Read(ref _ticket);
                    int next = (int)((s >> 22) & MaxChunks), count = (int)(s & MaxChunks);
                    if (s >> 44 != epoch || next >= count) return;
                    if (Interlocked.CompareExchange(ref _ticket, s + (1L << 22), s) != s) continue;
                    try { Invoke(next); }
                    catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
                    finally { Interlocked.Increment(ref Done); }
                }
            }
            finally
            {
                t_inside = outer;
            }
        }
    }

    private sealed class Job<T> : JobBase where T : struct, IChunkBody
    {
        public T Body;

        protected override void Invoke(int chunk) => Body.Run(chunk);
    }

    private sealed class Worker
    {
        private readonly WorkerPool _pool;
        private readonly int _id;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);

        /// <summary>True while the worker sleeps on its event (set just before it blocks, cleared when it wakes).</summary>
        public volatile bool Parked;

        public Worker(WorkerPool pool, int id)
        {
            _pool = pool;
            _id = id;
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
                    // the window runs from the end of the last fan-out: a worker done with its chunks while the caller
                    // still works on the same fan-out keeps spinning, or an uneven split longer than the window would
                    // park it just before the next fan-out (then paying a wake-up)
                    long window = Stopwatch.Frequency * DeepSeekOptions.WorkerSpinMicroseconds / 1_000_000;
                    long until = Stopwatch.GetTimestamp() + window;
                    while (Volatile.Read(ref _pool._generation) == seen)
                    {
                        long now = Stopwatch.GetTimestamp();
                        if (Volatile.Read(ref _pool._current) != null) until = now + window;
                        else if (now >= until) break;
                        Thread.SpinWait(16);
                    }
                }
                if (Volatile.Read(ref _pool._generation) == seen)
                {
                    Parked = true;
                    _wake.Wait();
                    Parked = false;
                    _wake.Reset();
                    continue;
                }
                seen = Volatile.Read(ref _pool._generation);
                if (_id < Volatile.Read(ref _pool._helpers)) Volatile.Read(ref _pool._current)?.Work();
            }
        }
    }
}
