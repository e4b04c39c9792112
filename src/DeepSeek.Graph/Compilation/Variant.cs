// One specialisation of a compiled function (a torch.compile cache entry): the input signature and value guards it
// was traced under, the optimised graph with the pass log, and the runner that executes it.
namespace DeepSeek.Graph.Compilation;

/// <summary>A traced, optimised and runnable specialisation of a <see cref="CompiledFunction"/>.</summary>
internal sealed class Variant : IDisposable
{
    private long _hits;

    public Variant(int traceNumber, InputSignature signature, Graph graph, GuardSet guards, IReadOnlyList<string> passLog, VariantRunner runner)
    {
        TraceNumber = traceNumber;
        Signature = signature;
        Graph = graph;
        Guards = guards;
        PassLog = passLog;
        Runner = runner;
    }

    /// <summary>1 for the function's first trace, 2 for the second, …</summary>
    public int TraceNumber { get; }

    /// <summary>Input dtypes and shapes (the first guard).</summary>
    public InputSignature Signature { get; }

    /// <summary>The optimised graph (owned).</summary>
    public Graph Graph { get; }

    /// <summary>Value guards (owned).</summary>
    public GuardSet Guards { get; }

    /// <summary>What the passes did.</summary>
    public IReadOnlyList<string> PassLog { get; }

    /// <summary>Executes <see cref="Graph"/>.</summary>
    public VariantRunner Runner { get; }

    /// <summary>Calls this variant served after it was traced.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    public void CountHit() => Interlocked.Increment(ref _hits);

    public void Dispose()
    {
        Runner.Dispose();
        Guards.Dispose();
        Graph.Dispose();
    }
}
