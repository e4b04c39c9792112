// The ambient tracer: an AsyncLocal slot read by every op that can record itself. Ops run their computation with
// tracing suspended, so helper ops they call inside do not record a second time.
namespace DeepSeek.Tracing;

/// <summary>Starts and queries op tracing (what <c>torch.jit.trace</c> hooks into).</summary>
public static class OpTrace
{
    private sealed class State(IOpTracer tracer, OpTraceScope scope)
    {
        public readonly IOpTracer Tracer = tracer;
        public readonly OpTraceScope Scope = scope;
        public int Suspended;
    }

    private static readonly AsyncLocal<State?> s_state = new();
    private static int s_active;

    /// <summary>The active tracer on this flow, or null when none is active or recording is suspended.</summary>
    public static IOpTracer? Current => Volatile.Read(ref s_active) != 0 && s_state.Value is { Suspended: 0 } st ? st.Tracer : null; // the counter keeps untraced ops off the AsyncLocal

    /// <summary>Makes <paramref name="tracer"/> the current tracer until the returned scope is disposed.</summary>
    public static OpTraceScope Begin(IOpTracer tracer)
    {
        ArgumentNullException.ThrowIfNull(tracer);
        var previous = s_state.Value;
        var scope = new OpTraceScope(previous, st => s_state.Value = (State?)st);
        s_state.Value = new State(tracer, scope);
        Interlocked.Increment(ref s_active);
        return scope;
    }

    internal static void Ended() => Interlocked.Decrement(ref s_active);

    /// <summary>Stops recording on this flow until disposed (ops call this around their own computation).</summary>
    internal static SuspendGuard Suspend()
    {
        var st = s_state.Value;
        if (st is not null) st.Suspended++;
        return new SuspendGuard(st);
    }

    /// <summary>Called by the tensor constructor: remembers tensors created while a tracer records (not suspended).</summary>
    internal static void Created(Tensor t)
    {
        if (Volatile.Read(ref s_active) == 0) return;
        if (s_state.Value is { Suspended: 0 } st) st.Scope.AddCreated(t);
    }

    /// <summary>Restores recording when disposed.</summary>
    internal readonly struct SuspendGuard(object? state) : IDisposable
    {
        /// <summary>Ends the suspension.</summary>
        public void Dispose()
        {
            if (state is State st) st.Suspended--;
        }
    }
}

/// <summary>An active trace, returned by <see cref="OpTrace.Begin"/>; disposing it ends the trace.</summary>
public sealed class OpTraceScope : IDisposable
{
    private readonly object? _previous;
    private readonly Action<object?> _restore;
    private readonly HashSet<Tensor> _created = new(ReferenceEqualityComparer.Instance);
    private bool _ended;

    internal OpTraceScope(object? previous, Action<object?> restore)
    {
        _previous = previous;
        _restore = restore;
    }

    internal void AddCreated(Tensor t)
    {
        lock (_created) _created.Add(t);
    }

    /// <summary>
    /// True when <paramref name="t"/> was created while this trace recorded, outside any recorded op: a tensor made by an
    /// op that cannot record itself (or by user code), which a graph cannot reproduce.
    /// </summary>
    public bool WasCreatedUntraced(Tensor t)
    {
        lock (_created) return _created.Contains(t);
    }

    /// <summary>Ends the trace and restores the previous tracer (if any).</summary>
    public void Dispose()
    {
        if (_ended) return;
        _ended = true;
        _restore(_previous);
        OpTrace.Ended();
    }
}
