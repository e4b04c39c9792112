namespace DeepSeek.Graph.Execution;

/// <summary>The values of one running graph; sub-graph frames look up outer-scope names in their parent.</summary>
public sealed class ExecutionFrame
{
    private readonly Dictionary<Value, RuntimeValue> _values = new();

    internal ExecutionFrame(Graph graph, ExecutionFrame? parent)
    {
        Graph = graph;
        Parent = parent;
    }

    /// <summary>The graph this frame runs.</summary>
    public Graph Graph { get; }

    /// <summary>The enclosing frame (for sub-graphs).</summary>
    public ExecutionFrame? Parent { get; }

    internal void Set(Value v, RuntimeValue r) => _values[v] = r;

    internal bool Remove(Value v, out RuntimeValue? r) => _values.Remove(v, out r);

    /// <summary>The current value of <paramref name="v"/> here or in an enclosing frame.</summary>
    public RuntimeValue? Lookup(Value v) => _values.TryGetValue(v, out var r) ? r : Parent?.Lookup(v);

    internal IEnumerable<RuntimeValue> All => _values.Values;
}

/// <summary>
/// Runs a graph node by node with kernels from an <see cref="OpRegistry"/> (inference: grad mode is off).
/// Intermediate values are freed after their last use; outputs belong to the caller.
/// </summary>
public sealed class Interpreter
{
    /// <summary>Creates an interpreter over <paramref name="registry"/> (default: every built-in kernel).</summary>
    public Interpreter(OpRegistry? registry = null) => Registry = registry ?? OpRegistry.Default;

    /// <summary>The kernels.</summary>
    public OpRegistry Registry { get; }

    /// <summary>
    /// Verifies that every node, in sub-graphs too, has a kernel for its opset; throws
    /// <see cref="UnsupportedOperatorException"/> listing each missing op with its domain and opset.
    /// </summary>
    public void Check(Graph graph)
    {
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        Collect(graph, missing);
        if (missing.Count > 0)
            throw new UnsupportedOperatorException($"Graph '{graph.Name}': no kernel for {string.Join(", ", missing)}.");
    }

    private void Collect(Graph g, SortedSet<string> missing)
    {
        foreach (var n in g.Nodes)
        {
            long opset = g.OpsetFor(n.Domain);
            if (Registry.Find(n.Domain, n.OpType, opset) is null)
                missing.Add($"{(n.Domain.Length == 0 ? "ai.onnx" : n.Domain)}::{n.OpType} (opset {opset})");
            foreach (var a in n.Attributes.Values)
            {
                if (a.Raw is Graph sg) Collect(sg, missing);
                else if (a.Raw is Graph[] gs) foreach (var s in gs) Collect(s, missing);
            }
        }
    }

