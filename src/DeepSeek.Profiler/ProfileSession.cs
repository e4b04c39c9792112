// Collects what the executors report while active (an ExecutionObserver, like torch.profiler's RecordFunction
// callbacks): each node's timestamps and types plus a snapshot of the caching allocator. OnNode only appends raw
// records under a lock; names, shapes, FLOP estimates and aggregates are built once at Stop, keeping the overhead
// between timed nodes small.
using System.Diagnostics;
using DeepSeek.Backends;
using DeepSeek.Memory;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Profiler;

/// <summary>
/// A profiling session: <see cref="Start"/> makes it the current <see cref="ExecutionObserver"/> on this async flow,
/// every node the Interpreter or an ExecutionPlan runs is recorded, <see cref="Step{T}"/> times whole iterations
/// (the end-to-end reference), and <see cref="Stop"/> returns the <see cref="Profile"/>.
/// </summary>
public sealed class ProfileSession : ExecutionObserver, IDisposable
{
    private readonly record struct Raw(NodeExecution Execution, PoolStatistics? Pool);

    private readonly List<Raw> _raw = new();
    private readonly List<(long Start, long End)> _steps = new();
    private readonly Lock _gate = new();
    private readonly Device _device;
    private readonly bool _samplePool;
    private IDisposable? _scope;
    private long _start, _end;
    private bool _stopped;

    /// <summary>Creates a session that samples the pool of <paramref name="device"/> (default CPU) after every node when <paramref name="samplePool"/>.</summary>
    public ProfileSession(Device? device = null, bool samplePool = true)
    {
        _device = device ?? Device.Cpu;
        _samplePool = samplePool;
    }

    /// <summary>Free-form facts written into the profile (model, batch size, executor, threads...).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>True between <see cref="Start"/> and <see cref="Stop"/>.</summary>
    public bool IsRunning => _scope is not null;

    /// <summary>Starts recording on the calling async flow.</summary>
    public ProfileSession Start()
    {
        if (_scope is not null || _stopped) throw new InvalidOperationException("ProfileSession: Start may be called once, before Stop.");
        _start = Stopwatch.GetTimestamp();
        _scope = Begin(this);
        return this;
    }

    /// <summary>Runs one end-to-end iteration (a forward pass) and records its wall time as a step.</summary>
    public T Step<T>(Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (_scope is null) throw new InvalidOperationException("ProfileSession: Step needs a started session.");
        long s = Stopwatch.GetTimestamp();
        var r = body();
        long e = Stopwatch.GetTimestamp();
        lock (_gate) _steps.Add((s, e));
        return r;
    }

    /// <summary>Stops recording and builds the profile.</summary>
    public Profile Stop()
    {
        if (_scope is null) throw new InvalidOperationException("ProfileSession: Stop needs a started session.");
        _end = Stopwatch.GetTimestamp();
        _scope.Dispose();
        _scope = null;
        _stopped = true;
        lock (_gate) return Build();
    }

    /// <inheritdoc/>
    public override void OnNode(in NodeExecution execution)
    {
        PoolStatistics? pool = _samplePool ? BackendRegistry.Get(_device).Pool.Statistics : null;
        lock (_gate) _raw.Add(new Raw(execution, pool));
    }

    /// <summary>Ends recording if still running (the collected data is dropped).</summary>
    public void Dispose()
    {
        _scope?.Dispose();
        _scope = null;
    }

    /// <summary>
    /// The layer a node belongs to: its name (a module path) without the "#k" suffix that numbers a layer's further
    /// nodes; for elementwise-fusion names "fused(a+b+...)" the first member's layer; "(OpType)" for unnamed nodes.
    /// </summary>
    public static string LayerOf(string nodeName, string opType)
    {
        ArgumentNullException.ThrowIfNull(nodeName);
        var name = nodeName;
        if (name.StartsWith("fused(", StringComparison.Ordinal))
        {
            name = name[6..];
            int end = name.IndexOfAny(['+', ')']);
            if (end >= 0) name = name[..end];
        }
        int hash = name.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0) name = name[..hash];
        return name.Length == 0 ? $"({opType})" : name;
    }

    private double Us(long ticks) => (ticks - _start) * 1e6 / Stopwatch.Frequency;

    private Profile Build()
    {
        var events = new List<OpEvent>(_raw.Count);
        var samples = new List<PoolSample>(_raw.Count);
        var lastInUse = new Dictionary<int, long>();
        foreach (var (e, pool) in _raw)
        {
            var cost = OpCost.Estimate(e.Node, e.Inputs, e.Outputs);
            long allocated = 0;
            if (pool is { } p)
            {
                allocated = lastInUse.TryGetValue(e.ThreadId, out var before) ? p.BytesInUse - before : 0;
                lastInUse[e.ThreadId] = p.BytesInUse;
                samples.Add(new PoolSample(Us(e.EndTimestamp), p.BytesInUse, p.BytesReserved, p.PeakBytesInUse, p.AllocationCount, p.CacheHits));
            }
            var name = e.Node.Name;
            string layer = LayerOf(name, e.OpType);
            var dtype = e.Inputs.Concat(e.Outputs).FirstOrDefault(m => m is not null) is { } m0 ? m0.DType.Name() : "";
            events.Add(new OpEvent(name, layer, e.OpType, e.Domain, e.Executor.ToString().ToLowerInvariant(),
                e.Inputs.Select(m => m is { } x ? x.Shape.ToString() : null).ToArray(), dtype,
                Us(e.StartTimestamp), (e.EndTimestamp - e.StartTimestamp) * 1e6 / Stopwatch.Frequency, e.ThreadId, cost.Flops, cost.Bytes, allocated));
        }
        var steps = _steps.Select(s => new StepEvent(Us(s.Start), (s.End - s.Start) * 1e6 / Stopwatch.Frequency)).ToList();
        return new Profile(events, samples, steps, Us(_end), new Dictionary<string, string>(Metadata, StringComparer.Ordinal));
    }
}
