// The IOpTracer behind Tracer.Trace: maps tensors (by reference) to IR values, turns recorded ops into nodes and
// tensors read without a producer into constants, rejecting tensors made by ops that could not record themselves.
using DeepSeek.Tracing;

namespace DeepSeek.Graph;

internal sealed class TraceRecorder(Graph graph) : IOpTracer
{
    private readonly Dictionary<Tensor, Value> _values = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _constantSources = new(ReferenceEqualityComparer.Instance);
    private int _constants;

    public OpTraceScope? Scope { get; set; }

    public void AddInput(Tensor t, Value v) => _values[t] = v;

    public bool IsConstantSource(Tensor t) => _constantSources.Contains(t);

    public void Constant(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (_values.ContainsKey(t)) return;
        _values[t] = graph.AddConstant(graph.FreshName("const"), t.Clone());
    }

    public void Record(string onnxOpType, IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor> outputs, IReadOnlyDictionary<string, object>? attributes)
    {
        var ins = new Value?[inputs.Count];
        for (int i = 0; i < ins.Length; i++) ins[i] = inputs[i] is { } t ? ValueOf(t, onnxOpType) : null;
        int n = ins.Length;
        while (n > 0 && ins[n - 1] is null) n--;
        var node = graph.AddNode(onnxOpType, ins.Take(n), outputs.Select(_ => ""));
        for (int i = 0; i < outputs.Count; i++)
        {
            node.Outputs[i].Type = Tracer.TypeOf(outputs[i], null);
            _values[outputs[i]] = node.Outputs[i];
        }
        if (attributes is not null)
            foreach (var (name, value) in attributes) node.Attributes[name] = ToAttribute(onnxOpType, name, value);
    }

    /// <summary>The graph output for <paramref name="t"/>: an Identity node naming it <paramref name="name"/>.</summary>
    public Value OutputValue(Tensor t, string name, TensorType type)
    {
        ArgumentNullException.ThrowIfNull(t, nameof(t));
        Value v;
        using (Tensor.NoGrad()) v = ValueOf(t, "graph output");
        var id = graph.AddNode("Identity", [v], [name]).Outputs[0];
        id.Type = type;
        return id;
    }

    private Value ValueOf(Tensor t, string consumer)
    {
        if (_values.TryGetValue(t, out var v)) return v;
        if (Scope is not null && Scope.WasCreatedUntraced(t))
            throw new UnsupportedOperatorException(
                $"Trace: {consumer} reads a tensor of shape {t.Shape} ({t.DType.Name()}) that was created during tracing by an operation that cannot be recorded; " +
                "express it with traceable ops (Conv2d, BatchNorm, MatMul, elementwise, pooling, views) or pass it in as an input.");
        t.CheckAliveForTrace(consumer);
        _constantSources.Add(t);
        v = graph.AddConstant($"param_{_constants++}", t.Clone());
        _values[t] = v;
        return v;
    }

    private static AttributeValue ToAttribute(string op, string name, object value) => value switch
    {
        long l => AttributeValue.Of(l),
        int i => AttributeValue.Of((long)i),
        float f => AttributeValue.Of(f),
        double d => AttributeValue.Of((float)d),
        string s => AttributeValue.Of(s),
        long[] ls => AttributeValue.Of(ls),
        int[] iss => AttributeValue.Of(iss.Select(x => (long)x).ToArray()),
        float[] fs => AttributeValue.Of(fs),
        _ => throw new UnsupportedOperatorException($"Trace: {op} attribute '{name}' has unsupported type {value.GetType().Name}."),
    };
}

internal static class TraceTensorExtensions
{
    public static void CheckAliveForTrace(this Tensor t, string consumer)
    {
        if (t.IsDisposed)
            throw new TensorDisposedException($"Trace: {consumer} reads a tensor of shape {t.Shape} ({t.DType.Name()}) that was already disposed.");
    }
}
