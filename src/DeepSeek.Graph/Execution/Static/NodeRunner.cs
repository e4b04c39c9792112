// Running one node outside the interpreter's own loop: interpreter kernels (the fallback path and the recording run)
// get the same scope discipline as in Interpreter (temporaries freed, results owned by the caller), and errors from
// any kernel are re-thrown with the node named, keeping the exception type callers catch.
namespace DeepSeek.Graph.Execution;

internal static class NodeRunner
{
    /// <summary>Runs interpreter kernel <paramref name="kernel"/> on <paramref name="args"/>; results belong to the caller.</summary>
    public static RuntimeValue?[] RunFallback(IOpKernel kernel, Node node, RuntimeValue?[] args, long opset, Interpreter interpreter, ExecutionFrame frame)
    {
        using var scope = Tensor.NewScope();
        RuntimeValue?[] results;
        try
        {
            results = kernel.Run(new OpContext(node, args, opset, interpreter, frame));
        }
        catch (Exception e) when (Wrap(e, node) is { } wrapped)
        {
            throw wrapped;
        }
        foreach (var r in results) if (r is not null) Own(r);
        return results;
    }

    /// <summary>Takes <paramref name="r"/>'s tensors out of every scope (the caller frees them).</summary>
    public static void Own(RuntimeValue r)
    {
        switch (r)
        {
            case TensorValue t: t.Tensor.DetachFromScope(); break;
            case SequenceValue s: foreach (var t in s.Items) t.DetachFromScope(); break;
            case OptionalValue o when o.Inner is not null: Own(o.Inner); break;
        }
    }

    /// <summary>
    /// The same kind of exception with "Op node 'name': " in front, or null when the message already names the op
    /// (kernels that describe themselves) or the type cannot be rebuilt.
    /// </summary>
    public static Exception? Wrap(Exception e, Node node)
    {
        if (e is UnsupportedOperatorException || e.Message.Contains($"{node.OpType} node '{node.Name}'", StringComparison.Ordinal)) return null;
        var msg = $"{node.OpType} node '{node.Name}': {e.Message}";
        return e switch
        {
            ShapeMismatchException => new ShapeMismatchException(msg, e),
            DTypeMismatchException => new DTypeMismatchException(msg, e),
            AxisOutOfRangeException => new AxisOutOfRangeException(msg, e),
            DeviceMismatchException => new DeviceMismatchException(msg, e),
            ModelFormatException => new ModelFormatException(msg, e),
            DeepSeekException => new DeepSeekException(msg, e),
            IndexOutOfRangeException => new IndexOutOfRangeException(msg, e),
            DivideByZeroException => new DivideByZeroException(msg, e),
            ArgumentException => new ArgumentException(msg, e),
            _ => null,
        };
    }
}
