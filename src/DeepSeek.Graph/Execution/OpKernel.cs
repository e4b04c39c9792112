namespace DeepSeek.Graph.Execution;

/// <summary>
/// What a kernel sees when its node runs: the node (attributes), the input values (null for omitted optional inputs),
/// the opset version in effect, and the interpreter (to run sub-graphs).
/// </summary>
public sealed class OpContext
{
    internal OpContext(Node node, RuntimeValue?[] inputs, long opset, Interpreter interpreter, ExecutionFrame frame)
    {
        Node = node;
        Inputs = inputs;
        Opset = opset;
        Interpreter = interpreter;
        Frame = frame;
    }

    /// <summary>The node being run.</summary>
    public Node Node { get; }

    /// <summary>Input values in order (null = omitted optional input).</summary>
    public IReadOnlyList<RuntimeValue?> Inputs { get; }

    /// <summary>Opset version of the node's domain.</summary>
    public long Opset { get; }

    /// <summary>The running interpreter.</summary>
    public Interpreter Interpreter { get; }

    /// <summary>The environment of the running graph (sub-graphs resolve outer-scope names through it).</summary>
    public ExecutionFrame Frame { get; }

    /// <summary>Number of inputs (trailing omitted inputs may be missing entirely).</summary>
    public int InputCount => Inputs.Count;

    /// <summary>True when input <paramref name="i"/> was given.</summary>
    public bool Has(int i) => i < Inputs.Count && Inputs[i] is not null;

    /// <summary>Input <paramref name="i"/> as a tensor; throws naming the node when it is missing or not a tensor.</summary>
    public Tensor Tensor(int i)
    {
        if (!Has(i)) throw new ModelFormatException($"{Describe()}: required input {i} is missing.");
        return Inputs[i]!.AsTensor($"{Describe()} input {i}");
    }

    /// <summary>Input <paramref name="i"/> as a tensor, or null when omitted.</summary>
    public Tensor? OptionalTensor(int i) => Has(i) ? Inputs[i]!.AsTensor($"{Describe()} input {i}") : null;

    /// <summary>"Conv node 'conv1' (opset 17)" for messages.</summary>
    public string Describe() => $"{Node.OpType} node '{Node.Name}' (opset {Opset})";
}

/// <summary>An operator implementation: turns input values into output values (one per node output).</summary>
public interface IOpKernel
{
    /// <summary>Runs the op. Returned values are owned by the caller; inputs must not be disposed.</summary>
    RuntimeValue?[] Run(OpContext ctx);
}

/// <summary>A kernel from a delegate (most ops are one function).</summary>
public sealed class DelegateKernel(Func<OpContext, RuntimeValue?[]> run) : IOpKernel
{
    /// <inheritdoc/>
    public RuntimeValue?[] Run(OpContext ctx) => run(ctx);
}
