// The compile front end, after torch.compile (Ansel et al., "PyTorch 2", ASPLOS 2024): compiling is lazy; each new
// input signature traces the eager function on the real inputs, records what it assumed (input dtypes and shapes, values
// read back to the host), optimises the graph with the pass pipeline and builds a runner for it.
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Compilation;

/// <summary>Compiles eager tensor code into cached, guarded, optimised graphs (what <c>torch.compile</c> does).</summary>
public static class Compiler
{
    /// <summary>
    /// Wraps <paramref name="f"/> in a <see cref="CompiledFunction"/>. Nothing is traced yet: the first call with a new input
    /// signature (dtype and shape of each input) traces <paramref name="f"/> on those inputs, runs the passes that
    /// <paramref name="options"/> enables and caches the variant; later calls with that signature reuse it while its
    /// guards hold (see docs/compiler.md). <paramref name="inputSpec"/> (one per input, −1 = any size) validates calls up
    /// front and lets <see cref="CompiledFunction.Warmup"/> trace ahead of the first call.
    /// </summary>
    /// <exception cref="ArgumentException">Options name an unknown pass or a negative <see cref="CompileOptions.MaxVariants"/>.</exception>
    public static CompiledFunction Compile(Func<Tensor[], Tensor[]> f, CompileOptions? options = null, params InputSpec[] inputSpec)
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= new CompileOptions();
        inputSpec ??= [];
        for (int i = 0; i < inputSpec.Length; i++)
            if (inputSpec[i] is null) throw new ArgumentNullException(nameof(inputSpec), $"Compile: InputSpec {i} is null.");
        if (options.MaxVariants < 0)
            throw new ArgumentException($"Compile: CompileOptions.MaxVariants is {options.MaxVariants}; use 0 (always eager) or more.", nameof(options));
        foreach (var name in options.DisabledPasses)
            if (!PassManager.PassNames.Contains(name))
                throw new ArgumentException($"Compile: unknown pass '{name}' in DisabledPasses; passes are {(PassManager.PassNames.Count == 0 ? "(none registered)" : string.Join(", ", PassManager.PassNames))}.", nameof(options));
        return new CompiledFunction(f, options, inputSpec);
    }

    /// <summary>
    /// Optimises an existing graph (e.g. imported from ONNX) with the passes <paramref name="options"/> enables and returns
    /// a <see cref="CompiledGraph"/> that runs it with a static plan per input signature. <paramref name="graph"/> is not
    /// changed (the passes work on a copy). Initializers the graph also lists as inputs become fixed constants.
    /// </summary>
    /// <exception cref="UnsupportedOperatorException">An op has no kernel (every missing op is listed).</exception>
    public static CompiledGraph Compile(Graph graph, CompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= new CompileOptions();
        graph.Validate();
        var copy = graph.Clone();
        try
        {
            copy.Inputs.RemoveAll(i => i.IsConstant);
            ShapeInference.Run(copy);
            var log = PassManager.Run(copy, options);
            new Interpreter().Check(copy);
            return new CompiledGraph(copy, log, options);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>Traces <paramref name="f"/> on <paramref name="inputs"/>, cuts the guard graph, optimises and prepares a variant.</summary>
    internal static Variant BuildVariant(Func<Tensor[], Tensor[]> f, Tensor[] inputs, CompileOptions options, InputSignature signature,
        int traceNumber, Interpreter interpreter)
    {
        Graph? graph = null;
        GuardSet? guards = null;
        VariantRunner? runner = null;
        try
        {
            IReadOnlyList<HostReadRecord> reads;
            using (Tensor.NewScope()) // the eager run's intermediates
                (graph, reads) = Tracer.TraceWithHostReads(f, new TraceOptions { GraphName = $"compiled_{traceNumber}" }, inputs);
            guards = GuardSet.Create(graph, reads, inputs, options, interpreter); // before the passes: DCE would drop the guarded values
            if (guards.GuardGraph is not null) GuardSet.Prune(graph); // what only the host reads needed now lives in the guard graph
            var log = PassManager.Run(graph, options);
            runner = VariantRunner.Create(graph, inputs, options, interpreter);
            return new Variant(traceNumber, signature, graph, guards, log, runner);
        }
        catch
        {
            runner?.Dispose();
            guards?.Dispose();
            graph?.Dispose();
            throw;
        }
    }
}
