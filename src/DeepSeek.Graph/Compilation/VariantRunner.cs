// The one place that turns an optimised graph into something runnable: with CompileOptions.PlanMemory (default) the
// static executor's ExecutionPlan (memory planned into one arena, IStaticKernels prepared per node); without it the
// Interpreter (kernels looked up per node, values freed after their last use).
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Compilation;

/// <summary>Runs one variant's optimised graph on inputs of its signature.</summary>
internal sealed class VariantRunner : IDisposable
{
    private readonly Graph _graph;
    private readonly Interpreter _interpreter;
    private readonly ExecutionPlan? _plan;

    private VariantRunner(Graph graph, Interpreter interpreter, ExecutionPlan? plan, string report)
    {
        _graph = graph;
        _interpreter = interpreter;
        _plan = plan;
        Report = report;
    }

    /// <summary>What runs the variant, for <see cref="CompiledFunction.Dump"/>.</summary>
    public string Report { get; }

    /// <summary>The static plan's memory report, or null when the variant runs on the Interpreter.</summary>
    public MemoryPlanReport? MemoryReport => _plan?.Report;

    /// <summary>
    /// Prepares <paramref name="graph"/> (which stays owned by the caller) for inputs like <paramref name="exampleInputs"/>;
    /// throws <see cref="UnsupportedOperatorException"/> listing ops without a kernel.
    /// </summary>
    public static VariantRunner Create(Graph graph, IReadOnlyList<Tensor> exampleInputs, CompileOptions options, Interpreter interpreter)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(exampleInputs);
        ArgumentNullException.ThrowIfNull(options);
        SeparateRepeatedOutputs(graph);
        interpreter.Check(graph);
        if (!options.PlanMemory)
            return new VariantRunner(graph, interpreter, null, $"interpreter ({graph.Nodes.Count} nodes; PlanMemory off)");
        var plan = ExecutionPlan.Create(graph, exampleInputs, fallback: interpreter.Registry);
        return new VariantRunner(graph, interpreter, plan, $"static plan ({graph.Nodes.Count} nodes)\n{plan.Report}");
    }

    /// <summary>Runs the graph; the outputs belong to the caller (outputs that are inputs come back as views).</summary>
    public Tensor[] Run(ReadOnlySpan<Tensor> inputs)
    {
        if (_plan is not null) return _plan.Run(inputs);
        var feed = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        for (int i = 0; i < _graph.Inputs.Count; i++) feed[_graph.Inputs[i].Name] = new TensorValue(inputs[i]);
        var outs = _interpreter.Run(_graph, feed);
        var result = new Tensor[_graph.Outputs.Count];
        for (int i = 0; i < result.Length; i++) result[i] = outs[_graph.Outputs[i].Name].AsTensor($"output {i} ('%{_graph.Outputs[i].Name}')");
        return result;
    }

    // Outputs are returned by name; a value listed twice (a pass may drop the Identity nodes that kept them apart)
    // gets an Identity per extra listing so every output has its own name.
    private static void SeparateRepeatedOutputs(Graph graph)
    {
        var seen = new HashSet<Value>();
        for (int i = 0; i < graph.Outputs.Count; i++)
        {
            var o = graph.Outputs[i];
            if (seen.Add(o)) continue;
            var copy = graph.AddNode("Identity", [o], [graph.FreshName(o.Name)]).Outputs[0];
            copy.Type = o.Type;
            graph.Outputs[i] = copy;
        }
    }

    /// <summary>Frees what the runner prepared (the graph belongs to the variant).</summary>
    public void Dispose() => _plan?.Dispose();
}
