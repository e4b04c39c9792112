// The recording run (ONNX Runtime's "memory pattern" idea: a plan is made per input-shape signature): the graph runs
// once on the example inputs with the interpreter's kernels, and every value's concrete type is written down. Values
// the plan will fold (computed from constants and input shapes only) are kept; everything else is freed after its
// last reader, as in the interpreter, so the run needs no more memory than interpreting the graph.
namespace DeepSeek.Graph.Execution;

internal sealed class Recording : IDisposable
{
    public Recording(int values)
    {
        Metas = new TensorMeta?[values];
        Produced = new bool[values];
        Kept = new Tensor?[values];
    }

    /// <summary>Concrete type of each value that was a tensor (null for sequences, optionals and values not produced).</summary>
    public TensorMeta?[] Metas { get; }

    /// <summary>True for values the run produced (any kind).</summary>
    public bool[] Produced { get; }

    /// <summary>Contiguous data of the values asked to be kept (tensors only).</summary>
    public Tensor?[] Kept { get; }

    /// <summary>Frees the kept tensors still held.</summary>
    public void Dispose()
    {
        for (int i = 0; i < Kept.Length; i++)
        {
            Kept[i]?.Dispose();
            Kept[i] = null;
        }
    }
}

internal static class RecordingRun
{
    /// <summary>Runs <paramref name="index"/>'s graph on <paramref name="inputs"/>, keeping the values flagged in <paramref name="keep"/>.</summary>
    public static Recording Run(GraphIndex index, IReadOnlyList<Tensor> inputs, Interpreter interpreter, bool[] keep)
    {
        var graph = index.Graph;
        var rec = new Recording(index.Values.Length);
        var frame = new ExecutionFrame(graph, null);
        var held = new RuntimeValue?[index.Values.Length];
        var borrowed = new bool[index.Values.Length];
        using var noGrad = Tensor.NoGrad();
        try
        {
            for (int i = 0; i < inputs.Count; i++)
            {
                int v = index.InputSlots[i];
                Set(v, new TensorValue(inputs[i]));
                borrowed[v] = true;
            }
            foreach (var c in graph.Constants)
                if (index.Of.TryGetValue(c, out var v) && held[v] is null) Set(v, new TensorValue(c.Constant!.Detach().DetachFromScope()));

            var dead = new List<int>[graph.Nodes.Count];
            for (int v = 0; v < index.Values.Length; v++)
            {
                int at = index.LastStep(v);
                if (at >= 0) (dead[at] ??= new()).Add(v);
            }
            for (int i = 0; i < graph.Nodes.Count; i++)
            {
                var node = graph.Nodes[i];
                long opset = graph.OpsetFor(node.Domain);
                var kernel = interpreter.Registry.Find(node.Domain, node.OpType, opset) ?? throw new UnsupportedOperatorException(
                    $"{node.OpType} (domain '{(node.Domain.Length == 0 ? "ai.onnx" : node.Domain)}', opset {opset}) has no kernel; node {node}.");
                var ins = index.NodeInputs[i];
                var args = new RuntimeValue?[ins.Length];
                for (int k = 0; k < ins.Length; k++)
                    if (ins[k] >= 0)
                        args[k] = held[ins[k]] ?? throw new ModelFormatException($"{node}: input '%{index.Values[ins[k]].Name}' has no value (an optional output that was not produced?).");
                var results = NodeRunner.RunFallback(kernel, node, args, opset, interpreter, frame);
                var outs = index.NodeOutputs[i];
                for (int o = 0; o < results.Length; o++)
                {
                    if (o >= outs.Length) { results[o]?.Dispose(); continue; }
                    if (results[o] is not { } r) continue;
                    Set(outs[o], r);
                }
                if (dead[i] is { } list)
                    foreach (var v in list)
                        if (!keep[v] && !borrowed[v] && !index.IsOutput[v]) Drop(v);
            }
            for (int v = 0; v < index.Values.Length; v++)
                if (keep[v] && held[v] is TensorValue tv && !borrowed[v])
                {
                    var t = tv.Tensor;
                    rec.Kept[v] = t.IsContiguous ? t : Materialize(t);
                    held[v] = null;
                    frame.Remove(index.Values[v], out _);
                }
            return rec;
        }
        catch
        {
            rec.Dispose();
            throw;
        }
        finally
        {
            for (int v = 0; v < held.Length; v++)
                if (held[v] is not null && !borrowed[v]) Drop(v);
        }

        void Set(int v, RuntimeValue r)
        {
            held[v] = r;
            frame.Set(index.Values[v], r);
            rec.Produced[v] = true;
            if (r is TensorValue t) rec.Metas[v] = new TensorMeta(t.Tensor.DType, new Shape(t.Tensor.Shape.ToArray()));
        }

        void Drop(int v)
        {
            held[v]?.Dispose();
            held[v] = null;
            frame.Remove(index.Values[v], out _);
        }
    }

    private static Tensor Materialize(Tensor t)
    {
        using (t) return t.Clone().DetachFromScope();
    }
}
