using DeepSeek.Autograd;

namespace DeepSeek;

public sealed partial class Tensor
{
    private bool _requiresGrad;
    private AccumulateGrad? _accumulator;
    private List<Func<Tensor, Tensor?>>? _hooks;

    /// <summary>
    /// True when gradients flow to this tensor: a leaf marked by the user, or the result of an op on such
    /// tensors while grad mode is on. Only leaves of a floating dtype can be set.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad || GradFn is not null;
        set
        {
            CheckAlive("RequiresGrad");
            if (GradFn is not null)
                throw new InvalidOperationException($"RequiresGrad: only leaf tensors can be changed; this tensor (shape {Shape}) was produced by {GradFn.Name}. Use Detach() to get a leaf.");
            if (value && !DType.IsFloatingPoint())
                throw new DTypeMismatchException($"RequiresGrad: only floating tensors can require gradients, got {DType.Name()} with shape {Shape}.");
            _requiresGrad = value;
        }
    }

    /// <summary>Marks this leaf as requiring grad and returns it: <c>var w = Tensor.RandN(3, 4).RequireGrad();</c></summary>
    public Tensor RequireGrad(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>Accumulated gradient of a leaf (or of a tensor that called <see cref="RetainGrad"/>); owned by this tensor.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The node that produced this tensor, or null for leaves.</summary>
    public GradNode? GradFn { get; private set; }

    /// <summary>True when no recorded op produced this tensor.</summary>
    public bool IsLeaf => GradFn is null;

    internal AccumulateGrad Accumulator => _accumulator ??= new AccumulateGrad(this);

    /// <summary>Attaches the node that produced this tensor (op layer only).</summary>
    internal Tensor WithGradFn(GradNode node)
    {
        node.AddRef();
        GradFn = node;
        return this;
    }

    /// <summary>
    /// Computes gradients of this tensor with respect to every leaf that requires grad, adding them into
    /// their <see cref="Grad"/>. <paramref name="gradient"/> defaults to 1 for a one-element tensor.
    /// Saved activations are freed unless <paramref name="retainGraph"/> is true.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false)
    {
        CheckAlive("Backward");
        if (gradient is null)
        {
            if (Numel != 1)
                throw new ShapeMismatchException($"Backward: gradient can be implicit only for one-element outputs, this tensor has shape {Shape}; pass a gradient of that shape.");
            using var ones = OnesLike(this).DetachFromScope();
            Engine.Run(this, ones, retainGraph);
            return;
        }
        gradient.CheckAlive("Backward");
        if (gradient.Shape != Shape)
            throw new ShapeMismatchException($"Backward: gradient shape {gradient.Shape} differs from the tensor's shape {Shape}.");
        using var g = gradient.DetachedView();
        Engine.Run(this, g, retainGraph);
    }

    /// <summary>A view of the same data that is cut off from the graph (a leaf that does not require grad).</summary>
    public Tensor Detach()
    {
        CheckAlive("Detach");
        return View(_shape, _strides, Offset);
    }

    /// <summary>A view not registered with any scope and not part of the graph (for saved tensors).</summary>
    internal Tensor DetachedView()
    {
        var v = View(_shape, _strides, Offset);
        return v.DetachFromScope();
    }

    /// <summary>
    /// Registers <paramref name="hook"/> to see (and optionally replace, by returning a tensor) the gradient
    /// with respect to this tensor each time one is computed.
    /// </summary>
    public void RegisterHook(Func<Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!RequiresGrad) throw new InvalidOperationException($"RegisterHook: tensor of shape {Shape} does not require grad.");
        if (GradFn is not null) GradFn.AddHook(hook);
        else (_hooks ??= new()).Add(hook);
    }

    /// <summary>Makes a non-leaf tensor keep its gradient in <see cref="Grad"/> during backward.</summary>
    public void RetainGrad()
    {
        if (GradFn is null) return; // leaves keep theirs anyway
        GradFn.AddHook(g =>
        {
            if (Grad is null) Grad = g.Clone().DetachFromScope();
            else Grad.AddInPlace(g);
            return null;
        });
    }

    /// <summary>Disposes and clears <see cref="Grad"/>.</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    internal Tensor RunHooks(Tensor grad)
    {
        if (_hooks is null) return grad;
        foreach (var h in _hooks)
        {
            var r = h(grad);
            if (r is not null) grad = r;
        }
        return grad;
    }

    /// <summary>Turns graph recording off until disposed: <c>using (Tensor.NoGrad()) { … }</c>.</summary>
    public static GradModeGuard NoGrad() => GradMode.Set(false);

    /// <summary>Turns graph recording on until disposed (inside a <see cref="NoGrad"/> block).</summary>
    public static GradModeGuard EnableGrad() => GradMode.Set(true);

    /// <summary>Called before an in-place write: bumps the storage version and refuses writes into the graph.</summary>
    internal void BeforeInPlaceWrite(string op)
    {
        if (GradMode.IsEnabled && RequiresGrad)
            throw new InvalidOperationException(
                $"{op}: tensor of shape {Shape} requires grad; in-place ops on tensors that take part in autograd are not supported. Use the out-of-place op, or wrap the update in Tensor.NoGrad() (as optimizers do).");
        Storage.BumpVersion();
    }
}
