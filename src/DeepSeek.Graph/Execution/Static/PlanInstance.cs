// One run's worth of state for an ExecutionPlan: the arena with a view per planned value made once, and flat per-value
// slots refilled each run. Concurrent runs each take their own instance, so prepared kernels and the layout stay
// shared and read-only. In steady state a run allocates from the pool only what it hands back (the graph outputs)
// and what interpreter fallbacks allocate; a bound run (caller-provided outputs) has static kernels write the outputs
// in place, so it takes nothing from the pool.
using DeepSeek.Backends;
using DeepSeek.Memory;

namespace DeepSeek.Graph.Execution;

internal sealed class PlanInstance : IDisposable
{
    private readonly PlanLayout _layout;
    private readonly Device _device;
    private readonly Arena? _arena;
    private readonly Memory.Storage? _arenaStorage;
    private readonly Tensor?[] _fixed;
    private readonly Tensor?[] _slots;
    private readonly RuntimeValue?[] _others;
    private readonly bool[] _owned;
    private readonly bool[] _handed;
    private readonly Tensor?[][] _stepIn;
    private readonly Tensor[][] _stepOut;
    private readonly HashSet<Memory.Storage> _constantStorage = new(ReferenceEqualityComparer.Instance);
    private readonly ExecutionFrame _noFrame;
    // per value: the first graph output listing it, or −1; a bound run lets a static kernel write that output in place
    private readonly int[] _outputOf;
    // the caller's output tensors during a bound run (null otherwise)
    private readonly Tensor?[] _bound;

