// Compiling a graph that already exists (imported from ONNX, built by hand): no tracing and no guards — the passes run
// once on a private copy, and each input signature (dtypes + shapes) gets its own ExecutionPlan, built on first use
// and cached, as ONNX Runtime re-plans memory per input shape.
using System.Collections.Concurrent;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Compilation;

/// <summary>
/// A graph optimised by <see cref="Compiler.Compile(Graph, CompileOptions?)"/> and run with a static plan per input
/// signature. Inputs are positional, in <see cref="InputNames"/> order; initializers the model also lists as inputs
/// keep their stored values (they become constants, so the passes can fold them). Thread-safe.
/// </summary>
public sealed class CompiledGraph : IDisposable
{
    private readonly ConcurrentDictionary<InputSignature, Lazy<ExecutionPlan>> _plans = new();
    private readonly Interpreter _interpreter = new();
    private volatile ExecutionPlan? _last;
    private bool _disposed;

    internal CompiledGraph(Graph graph, IReadOnlyList<string> passLog, CompileOptions options)
    {
        Graph = graph;
        PassLog = passLog;
        Options = options;
        InputNames = graph.Inputs.Select(i => i.Name).ToArray();
        OutputNames = graph.Outputs.Select(o => o.Name).ToArray();
    }

    /// <summary>The optimised graph (a private copy; do not edit it).</summary>
    public Graph Graph { get; }

    /// <summary>What each pass did.</summary>
    public IReadOnlyList<string> PassLog { get; }

    /// <summary>The options the graph was compiled with.</summary>
    public CompileOptions Options { get; }

    /// <summary>Names of the inputs <see cref="Run(Tensor[])"/> expects, in order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Names of the outputs <see cref="Run(Tensor[])"/> returns, in order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>How many input signatures have a plan.</summary>
    public int PlanCount => _plans.Count;

    /// <summary>Memory report of the plan that ran last (null before the first run or with PlanMemory off).</summary>
    public MemoryPlanReport? MemoryReport => _last?.Report;

    /// <summary>
    /// Runs the graph on <paramref name="inputs"/> (one per <see cref="InputNames"/>); the outputs are new tensors the
    /// caller owns. The first call with a new signature builds and caches its plan.
    /// </summary>
    public Tensor[] Run(params Tensor[] inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputs);
        CheckInputs(inputs);
        if (!Options.PlanMemory) return RunInterpreted(inputs);
        return PlanFor(inputs).Run(inputs);
    }

    /// <summary>
    /// Runs the graph on <paramref name="inputs"/> writing its outputs into <paramref name="outputs"/> (ONNX Runtime's
    /// IOBinding): one caller-owned tensor per <see cref="OutputNames"/> entry, contiguous and of exactly the output's
    /// dtype and shape (see <see cref="ExecutionPlan.Run(ReadOnlySpan{Tensor}, ReadOnlySpan{Tensor})"/>). Once the
    /// signature's plan exists, a run of a graph whose nodes all have prepared kernels allocates nothing: no managed
    /// memory and no tensor-pool request.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong number of inputs or outputs, or an output is not contiguous.</exception>
    /// <exception cref="DTypeMismatchException">An output tensor's dtype differs from the graph output's.</exception>
    /// <exception cref="ShapeMismatchException">An output tensor's shape differs from the graph output's.</exception>
    public void Run(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> outputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInputs(inputs);
        if (Options.PlanMemory)
        {
            PlanFor(inputs).Run(inputs, outputs);
            return;
        }
        if (outputs.Length != OutputNames.Count)
            throw new ArgumentException($"CompiledGraph '{Graph.Name}': has {OutputNames.Count} outputs ({string.Join(", ", OutputNames)}), got {outputs.Length} output tensors to write.", nameof(outputs));
        var results = RunInterpreted(inputs.ToArray());
        try
        {
            for (int i = 0; i < results.Length; i++)
            {
                var (got, into) = (results[i], outputs[i] ?? throw new ArgumentNullException(nameof(outputs), $"CompiledGraph '{Graph.Name}': output tensor for '{OutputNames[i]}' is null."));
                if (got.DType != into.DType)
                    throw new DTypeMismatchException($"CompiledGraph '{Graph.Name}': output '{OutputNames[i]}' is {got.DType.Name()}{got.Shape}, the tensor given for it is {into.DType.Name()}{into.Shape}.");
                if (got.Shape != into.Shape)
                    throw new ShapeMismatchException($"CompiledGraph '{Graph.Name}': output '{OutputNames[i]}' is {got.DType.Name()}{got.Shape}, the tensor given for it is {into.DType.Name()}{into.Shape}.");
                if (!into.IsContiguous)
                    throw new ArgumentException($"CompiledGraph '{Graph.Name}': the tensor given for output '{OutputNames[i]}' ({into.DType.Name()}{into.Shape}) must be contiguous.", nameof(outputs));
                into.Backend.Copy(got, into);
            }
        }
        finally
        {
            foreach (var t in results) t.Dispose();
        }
    }

    private void CheckInputs(ReadOnlySpan<Tensor> inputs)
    {
        if (inputs.Length != InputNames.Count)
            throw new ArgumentException($"CompiledGraph '{Graph.Name}': expects {InputNames.Count} inputs ({string.Join(", ", InputNames)}), got {inputs.Length}.", nameof(inputs));
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"CompiledGraph '{Graph.Name}': input '{InputNames[i]}' is null.");
            if (inputs[i].IsDisposed) throw new TensorDisposedException($"CompiledGraph '{Graph.Name}': input '{InputNames[i]}' was disposed.");
        }
    }

    // the plan for the inputs' signature: the last one used when it matches (no allocation), else built once and cached
    private ExecutionPlan PlanFor(ReadOnlySpan<Tensor> inputs) =>
        _last is { } last && last.Accepts(inputs) ? last : LookUpPlan(inputs.ToArray());

    // apart from PlanFor so that the fast path does not allocate this method's closure
    private ExecutionPlan LookUpPlan(Tensor[] array)
    {
        var plan = _plans.GetOrAdd(InputSignature.Of(array), _ => new Lazy<ExecutionPlan>(
            () => ExecutionPlan.Create(Graph, array, fallback: _interpreter.Registry), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        _last = plan;
        return plan;
    }

    private Tensor[] RunInterpreted(Tensor[] inputs)
    {
        var feed = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++) feed[InputNames[i]] = new TensorValue(inputs[i]);
        var outs = _interpreter.Run(Graph, feed);
        return OutputNames.Select((n, i) => outs[n].AsTensor($"output {i} ('{n}')")).ToArray();
    }

    /// <summary>Frees the plans and the optimised graph.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in _plans.Values)
            if (p.IsValueCreated) p.Value.Dispose();
        _plans.Clear();
        Graph.Dispose();
    }
}
