// Tracing (as torch.jit.trace / torch.onnx.export do): run a function once on example inputs with an IOpTracer active,
// turning each recorded op into an IR node (opset 17); tensors read but never produced become constants (parameters).
using DeepSeek.Tracing;

namespace DeepSeek.Graph;

/// <summary>Traces eager DeepSeek code (a module's forward) into the IR <see cref="Graph"/>.</summary>
public static class Tracer
{
    /// <summary>ONNX opset the traced graph imports.</summary>
    public const long Opset = 17;

    /// <summary>Traces <paramref name="f"/> run on <paramref name="exampleInputs"/> with default options.</summary>
    public static Graph Trace(Func<Tensor[], Tensor[]> f, params Tensor[] exampleInputs) => Trace(f, new TraceOptions(), exampleInputs);

    /// <summary>Traces a one-input, one-output function (e.g. <c>x => model.Forward(x)</c>).</summary>
    public static Graph Trace(Func<Tensor, Tensor> f, Tensor exampleInput, TraceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Trace(xs => [f(xs[0])], options ?? new TraceOptions(), exampleInput);
    }

    /// <summary>
    /// Runs <paramref name="f"/> once on <paramref name="exampleInputs"/> (without autograd) and returns the graph of the ops
    /// it ran: example inputs become graph inputs, recorded ops become nodes and every other tensor read (parameters,
    /// buffers, scalars) becomes a constant holding a copy of its current value. Python-style control flow is
    /// specialised to the traced path (<c>Tensor.Cond</c> records an ONNX If that keeps both branches). Throws <see cref="UnsupportedOperatorException"/> when a value comes from an
    /// op that cannot record itself.
    /// </summary>
    public static Graph Trace(Func<Tensor[], Tensor[]> f, TraceOptions options, params Tensor[] exampleInputs) =>
        TraceCore(f, options, exampleInputs, guardHostReads: false).Graph;

    /// <summary>
    /// <see cref="Trace(Func{Tensor[], Tensor[]}, TraceOptions, Tensor[])"/> that also returns the traced values the code
    /// read back to the host (Item, ToArray, …) with what it saw; the caller owns the observed copies.
    /// </summary>
    internal static (Graph Graph, IReadOnlyList<HostReadRecord> HostReads) TraceWithHostReads(Func<Tensor[], Tensor[]> f, TraceOptions options, Tensor[] exampleInputs) =>
        TraceCore(f, options, exampleInputs, guardHostReads: true);

    private static (Graph Graph, IReadOnlyList<HostReadRecord> HostReads) TraceCore(Func<Tensor[], Tensor[]> f, TraceOptions options, Tensor[] exampleInputs, bool guardHostReads)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(exampleInputs);
        var graph = new Graph(options.GraphName);
        graph.OpsetImports[""] = Opset;
        var recorder = new TraceRecorder(graph, guardHostReads: guardHostReads);
        Tensor[]? outputs = null;
        try
        {
            for (int i = 0; i < exampleInputs.Length; i++)
            {
                var x = exampleInputs[i] ?? throw new ArgumentNullException(nameof(exampleInputs), $"Trace: example input {i} is null.");
                string name = options.InputNames is { } names && i < names.Count ? names[i] : exampleInputs.Length == 1 ? "input" : $"input_{i}";
                recorder.AddInput(x, graph.AddInput(name, TypeOf(x, options.BatchDimName)));
            }
            using (Tensor.NoGrad())
            using (var scope = OpTrace.Begin(recorder))
            {
                recorder.Scope = scope;
                outputs = f(exampleInputs) ?? throw new ArgumentException("Trace: the traced function returned null.");
            }
            for (int i = 0; i < outputs.Length; i++)
            {
                string name = options.OutputNames is { } names && i < names.Count ? names[i] : outputs.Length == 1 ? "output" : $"output_{i}";
                graph.AddOutput(recorder.OutputValue(outputs[i], name, TypeOf(outputs[i], options.BatchDimName)));
            }
            var reads = recorder.HostReads;
            if (options.FuseLinearToGemm)
            {
                // guarded values are outputs while Linear is fused, so the fusion never folds a bias into a value read back
                int n = graph.Outputs.Count;
                foreach (var r in reads) graph.AddOutput(r.Value);
                LinearToGemm.Run(graph);
                reads = reads.Select((r, i) => r with { Value = graph.Outputs[n + i] }).ToArray();
                graph.Outputs.RemoveRange(n, reads.Count);
            }
            return (graph, reads);
        }
        catch
        {
            foreach (var r in recorder.HostReads) r.Observed.Dispose();
            graph.Dispose();
            throw;
        }
        finally
        {
            if (outputs is not null)
                foreach (var o in outputs)
                    if (o is not null && Array.IndexOf(exampleInputs, o) < 0 && !recorder.IsConstantSource(o)) o.Dispose();
        }
    }

    internal static TensorType TypeOf(Tensor t, string? batchDim)
    {
        var dims = t.Shape.Dims.ToArray().Select((d, i) => i == 0 && batchDim is not null ? Dim.Named(batchDim) : Dim.Of(d)).ToArray();
        return new TensorType(t.DType, dims);
    }
}
