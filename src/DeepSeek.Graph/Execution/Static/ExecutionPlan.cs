// The static executor (ONNX Runtime's sequential executor with memory patterns; TFLite's arena): a graph specialised
// to one input signature runs node by node with kernels prepared once for concrete shapes, writing intermediates into
// one planned arena. Nodes without a static kernel run their interpreter kernel on pooled memory.
namespace DeepSeek.Graph.Execution;

/// <summary>
/// A graph compiled for fixed input shapes and dtypes: every value's type is known, nodes have prepared
/// <see cref="IStaticKernel"/>s where one exists (interpreter kernels otherwise), and intermediates live at planned
/// offsets of one arena per concurrent run. Immutable and thread-safe: <see cref="Run(ReadOnlySpan{Tensor})"/> may be called from several
/// threads at once (each run takes its own arena instance from a pool).
/// </summary>
public sealed class ExecutionPlan : IDisposable
{
    private readonly PlanLayout _layout;
    private readonly Graph _graph;
    private readonly Device _device;
    private readonly Backends.IBackend _backend;
    private readonly long _runFlops; // the steps' estimated FLOPs together
    private readonly System.Collections.Concurrent.ConcurrentBag<PlanInstance> _idle = new();
    private readonly List<PlanInstance> _all = new();
    private readonly Lock _gate = new();
    private bool _disposed;

    private ExecutionPlan(Graph graph, PlanLayout layout, MemoryPlanReport report, Device device)
    {
        _graph = graph;
        _layout = layout;
        _device = device;
        _backend = Backends.BackendRegistry.Get(device);
        foreach (var st in layout.Steps) _runFlops += st.Flops;
        Report = report;
        Inputs = layout.Index.InputSlots.Select(v => layout.Metas[v]!.Value).ToArray();
        InputNames = layout.Index.InputSlots.Select(v => layout.Index.Values[v].Name).ToArray();
        Outputs = layout.Index.OutputSlots.Select(v => layout.Metas[v]!.Value).ToArray();
        OutputNames = layout.Index.OutputSlots.Select(v => layout.Index.Values[v].Name).ToArray();
        _onlyStatic = layout.Steps.All(s => s.Kind == StepKind.Static);
    }

    // every step runs a prepared kernel: nothing in a run makes tensors or records autograd, so a bound run needs neither
    // a tensor scope nor a no-grad block (both would allocate: they are async-locals)
    private readonly bool _onlyStatic;

    /// <summary>Input types the plan is specialised to, in graph-input order.</summary>
    public IReadOnlyList<TensorMeta> Inputs { get; }

    /// <summary>Graph input names, in order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Output types, in graph-output order.</summary>
    public IReadOnlyList<TensorMeta> Outputs { get; }

    /// <summary>Graph output names, in order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Arena size, savings against naive allocation, aliases, in-place reuses and fallback nodes.</summary>
    public MemoryPlanReport Report { get; }

