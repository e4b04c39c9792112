namespace DeepSeek.Autograd;

/// <summary>
/// Extension point for autograd functions written outside Core (gradient checkpointing, custom fused ops):
/// subclass <see cref="GradNode"/> (its constructor takes the inputs whose gradients it returns) and attach it
/// to the tensor the function produced.
/// </summary>
public static class CustomFunction
{
    /// <summary>
    /// Makes <paramref name="node"/> the producer of <paramref name="result"/>: a backward pass reaching
    /// <paramref name="result"/> calls the node's <c>Backward</c> with its gradient. The result must be a fresh
    /// leaf (computed under <see cref="Tensor.NoGrad"/> or from inputs that need no grad); returns it.
    /// </summary>
    public static Tensor Attach(Tensor result, GradNode node)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(node);
        result.CheckAlive("CustomFunction.Attach");
        if (result.GradFn is not null)
            throw new InvalidOperationException($"CustomFunction.Attach: the tensor of shape {result.Shape} already has grad_fn {result.GradFn.Name}; compute it under Tensor.NoGrad() before attaching {node.Name}.");
        if (result.RequiresGrad)
            throw new InvalidOperationException($"CustomFunction.Attach: the tensor of shape {result.Shape} is a leaf that requires grad; attach {node.Name} to a fresh result instead.");
        if (!result.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"CustomFunction.Attach: only floating tensors carry gradients, got {result.DType.Name()} with shape {result.Shape}.");
        return result.WithGradFn(node);
    }
}
