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
        public List<string> Names = new();
        public string? Path; // cached join of Names
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
        // a nested trace (a Tensor.Cond branch) records inside the same module as its parent
        s_state.Value = new State(tracer, scope) { Names = previous is null ? new() : new(previous.Names), Path = previous?.Path };
        Interlocked.Increment(ref s_active);
        return scope;
    }

    /// <summary>
    /// Enters the name scope <paramref name="name"/> (a module's registered name) until the returned guard is disposed;
    /// ops recorded meanwhile carry the dotted path of all open scopes (<see cref="CurrentName"/>). Costs one counter
    /// read when no trace is active.
    /// </summary>
    public static NameScope PushName(string name)
    {
        if (Volatile.Read(ref s_active) == 0 || string.IsNullOrEmpty(name) || s_state.Value is not { } st) return default;
        st.Names.Add(name);
        st.Path = null;
        return new NameScope(st);
    }

    /// <summary>The dotted path of the open name scopes on this flow ("layer1.0.conv1"), or "" when none or no trace is active.</summary>
    public static string CurrentName
    {
        get
        {
            if (Volatile.Read(ref s_active) == 0 || s_state.Value is not { } st || st.Names.Count == 0) return "";
            return st.Path ??= string.Join('.', st.Names);
        }
    }

    /// <summary>Closes a scope opened by <see cref="PushName"/>.</summary>
    public readonly struct NameScope : IDisposable
    {
        private readonly object? _state;

        internal NameScope(object state) => _state = state;

        /// <summary>Leaves the scope.</summary>
        public void Dispose()
        {
            if (_state is not State st || st.Names.Count == 0) return;
            st.Names.RemoveAt(st.Names.Count - 1);
            st.Path = null;
        }
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