    /// <summary>
    /// Specialises <paramref name="graph"/> to the shapes and dtypes of <paramref name="exampleInputs"/> (one per graph
    /// input, in order): one recording run with the interpreter kernels learns every value's type, values computed only
    /// from constants and input shapes are folded, each node gets a prepared kernel from <paramref name="kernels"/>
    /// (default <see cref="StaticKernelRegistry.Default"/>) or falls back to <paramref name="fallback"/>'s kernel
    /// (default <see cref="OpRegistry.Default"/>), and the arena is planned. The graph is copied: later edits do not
    /// affect the plan.
    /// </summary>
    public static ExecutionPlan Create(Graph graph, IReadOnlyList<Tensor> exampleInputs, StaticKernelRegistry? kernels = null, OpRegistry? fallback = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(exampleInputs);
        graph.Validate();
        if (exampleInputs.Count != graph.Inputs.Count)
            throw new ArgumentException($"ExecutionPlan: graph '{graph.Name}' has {graph.Inputs.Count} inputs ({string.Join(", ", graph.Inputs.Select(i => i.Name))}) but {exampleInputs.Count} example inputs were given.", nameof(exampleInputs));
        for (int i = 0; i < exampleInputs.Count; i++)
        {
            if (exampleInputs[i] is not { } x) throw new ArgumentNullException(nameof(exampleInputs), $"ExecutionPlan: example input {i} ('{graph.Inputs[i].Name}') is null.");
            if (x.IsDisposed) throw new TensorDisposedException($"ExecutionPlan: example input {i} ('{graph.Inputs[i].Name}') was disposed.");
        }
        var device = exampleInputs.Count > 0 ? exampleInputs[0].Device : Device.Cpu;
        var copy = graph.Clone();
        try
        {
            var (layout, report) = PlanBuilder.Build(copy, exampleInputs, kernels ?? StaticKernelRegistry.Default, fallback ?? OpRegistry.Default);
            foreach (var o in layout.Index.OutputSlots)
                if (layout.Metas[o] is null)
                    throw new UnsupportedOperatorException($"ExecutionPlan: output '{layout.Index.Values[o].Name}' of graph '{graph.Name}' is not a tensor (sequences and optionals cannot be planned); run this graph with the Interpreter.");
            return new ExecutionPlan(copy, layout, report, device);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the plan. <paramref name="inputs"/> must match <see cref="Inputs"/> exactly (dtype and shape; any strides);
    /// the returned tensors are new, owned by the caller (dispose them) and share no memory with the plan.
    /// </summary>
    public Tensor[] Run(ReadOnlySpan<Tensor> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInputs(inputs);
        if (!_idle.TryTake(out var instance))
        {
            instance = new PlanInstance(_layout, _device);
            lock (_gate) _all.Add(instance);
        }
        try
        {
            using var noGrad = Tensor.NoGrad();
            using var scope = Tensor.NewScope();
            using var run = _backend.OpenRunScope(_runFlops);
            return instance.Run(inputs, run);
        }
        finally
        {
            _idle.Add(instance);
        }
    }

    /// <summary>
    /// Runs the plan writing the graph outputs into <paramref name="outputs"/> (ONNX Runtime's IOBinding): one
    /// caller-owned tensor per <see cref="Outputs"/> entry, contiguous, of exactly that dtype and shape, on the plan's
    /// device, sharing no memory with the inputs or another output. Kernels that produce an output write it in place;
    /// outputs computed otherwise (inputs or constants passed through, interpreter fallbacks) are copied in. With every
    /// node on a prepared kernel a steady-state run allocates nothing: no managed memory and no tensor-pool request.
    /// </summary>
    /// <exception cref="ArgumentException">The number of outputs is wrong, or one is not contiguous.</exception>
    /// <exception cref="DTypeMismatchException">An output's dtype differs from the plan's.</exception>
    /// <exception cref="ShapeMismatchException">An output's shape differs from the plan's.</exception>
    public void Run(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> outputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInputs(inputs);
        CheckOutputs(outputs);
        if (!_idle.TryTake(out var instance))
        {
            instance = new PlanInstance(_layout, _device);
            lock (_gate) _all.Add(instance);
        }
        bool guarded = !_onlyStatic || AnyRequiresGrad(inputs);
        var noGrad = guarded ? Tensor.NoGrad() : default;
        var scope = guarded ? Tensor.NewScope() : null;
        try
        {
            using var run = _backend.OpenRunScope(_runFlops);
            instance.Run(inputs, outputs, run);
        }
        finally
        {
            _idle.Add(instance);
            scope?.Dispose();
            if (guarded) noGrad.Dispose();
        }
    }

    private static bool AnyRequiresGrad(ReadOnlySpan<Tensor> inputs)
    {
        foreach (var x in inputs) if (x.RequiresGrad) return true;
        return false;
    }

    private void CheckOutputs(ReadOnlySpan<Tensor> outputs)
    {
        if (outputs.Length != Outputs.Count)
            throw new ArgumentException($"ExecutionPlan: graph '{_graph.Name}' has {Outputs.Count} outputs ({string.Join(", ", OutputNames)}), got {outputs.Length} output tensors to write.", nameof(outputs));
        for (int i = 0; i < outputs.Length; i++)
        {
            var y = outputs[i] ?? throw new ArgumentNullException(nameof(outputs), $"ExecutionPlan: output tensor for '{OutputNames[i]}' is null.");
            if (y.IsDisposed) throw new TensorDisposedException($"ExecutionPlan: output tensor for '{OutputNames[i]}' was disposed.");
            var want = Outputs[i];
            if (y.DType != want.DType)
                throw new DTypeMismatchException($"ExecutionPlan: output '{OutputNames[i]}' is {want}, the tensor given for it is {y.DType.Name()}{y.Shape}.");
            if (y.Shape != want.Shape)
                throw new ShapeMismatchException($"ExecutionPlan: output '{OutputNames[i]}' is {want}, the tensor given for it is {y.DType.Name()}{y.Shape}.");
            if (y.Device != _device)
                throw new DeviceMismatchException($"ExecutionPlan: the tensor given for output '{OutputNames[i]}' is on {y.Device} but the plan runs on {_device}.");
            if (!y.IsContiguous)
                throw new ArgumentException($"ExecutionPlan: the tensor given for output '{OutputNames[i]}' ({y.DType.Name()}{y.Shape}) must be contiguous; kernels write it in place.", nameof(outputs));
            for (int j = 0; j < i; j++)
                if (ReferenceEquals(outputs[j], y))
                    throw new ArgumentException($"ExecutionPlan: the same tensor is given for outputs '{OutputNames[j]}' and '{OutputNames[i]}'.", nameof(outputs));
        }
    }

    /// <summary>True when <paramref name="inputs"/> have exactly the plan's input dtypes, shapes and device (no allocation).</summary>
    internal bool Accepts(ReadOnlySpan<Tensor> inputs)
    {
        if (inputs.Length != Inputs.Count) return false;
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            if (x.DType != Inputs[i].DType || x.Device != _device || x.Shape != Inputs[i].Shape) return false;
        }
        return true;
    }

    private void CheckInputs(ReadOnlySpan<Tensor> inputs)
    {
        if (inputs.Length != Inputs.Count)
            throw new ArgumentException($"ExecutionPlan: graph '{_graph.Name}' takes {Inputs.Count} inputs ({string.Join(", ", InputNames)}), got {inputs.Length}.", nameof(inputs));
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"ExecutionPlan: input '{InputNames[i]}' is null.");
            if (x.IsDisposed) throw new TensorDisposedException($"ExecutionPlan: input '{InputNames[i]}' was disposed.");
            var want = Inputs[i];
            if (x.DType != want.DType)
                throw new DTypeMismatchException($"ExecutionPlan: input '{InputNames[i]}' expects {want}, got {x.DType.Name()}{x.Shape}; the plan is specialised to its example inputs — create a plan for this dtype.");
            if (x.Shape != want.Shape)
                throw new ShapeMismatchException($"ExecutionPlan: input '{InputNames[i]}' expects {want}, got {x.DType.Name()}{x.Shape}; the plan is specialised to its example inputs' shapes — create a plan for this shape.");
            if (x.Device != _device)
                throw new DeviceMismatchException($"ExecutionPlan: input '{InputNames[i]}' is on {x.Device} but the plan runs on {_device}.");
        }
    }

    /// <summary>Frees the arenas, prepared kernels and folded constants. Do not dispose while a run is in progress.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_gate)
        {
            foreach (var i in _all) i.Dispose();
            _all.Clear();
        }
        foreach (var s in _layout.Steps) s.Kernel?.Dispose();
        for (int v = 0; v < _layout.Constants.Length; v++)
            if (_layout.Folded[v]) _layout.Constants[v]?.Dispose();
        _graph.Dispose();
    }
}
