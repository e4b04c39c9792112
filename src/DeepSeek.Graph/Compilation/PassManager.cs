// The pass pipeline in ONNX Runtime's order: eliminations → CSE → constant folding → algebraic folds
// (BatchNorm into Conv/Gemm) → epilogue fusions (Conv, GEMM) → transformer patterns (GELU, LayerNorm,
// attention) → elementwise-chain fusion → layout; dead-code elimination again at the end.
namespace DeepSeek.Graph.Compilation;

/// <summary>Runs the enabled passes over a graph in a fixed order and reports what each did.</summary>
public static class PassManager
{
    /// <summary>Every pass in pipeline order (a pass may appear more than once, e.g. dead-code elimination).</summary>
    public static IReadOnlyList<IGraphPass> AllPasses { get; } = CreatePipeline();

    private static IGraphPass[] CreatePipeline() =>
    [
        // PIPELINE: each pass is one line; keep the order above.
        new Passes.Eliminations(),
        new Passes.DeadCodeElimination(),
        new Passes.CommonSubexpressionElimination(),
        new Passes.ConstantFolding(),
        new Passes.BatchNormFolding(),
        new Passes.GeluFusion(),
        new Passes.LayerNormFusion(),
        new Passes.SkipLayerNormFusion(),
        new Passes.AttentionFusion(),
        new Passes.ConvFusion(),
        new Passes.GemmFusion(),
        new Passes.ElementwiseFusion(),
        new Passes.DeadCodeElimination(),
    ];

    /// <summary>The distinct pass names, for <see cref="CompileOptions.DisabledPasses"/> and --help texts.</summary>
    public static IReadOnlyList<string> PassNames => AllPasses.Select(p => p.Name).Distinct().ToArray();

    /// <summary>Runs the passes <paramref name="options"/> enables over <paramref name="graph"/> in place; returns the log.</summary>
    public static IReadOnlyList<string> Run(Graph graph, CompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var name in options.DisabledPasses)
            if (!AllPasses.Any(p => p.Name == name))
                throw new ArgumentException($"CompileOptions: unknown pass '{name}' in DisabledPasses; passes are {string.Join(", ", PassNames)}.");
        var ctx = new PassContext(options);
        foreach (var pass in AllPasses)
        {
            if (!options.Runs(pass)) continue;
            if (pass.Run(graph, ctx)) graph.RemoveUnusedValues();
        }
        graph.Validate();
        return ctx.Log;
    }
}
