using DeepSeek.Autograd;

namespace DeepSeek.NN.Checkpointing;

/// <summary>
/// Gradient checkpointing (Chen et al., "Training Deep Nets with Sublinear Memory Cost", 2016; PyTorch's
/// reentrant <c>torch.utils.checkpoint</c>): a block runs forward without recording, so its activations are freed
/// at once, and its backward re-runs the forward with recording on to get the gradients. Memory for
/// activations drops from every layer's to one block's plus the block boundaries, for about one extra forward.
/// The block must be deterministic (same result when run again): dropout-style randomness is not replayed.
/// </summary>
public static class Checkpoint
{
    /// <summary>Runs <paramref name="module"/> on <paramref name="input"/> with its activations recomputed in backward.</summary>
    public static Tensor Run(Module<Tensor, Tensor> module, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(module);
        return Run(module.Forward, input, module.Parameters().Select(p => p.ToTensor()));
    }

    /// <summary>
    /// Runs <paramref name="function"/> on <paramref name="input"/> with its activations recomputed in backward.
    /// The function may use tensors it captured; pass those that require grad as <paramref name="capturedParameters"/>
    /// when <paramref name="input"/> itself does not require grad (otherwise nothing is recorded, as nothing would need a gradient).
    /// </summary>
    public static Tensor Run(Func<Tensor, Tensor> function, Tensor input, IEnumerable<Tensor>? capturedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(input);
        bool record = GradMode.IsEnabled && (input.RequiresGrad || (capturedParameters?.Any(p => p.RequiresGrad) ?? false));
        if (!record) return function(input);
        Tensor output;
        using (Tensor.NoGrad()) output = function(input);
        if (ReferenceEquals(output, input) || output.GradFn is not null || output.RequiresGrad)
            output = Detached(output);
        return CustomFunction.Attach(output, new CheckpointBackward(function, input));
    }

    /// <summary>A fresh leaf view when the function returned its input (or another graph tensor) unchanged.</summary>
    private static Tensor Detached(Tensor t)
    {
        using var scope = Tensor.NewScope();
        return scope.MoveToParent(t.Detach());
    }
}

/// <summary>Backward of a checkpointed block: recompute with grad on a detached input, backpropagate, return the input's gradient.</summary>
internal sealed class CheckpointBackward : GradNode
{
    private readonly Func<Tensor, Tensor> _function;
    private readonly bool _inputRequiresGrad;
    private readonly int _version;
    private Tensor? _input; // a private view outside every scope, so the caller's scopes may free the original object

    public CheckpointBackward(Func<Tensor, Tensor> function, Tensor input) : base(input)
    {
        _function = function;
        _inputRequiresGrad = input.RequiresGrad;
        _input = input.Detach().DetachFromScope();
        _version = input.Storage.Version;
    }

    public override string Name => "CheckpointBackward";

    protected override Tensor?[] Backward(Tensor gradOutput)
    {
        var saved = _input ?? throw new InvalidOperationException($"{Name}: the saved input was already freed by an earlier Backward(); pass retainGraph: true to backward twice.");
        if (saved.Storage.Version != _version)
            throw new InvalidOperationException($"{Name}: the block's input (shape {saved.Shape}) was modified in place after the forward pass (version {saved.Storage.Version}, saved at {_version}); the recomputation would be wrong.");
        using var scope = Tensor.NewScope();
        using (Tensor.EnableGrad())
        {
            var x = saved.Detach();
            if (_inputRequiresGrad) x.RequiresGrad = true;
            var y = _function(x);
            if (y.Shape != gradOutput.Shape)
                throw new ShapeMismatchException($"{Name}: the recomputed output has shape {y.Shape}, the first run {gradOutput.Shape}; the block must be deterministic.");
            if (y.RequiresGrad) y.Backward(gradOutput);
            if (x.Grad is not { } gx) return [null];
            return [scope.MoveToParent(gx.Detach())];
        }
    }

    protected override void Release()
    {
        _input?.Dispose();
        _input = null;
    }
}
