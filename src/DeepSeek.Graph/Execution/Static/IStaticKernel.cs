// The contract between the static executor and op implementations. The executor knows every value's concrete
// shape before the first planned run (plans are specialised per input shape), so a kernel is prepared once per
// node — attributes parsed, weights pre-packed, scratch sized — and then writes into the arena views it is handed.
namespace DeepSeek.Graph.Execution;

/// <summary>A tensor's concrete element type and shape.</summary>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions.</param>
public readonly record struct TensorMeta(DType DType, Shape Shape)
{
    /// <summary>Bytes of a contiguous tensor of this type.</summary>
    public long Bytes => Shape.Numel * DType.SizeOf();

    /// <inheritdoc/>
    public override string ToString() => $"{DType.Name()}{Shape}";
}

/// <summary>
/// A node's kernel prepared for concrete shapes. <see cref="Run"/> reads <c>inputs</c> (null = omitted optional
/// input; any may be a strided view) and overwrites <c>outputs</c>, which are contiguous, correctly shaped and
/// typed, and must not be resized or disposed. Runs must not allocate tensors in steady state and may be called
/// from several threads at once with different arguments (keep per-run state out of fields).
/// </summary>
public interface IStaticKernel : IDisposable
{
    /// <summary>Computes the outputs.</summary>
    void Run(ReadOnlySpan<Tensor?> inputs, ReadOnlySpan<Tensor> outputs);

    /// <summary>
    /// Index of an input whose buffer output 0 may overwrite (an elementwise op reading each element before writing
    /// it); the planner uses it when that input dies at this node and has output 0's size. −1 = never.
    /// </summary>
    int InPlaceInput => -1;
}

/// <summary>What a static-kernel factory sees: the node, its opset, and the concrete types of its inputs and outputs.</summary>
public sealed class StaticKernelRequest
{
    /// <summary>Creates a request.</summary>
    public StaticKernelRequest(Node node, long opset, IReadOnlyList<TensorMeta?> inputs, IReadOnlyList<TensorMeta> outputs, IReadOnlyList<Tensor?> constants)
    {
        Node = node;
        Opset = opset;
        Inputs = inputs;
        Outputs = outputs;
        Constants = constants;
    }

    /// <summary>The node.</summary>
    public Node Node { get; }

    /// <summary>Opset version of the node's domain.</summary>
    public long Opset { get; }

    /// <summary>Input types (null = omitted optional input).</summary>
    public IReadOnlyList<TensorMeta?> Inputs { get; }

    /// <summary>Output types, as the recording run observed them.</summary>
    public IReadOnlyList<TensorMeta> Outputs { get; }

    /// <summary>Per input: its data when it is a graph constant (weights to pre-pack, shapes to read), else null.</summary>
    public IReadOnlyList<Tensor?> Constants { get; }

    /// <summary>"Conv node 'conv1'" for messages.</summary>
    public string Describe() => $"{Node.OpType} node '{Node.Name}'";
}

/// <summary>Makes a prepared kernel for a request, or returns null when it does not handle that case (the executor then falls back to the interpreter kernel).</summary>
public delegate IStaticKernel? StaticKernelFactory(StaticKernelRequest request);

/// <summary>
/// Static-kernel factories by (domain, op type). Built-in op families add theirs from a
/// <c>public static void RegisterStatic(StaticKernelRegistry)</c> method on an <see cref="OpSetAttribute"/> class.
/// </summary>
public sealed class StaticKernelRegistry
{
    private readonly Dictionary<(string Domain, string Op), List<StaticKernelFactory>> _map = new();

    /// <summary>Every built-in factory.</summary>
    public static StaticKernelRegistry Default { get; } = CreateDefault();

    private static StaticKernelRegistry CreateDefault()
    {
        var r = new StaticKernelRegistry();
        foreach (var t in typeof(StaticKernelRegistry).Assembly.GetTypes())
            if (t.GetCustomAttributes(typeof(OpSetAttribute), false).Length > 0 &&
                t.GetMethod("RegisterStatic", [typeof(StaticKernelRegistry)]) is { IsStatic: true } m)
                m.Invoke(null, [r]);
        return r;
    }

    /// <summary>Adds a factory for <paramref name="op"/>; later registrations are tried first.</summary>
    public void Register(string op, StaticKernelFactory factory, string domain = "")
    {
        var key = (domain == "ai.onnx" ? "" : domain, op);
        if (!_map.TryGetValue(key, out var list)) _map[key] = list = new();
        list.Insert(0, factory);
    }

    /// <summary>A prepared kernel for <paramref name="request"/>, or null when no factory takes it.</summary>
    public IStaticKernel? TryCreate(StaticKernelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var n = request.Node;
        if (!_map.TryGetValue((n.Domain == "ai.onnx" ? "" : n.Domain, n.OpType), out var list)) return null;
        foreach (var f in list)
            if (f(request) is { } k) return k;
        return null;
    }

    /// <summary>True when some factory is registered for the op.</summary>
    public bool Has(string domain, string op) => _map.ContainsKey((domain == "ai.onnx" ? "" : domain, op));
}

/// <summary>A static kernel from a delegate (stateless ops).</summary>
public sealed class DelegateStaticKernel(StaticRun run, int inPlaceInput = -1) : IStaticKernel
{
    /// <inheritdoc/>
    public void Run(ReadOnlySpan<Tensor?> inputs, ReadOnlySpan<Tensor> outputs) => run(inputs, outputs);

    /// <inheritdoc/>
    public int InPlaceInput => inPlaceInput;

    /// <inheritdoc/>
    public void Dispose() { }
}

/// <summary>The body of a <see cref="DelegateStaticKernel"/>.</summary>
public delegate void StaticRun(ReadOnlySpan<Tensor?> inputs, ReadOnlySpan<Tensor> outputs);
