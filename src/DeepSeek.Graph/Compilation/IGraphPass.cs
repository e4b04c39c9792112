namespace DeepSeek.Graph.Compilation;

/// <summary>
/// One rewrite of the IR (dead-code elimination, BatchNorm folding, Conv+ReLU fusion, …). A pass is a separate,
/// individually tested unit: it declares its name (used to disable it), the lowest optimisation level that runs it,
/// and rewrites the graph in place, returning whether it changed anything.
/// </summary>
public interface IGraphPass
{
    /// <summary>Stable name, e.g. "dce", "bn-fold", "conv-fusion"; <see cref="CompileOptions.DisabledPasses"/> uses it.</summary>
    string Name { get; }

    /// <summary>Lowest <see cref="CompileOptions.OptimizationLevel"/> at which the pass runs (1 … 3).</summary>
    int Level { get; }

    /// <summary>Rewrites <paramref name="graph"/> (the main graph; a pass descends into sub-graphs itself if it wants to).</summary>
    bool Run(Graph graph, PassContext context);
}

/// <summary>What a pass may consult besides the graph: the options and a log of what each pass did.</summary>
public sealed class PassContext
{
    /// <summary>Creates a context for <paramref name="options"/>.</summary>
    public PassContext(CompileOptions options) => Options = options;

    /// <summary>The compile options.</summary>
    public CompileOptions Options { get; }

    /// <summary>One line per rewrite ("bn-fold: folded BatchNormalization 'bn1' into Conv 'conv1'").</summary>
    public List<string> Log { get; } = new();

    /// <summary>Adds a log line.</summary>
    public void Note(string pass, string message) => Log.Add($"{pass}: {message}");
}