    public PlanInstance(PlanLayout layout, Device device)
    {
        _layout = layout;
        _device = device;
        var kinds = layout.Kinds;
        int n = kinds.Length;
        _fixed = new Tensor?[n];
        _slots = new Tensor?[n];
        _others = new RuntimeValue?[n];
        _owned = new bool[n];
        _handed = new bool[n];
        _noFrame = new ExecutionFrame(layout.Index.Graph, null);
        try
        {
            if (Enumerable.Range(0, n).Any(v => ArenaResident(v)))
                _arena = new Arena(layout.Memory.ArenaBytes, device);
            for (int v = 0; v < n; v++)
            {
                if (kinds[v] == ValueKind.Constant)
                {
                    _fixed[v] = layout.Constants[v];
                    if (_fixed[v] is { } c) _constantStorage.Add(c.Storage);
                }
                else if (ArenaResident(v))
                {
                    var m = layout.Metas[v]!.Value;
                    _fixed[v] = _arena!.View(layout.Offsets[v], m.Shape, m.DType);
                    _arenaStorage ??= _fixed[v]!.Storage;
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        _stepIn = layout.Steps.Select(s => new Tensor?[s.Inputs.Length]).ToArray();
        _stepOut = layout.Steps.Select(s => new Tensor[s.Outputs.Length]).ToArray();
        var outputSlots = layout.Index.OutputSlots;
        _outputOf = new int[n];
        Array.Fill(_outputOf, -1);
        for (int i = outputSlots.Length - 1; i >= 0; i--) _outputOf[outputSlots[i]] = i;
        _bound = new Tensor?[outputSlots.Length];
    }

    private bool ArenaResident(int v) => _layout.Kinds[v] == ValueKind.Planned
        || (_layout.Kinds[v] == ValueKind.Alias && _layout.Kinds[_layout.Root[v]] == ValueKind.Planned);

    /// <summary>Runs the plan on checked inputs; returns tensors the caller owns.</summary>
    public Tensor[] Run(ReadOnlySpan<Tensor> inputs, in RunScope scope)
    {
        try
        {
            Execute(inputs, scope);
            return CollectOutputs(inputs);
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>
    /// Runs the plan on checked inputs writing the graph outputs into <paramref name="outputs"/> (checked: contiguous,
    /// of the planned types): static kernels producing an output write it in place, other outputs are copied in.
    /// </summary>
    public void Run(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> outputs, in RunScope scope)
    {
        for (int i = 0; i < outputs.Length; i++) _bound[i] = outputs[i];
        try
        {
            Execute(inputs, scope);
            var index = _layout.Index;
            for (int i = 0; i < outputs.Length; i++)
            {
                int v = index.OutputSlots[i];
                var t = _slots[v] ?? throw new ModelFormatException($"Graph '{index.Graph.Name}': output '{index.Values[v].Name}' was not computed.");
                if (!ReferenceEquals(t, outputs[i])) outputs[i].Backend.Copy(t, outputs[i]);
            }
        }
        finally
        {
            Array.Clear(_bound);
            Reset();
        }
    }

    private void Execute(ReadOnlySpan<Tensor> inputs, in RunScope scope)
    {
        var index = _layout.Index;
        Array.Copy(_fixed, _slots, _fixed.Length);
        for (int i = 0; i < inputs.Length; i++) _slots[index.InputSlots[i]] = inputs[i];
        var steps = _layout.Steps;
        if (ExecutionObserver.Current is { } observer) RunObserved(observer, scope);
        else
        {
            for (int s = 0; s < steps.Length; s++)
            {
                scope.Step(steps[s].Flops);
                RunStep(s);
                foreach (var v in steps[s].Release) Free(v);
            }
        }
    }

    // frees what the run owns and has not handed out, and empties the slots for the next run
    private void Reset()
    {
        for (int v = 0; v < _slots.Length; v++)
        {
            if (_owned[v] && !_handed[v]) Free(v);
            _owned[v] = false;
            _handed[v] = false;
            _slots[v] = null;
            _others[v] = null;
        }
    }

    private void RunStep(int s)
    {
        var step = _layout.Steps[s];
        switch (step.Kind)
        {
            case StepKind.Static: RunStatic(step, _stepIn[s], _stepOut[s]); break;
            case StepKind.Fallback: RunFallback(step); break;
            default: RunAlias(step); break;
        }
    }

    // the same loop, timing each step; types come from the layout (fixed per plan), so only the report allocates
    private void RunObserved(ExecutionObserver observer, in RunScope scope)
    {
        var steps = _layout.Steps;
        int thread = Environment.CurrentManagedThreadId;
        for (int s = 0; s < steps.Length; s++)
        {
            var step = steps[s];
            scope.Step(step.Flops);
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                RunStep(s);
            }
            catch (Exception e)
            {
                observer.OnNodeFailed(step.Node, e);
                throw;
            }
            long end = System.Diagnostics.Stopwatch.GetTimestamp();
            var kind = step.Kind switch { StepKind.Static => ExecutorKind.Static, StepKind.Fallback => ExecutorKind.Fallback, _ => ExecutorKind.Alias };
            observer.OnNode(new NodeExecution(step.Node, StepMetas(s, false), StepMetas(s, true), start, end, thread, kind));
            foreach (var v in step.Release) Free(v);
        }
    }

    // the layout's types are fixed per plan: arrays made on the first observed run are handed out again (read-only)
    private TensorMeta?[]?[]? _inMetas, _outMetas;

    private TensorMeta?[] StepMetas(int s, bool outputs)
    {
        ref var cache = ref outputs ? ref _outMetas : ref _inMetas;
        cache ??= new TensorMeta?[]?[_layout.Steps.Length];
        if (cache[s] is { } hit) return hit;
        var step = _layout.Steps[s];
        var slots = outputs ? step.Outputs : step.Inputs;
        var m = Metas(slots);
        bool fixedTypes = true;
        foreach (var v in slots) if (v >= 0 && _layout.Metas[v] is null) fixedTypes = false;
        if (fixedTypes) cache[s] = m;
        return m;
    }

    private TensorMeta?[] Metas(int[] slots)
    {
        var m = new TensorMeta?[slots.Length];
        for (int i = 0; i < m.Length; i++)
        {
            int v = slots[i];
            if (v < 0) continue;
            m[i] = _layout.Metas[v] ?? (_slots[v] is { IsDisposed: false } t ? new TensorMeta(t.DType, t.Shape) : null);
        }
        return m;
    }

    private void RunStatic(PlanStep step, Tensor?[] ins, Tensor[] outs)
    {
        for (int k = 0; k < ins.Length; k++) ins[k] = step.Inputs[k] < 0 ? null : _slots[step.Inputs[k]];
        for (int k = 0; k < outs.Length; k++)
        {
            int v = step.Outputs[k];
            if (_layout.Kinds[v] == ValueKind.OutputOwned && _outputOf[v] >= 0 && _bound[_outputOf[v]] is { } target)
                _slots[v] = target; // a bound run: written in place, never freed by the plan
            else if (_layout.Kinds[v] == ValueKind.OutputOwned)
            {
                var m = _layout.Metas[v]!.Value;
                _slots[v] = Tensor.Empty(m.Shape, m.DType, _device).DetachFromScope();
                _owned[v] = true;
            }
            outs[k] = _slots[v]!;
        }
        try
        {
            step.Kernel!.Run(ins, outs);
        }
        catch (Exception e) when (NodeRunner.Wrap(e, step.Node) is { } wrapped)
        {
            throw wrapped;
        }
        finally
        {
            Array.Clear(ins);
        }
    }

    private void RunFallback(PlanStep step)
    {
        var args = new RuntimeValue?[step.Inputs.Length];
        for (int k = 0; k < args.Length; k++)
        {
            int v = step.Inputs[k];
            if (v >= 0) args[k] = Value(v, step.Node);
        }
        var frame = _noFrame;
        if (step.OuterReads.Length > 0)
        {
            frame = new ExecutionFrame(_layout.Index.Graph, null);
            foreach (var v in step.OuterReads) frame.Set(_layout.Index.Values[v], Value(v, step.Node));
        }
        var results = NodeRunner.RunFallback(step.Fallback!, step.Node, args, step.Opset, _layout.Interpreter, frame);
        try
        {
            for (int o = 0; o < results.Length; o++)
            {
                if (o >= step.Outputs.Length || results[o] is not { } r) continue;
                int v = step.Outputs[o];
                results[o] = null;
                _owned[v] = true;
                if (r is not TensorValue tv)
                {
                    _others[v] = r;
                    continue;
                }
                var t = tv.Tensor;
                if (_arenaStorage is not null && ReferenceEquals(t.Storage, _arenaStorage))
                {
                    // a view of arena bytes would change under it when a later value reuses them
                    var copy = t.Clone().DetachFromScope();
                    t.Dispose();
                    t = copy;
                }
                _slots[v] = t;
                if (step.CheckShapes && _layout.Metas[v] is { } m && (t.DType != m.DType || t.Shape != m.Shape))
                    throw new ShapeMismatchException(
                        $"{step.Node.OpType} node '{step.Node.Name}': output '{_layout.Index.Values[v].Name}' is {t.DType.Name()}{t.Shape} but the plan recorded {m} for these input shapes; its shape depends on input values, which a static plan cannot follow. Run this graph with the Interpreter.");
            }
        }
        finally
        {
            foreach (var r in results) r?.Dispose();
        }
    }

    private RuntimeValue Value(int v, Node reader) =>
        _others[v] ?? (_slots[v] is { } t ? new TensorValue(t) : throw new ModelFormatException(
            $"{reader}: input '%{_layout.Index.Values[v].Name}' has no value (an optional output that was not produced?)."));

    private void RunAlias(PlanStep step)
    {
        int src = step.Inputs[0], dst = step.Outputs[0];
        var m = _layout.Metas[dst]!.Value;
        _slots[dst] = _slots[src]!.Reshape(m.Shape.ToArray()).DetachFromScope();
        _owned[dst] = true;
    }

    private Tensor[] CollectOutputs(ReadOnlySpan<Tensor> inputs)
    {
        var index = _layout.Index;
        var result = new Tensor[index.OutputSlots.Length];
        for (int i = 0; i < result.Length; i++)
        {
            int v = index.OutputSlots[i];
            var t = _slots[v] ?? throw new ModelFormatException($"Graph '{index.Graph.Name}': output '{index.Values[v].Name}' was not computed.");
            bool fresh = _owned[v] && !_handed[v] && _layout.Kinds[_layout.Root[v]] switch
            {
                ValueKind.OutputOwned => true,
                ValueKind.Fallback => !SharesCallerMemory(t, inputs),
                _ => false,
            };
            if (fresh) { result[i] = t; _handed[v] = true; }
            else if (_handed[v]) result[i] = t.Detach().DetachFromScope();
            else result[i] = t.Clone().DetachFromScope();
        }
        return result;
    }

    private bool SharesCallerMemory(Tensor t, ReadOnlySpan<Tensor> inputs)
    {
        foreach (var x in inputs) if (ReferenceEquals(x.Storage, t.Storage)) return true;
        return _constantStorage.Contains(t.Storage);
    }

    private void Free(int v)
    {
        if (_others[v] is { } r) r.Dispose();
        else if (_owned[v]) _slots[v]?.Dispose();
        _others[v] = null;
        _slots[v] = null;
        _owned[v] = false;
    }

    public void Dispose()
    {
        for (int v = 0; v < _fixed.Length; v++)
            if (_layout.Kinds[v] != ValueKind.Constant) _fixed[v]?.Dispose();
        _arena?.Dispose();
    }
}
