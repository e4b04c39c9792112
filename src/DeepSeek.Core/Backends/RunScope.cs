namespace DeepSeek.Backends;

/// <summary>What a <see cref="RunScope"/> reports to (a backend's per-run state).</summary>
internal interface IRunScopeOwner
{
    void Step(long flops);

    void Close();
}

/// <summary>
/// Brackets a sequence of kernels that one thread runs back to back (a compiled plan's run), opened with
/// <see cref="IBackend.OpenRunScope"/>; before each step the runner reports the step's estimated work with
/// <see cref="Step"/>. The CPU backend uses it to decide whether a parallel kernel is worth waking parked worker threads
/// (<see cref="DeepSeekOptions.WakeMinMegaflops"/>); a device backend may keep its own per-run state. A struct: opening,
/// stepping and closing allocate nothing. Dispose it exactly once, on the thread that opened it; a default instance does nothing.
/// </summary>
public readonly struct RunScope : IDisposable
{
    private readonly IRunScopeOwner? _owner;

    internal RunScope(IRunScopeOwner owner) => _owner = owner;

    /// <summary>The next kernels on this thread belong to one step of about <paramref name="flops"/> floating-point operations (0: unknown).</summary>
    public void Step(long flops) => _owner?.Step(flops);

    /// <summary>Ends the scope.</summary>
    public void Dispose() => _owner?.Close();
}