    /// <summary>Runs <paramref name="graph"/> with inputs by name; returns its outputs by name (caller disposes them).</summary>
    public Dictionary<string, RuntimeValue> Run(Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(inputs);
        var values = new List<RuntimeValue>();
        foreach (var input in graph.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out var v))
            {
                if (input.IsConstant) continue; // an initializer listed as input keeps its default
                throw new ArgumentException($"Graph '{graph.Name}': input '{input.Name}' was not given (expected {input.Type?.ToString() ?? "a value"}).");
            }
            values.Add(v);
        }
        foreach (var name in inputs.Keys)
            if (!graph.Inputs.Any(i => i.Name == name))
                throw new ArgumentException($"Graph '{graph.Name}': unknown input '{name}'; inputs are {string.Join(", ", graph.Inputs.Select(i => i.Name))}.");
        var outs = RunGraph(graph, graph.Inputs.Where(i => inputs.ContainsKey(i.Name)).Select(i => inputs[i.Name]).ToList(), null,
            graph.Inputs.Where(i => inputs.ContainsKey(i.Name)).ToList());
        var result = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Outputs.Count; i++) result[graph.Outputs[i].Name] = outs[i];
        return result;
    }

    /// <summary>
    /// Runs a sub-graph (If branch, Loop/Scan body) with positional inputs, resolving outer names through
    /// <paramref name="outer"/>. Inputs stay owned by the caller; returned values belong to the caller.
    /// </summary>
    public List<RuntimeValue> RunSubgraph(Graph graph, IReadOnlyList<RuntimeValue> inputs, ExecutionFrame outer)
    {
        if (inputs.Count != graph.Inputs.Count)
            throw new ModelFormatException($"Sub-graph '{graph.Name}' expects {graph.Inputs.Count} inputs, got {inputs.Count}.");
        return RunGraph(graph, inputs, outer, graph.Inputs);
    }

    private List<RuntimeValue> RunGraph(Graph graph, IReadOnlyList<RuntimeValue> inputs, ExecutionFrame? outer, IReadOnlyList<Value> inputValues)
    {
        using var noGrad = Tensor.NoGrad();
        var frame = new ExecutionFrame(graph, outer);
        var borrowed = new HashSet<Value>();
        for (int i = 0; i < inputValues.Count; i++)
        {
            frame.Set(inputValues[i], inputs[i]);
            borrowed.Add(inputValues[i]);
        }
        foreach (var c in graph.Constants)
            if (frame.Lookup(c) is null) frame.Set(c, new TensorValue(c.Constant!.Detach().DetachFromScope()));

        var lastUse = LastUses(graph);
        var observer = ExecutionObserver.Current;
        var keep = new HashSet<Value>(graph.Outputs);
        try
        {
            for (int idx = 0; idx < graph.Nodes.Count; idx++)
            {
                var node = graph.Nodes[idx];
                long opset = graph.OpsetFor(node.Domain);
                var kernel = Registry.Find(node.Domain, node.OpType, opset) ?? throw new UnsupportedOperatorException(
                    $"{node.OpType} (domain '{(node.Domain.Length == 0 ? "ai.onnx" : node.Domain)}', opset {opset}) has no kernel; node {node}.");
                var args = new RuntimeValue?[node.Inputs.Count];
                for (int i = 0; i < args.Length; i++)
                {
                    var v = node.Inputs[i];
                    if (v is null) continue;
                    args[i] = frame.Lookup(v) ?? throw new ModelFormatException($"{node}: input '%{v.Name}' has no value (an optional output that was not produced?).");
                }
                RuntimeValue?[] results;
                long start = observer is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
                using (var scope = Tensor.NewScope())
                {
                    try
                    {
                        results = kernel.Run(new OpContext(node, args, opset, this, frame));
                    }
                    catch (Exception e) when (observer is not null && Notify(observer, node, e))
                    {
                        throw; // never reached: Notify returns false so the exception keeps propagating
                    }
                    catch (DeepSeekException e) when (e is not UnsupportedOperatorException && !e.Message.Contains(node.OpType, StringComparison.Ordinal))
                    {
                        throw Wrap(e, node);
                    }
                    foreach (var r in results) if (r is not null) Own(r);
                }
                if (observer is not null)
                {
                    long end = System.Diagnostics.Stopwatch.GetTimestamp();
                    observer.OnNode(new NodeExecution(node, ExecutionObserver.MetasOf(args, args.Length), ExecutionObserver.MetasOf(results, node.Outputs.Count),
                        start, end, Environment.CurrentManagedThreadId, ExecutorKind.Interpreter));
                }
                for (int o = 0; o < node.Outputs.Count; o++)
                {
                    var r = o < results.Length ? results[o] : null;
                    if (r is not null) frame.Set(node.Outputs[o], r);
                }
                for (int o = node.Outputs.Count; o < results.Length; o++) results[o]?.Dispose();
                // free values whose last reader was this node
                if (lastUse.TryGetValue(idx, out var dead))
                    foreach (var v in dead)
                        if (!keep.Contains(v) && !borrowed.Contains(v) && frame.Remove(v, out var old)) old!.Dispose();
            }
            var outputs = new List<RuntimeValue>(graph.Outputs.Count);
            var taken = new Dictionary<Value, RuntimeValue>();
            foreach (var o in graph.Outputs)
            {
                if (taken.TryGetValue(o, out var again)) { outputs.Add(again.Share()); continue; }
                if (!borrowed.Contains(o) && frame.Remove(o, out var mine))
                {
                    taken[o] = mine!;
                    outputs.Add(mine!);
                    continue;
                }
                // graph inputs and outer-scope values stay with their owners: hand out views
                var r = frame.Lookup(o) ?? throw new ModelFormatException($"Graph '{graph.Name}': output '%{o.Name}' was not computed.");
                outputs.Add(r.Share());
            }
            return outputs;
        }
        finally
        {
            foreach (var v in graph.Values.ToList())
                if (!borrowed.Contains(v) && frame.Remove(v, out var r)) r!.Dispose();
        }
    }

    private static bool Notify(ExecutionObserver observer, Node node, Exception e)
    {
        observer.OnNodeFailed(node, e);
        return false;
    }

    private static DeepSeekException Wrap(DeepSeekException e, Node node)
    {
        var msg = $"{node.OpType} node '{node.Name}': {e.Message}";
        return e switch
        {
            ShapeMismatchException => new ShapeMismatchException(msg, e),
            DTypeMismatchException => new DTypeMismatchException(msg, e),
            AxisOutOfRangeException => new AxisOutOfRangeException(msg, e),
            ModelFormatException => new ModelFormatException(msg, e),
            _ => new DeepSeekException(msg, e),
        };
    }

    private static void Own(RuntimeValue r)
    {
        switch (r)
        {
            case TensorValue t: t.Tensor.DetachFromScope(); break;
            case SequenceValue s: foreach (var t in s.Items) t.DetachFromScope(); break;
            case OptionalValue o when o.Inner is not null: Own(o.Inner); break;
        }
    }

    // node index → values (defined in this graph) whose last reader is that node; readers inside sub-graphs count
    // as reads by the node that owns the sub-graph.
    private static Dictionary<int, List<Value>> LastUses(Graph graph)
    {
        var last = new Dictionary<Value, int>();
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var n = graph.Nodes[i];
            foreach (var v in n.Inputs) if (v is not null) last[v] = i;
            foreach (var a in n.Attributes.Values)
            {
                if (a.Raw is Graph g) foreach (var v in FreeValues(g)) last[v] = i;
                else if (a.Raw is Graph[] gs) foreach (var s in gs) foreach (var v in FreeValues(s)) last[v] = i;
            }
        }
        var result = new Dictionary<int, List<Value>>();
        foreach (var (v, i) in last)
        {
            if (!result.TryGetValue(i, out var list)) result[i] = list = new();
            list.Add(v);
        }
        return result;
    }

    // values a sub-graph reads from enclosing graphs
    private static IEnumerable<Value> FreeValues(Graph g)
    {
        foreach (var n in g.Nodes)
        {
            foreach (var v in n.Inputs)
                if (v is not null && v.Producer?.Owner != g && !g.Inputs.Contains(v) && !g.Constants.Contains(v)) yield return v;
            foreach (var a in n.Attributes.Values)
            {
                if (a.Raw is Graph sg) foreach (var v in FreeValues(sg)) yield return v;
                else if (a.Raw is Graph[] gs) foreach (var s in gs) foreach (var v in FreeValues(s)) yield return v;
            }
        }
        foreach (var o in g.Outputs)
            if (o.Producer?.Owner != g && !g.Inputs.Contains(o) && !g.Constants.Contains(o)) yield return o;
    }
}
