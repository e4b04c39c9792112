// The IOpTracer behind Tracer.Trace: maps tensors (by reference) to IR values, turns recorded ops into nodes and
// tensors read without a producer into constants, rejecting tensors made by ops that could not record themselves.
// It also keeps the host reads of traced values (guards for the compiler); Tensor.Cond lives in TraceCond.cs.
using DeepSeek.Tracing;

namespace DeepSeek.Graph;

internal sealed partial class TraceRecorder : IOpTracer
{
    private readonly Graph _graph;
    private readonly TraceRecorder? _parent;
    private readonly Dictionary<Tensor, Value> _values = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _constantSources = new(ReferenceEqualityComparer.Instance);
    private readonly List<HostReadRecord> _hostReads = new();
    private int _constants;

    /// <summary>
    /// A recorder for <paramref name="graph"/>; <paramref name="parent"/> is the recorder of the enclosing graph of a Cond
    /// branch. With <paramref name="guardHostReads"/> off (plain tracing for export) host reads are not recorded: control
    /// flow is specialised to the traced path, as it always was.
    /// </summary>
    public TraceRecorder(Graph graph, TraceRecorder? parent = null, bool guardHostReads = false)
    {
        _graph = graph;
        _parent = parent;
        _guardHostReads = parent?._guardHostReads ?? guardHostReads;
    }

    private readonly bool _guardHostReads;

    public OpTraceScope? Scope { get; set; }

    /// <summary>Values the traced code read back to the host (root recorder only), in first-read order.</summary>
    public IReadOnlyList<HostReadRecord> HostReads => _hostReads;

    private TraceRecorder Root => _parent?.Root ?? this;

    // Node output names of a branch carry the branch's graph name, so names stay unique across the whole model.
    private string NamePrefix => _parent is null ? "" : _graph.Name + "_";

    public void AddInput(Tensor t, Value v) => _values[t] = v;

    public bool IsConstantSource(Tensor t) => _constantSources.Contains(t);

    public void Constant(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (_values.ContainsKey(t)) return;
        _values[t] = _graph.AddConstant(_graph.FreshName(NamePrefix + "const"), t.Clone());
    }

    // the module path of the recording layer; a layer's second and later nodes get "#1", "#2"… so names stay unique
    private string NodeName()
    {
        string path = OpTrace.CurrentName;
        if (path.Length == 0) return "";
        var used = Root._nodeNames;
        if (used.TryGetValue(path, out int k))
        {
            used[path] = k + 1;
            return $"{path}#{k}";
        }
        used[path] = 1;
        return path;
    }

    private readonly Dictionary<string, int> _nodeNames = new(StringComparer.Ordinal);

    public void Record(string onnxOpType, IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor> outputs, IReadOnlyDictionary<string, object>? attributes)
    {
        var ins = new Value?[inputs.Count];
        for (int i = 0; i < ins.Length; i++) ins[i] = inputs[i] is { } t ? ValueOf(t, onnxOpType) : null;
        int n = ins.Length;
        while (n > 0 && ins[n - 1] is null) n--;
        var node = _graph.AddNode(onnxOpType, ins.Take(n), outputs.Select(_ => _graph.FreshName(NamePrefix + onnxOpType)), name: NodeName());
        for (int i = 0; i < outputs.Count; i++)
        {
            node.Outputs[i].Type = Tracer.TypeOf(outputs[i], null);
            _values[outputs[i]] = node.Outputs[i];
        }
        if (attributes is not null)
            foreach (var (name, value) in attributes) node.Attributes[name] = ToAttribute(onnxOpType, name, value);
    }

    /// <summary>
    /// Remembers that the traced code read <paramref name="t"/> back to the host: when it is computed from the inputs,
    /// its value at trace time becomes a guard. Parameters and constants need none (they do not depend on the inputs).
    /// </summary>
    public void HostRead(Tensor t, string op)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (!_guardHostReads) return;
        var v = Lookup(t);
        if (v is null)
        {
            CheckNotBranchLocal(t, op);
            if (CreatedUntraced(t))
                throw new UnsupportedOperatorException(
                    $"Trace: {op} reads back to the host a tensor of shape {t.Shape} ({t.DType.Name()}) that an operation which cannot be recorded created; " +
                    "the compiled function could not check that value on later calls. Compute it with traceable ops.");
            return; // a parameter, buffer or other tensor the inputs do not influence
        }
        if (v.IsConstant) return;
        if (_parent is not null)
            throw new UnsupportedOperatorException(
                $"Trace: {op} reads the traced value '%{v.Name}' ({t.DType.Name()}{t.Shape}) back to the host inside a Tensor.Cond branch; " +
                "branches are recorded as If sub-graphs and cannot be guarded. Keep branch code in tensor ops (nest another Tensor.Cond).");
        if (_hostReads.Any(r => r.Value == v)) return;
        _hostReads.Add(new HostReadRecord(v, t.Clone().DetachFromScope(), op));
    }

    /// <summary>The graph output for <paramref name="t"/>: an Identity node naming it <paramref name="name"/>.</summary>
    public Value OutputValue(Tensor t, string name, TensorType type)
    {
        ArgumentNullException.ThrowIfNull(t, nameof(t));
        Value v;
        using (Tensor.NoGrad()) v = ValueOf(t, "graph output");
        var id = _graph.AddNode("Identity", [v], [name]).Outputs[0];
        id.Type = type;
        return id;
    }

    /// <summary>The value <paramref name="t"/> is bound to here or in an enclosing recorder, or null.</summary>
    private Value? Lookup(Tensor t) => _values.TryGetValue(t, out var v) ? v : _parent?.Lookup(t);

    private bool CreatedUntraced(Tensor t) => (Scope?.WasCreatedUntraced(t) ?? false) || (_parent?.CreatedUntraced(t) ?? false);

    private Value ValueOf(Tensor t, string consumer)
    {
        if (Lookup(t) is { } v) return v;
        CheckNotBranchLocal(t, consumer);
        if (CreatedUntraced(t))
            throw new UnsupportedOperatorException(
                $"Trace: {consumer} reads a tensor of shape {t.Shape} ({t.DType.Name()}) that was created during tracing by an operation that cannot be recorded; " +
                "express it with traceable ops (Conv2d, BatchNorm, MatMul, elementwise, pooling, views) or pass it in as an input.");
        t.CheckAliveForTrace(consumer);
        return Root.AddParameter(t);
    }

    /// <summary>A tensor no op produced (a parameter, a buffer): a constant of the main graph holding a copy.</summary>
    private Value AddParameter(Tensor t)
    {
        _constantSources.Add(t);
        var v = _graph.AddConstant($"param_{_constants++}", t.Clone());
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

/// <summary>
/// One read of a traced value back to the host: the IR value, what the traced code saw (a copy the record owns) and the
/// reading method (Item, ToArray, …).
/// </summary>
internal sealed record HostReadRecord(Value Value, Tensor Observed, string Op);

internal static class TraceTensorExtensions
{
    public static void CheckAliveForTrace(this Tensor t, string consumer)
    {
        if (t.IsDisposed)
            throw new TensorDisposedException($"Trace: {consumer} reads a tensor of shape {t.Shape} ({t.DType.Name()}) that was already disposed.");
    }
}
