namespace DeepSeek.Autograd;

/// <summary>
/// One recorded op in the autograd graph (define-by-run: nodes are created as ops execute, so ordinary C#
/// control flow decides the graph). A node knows the nodes that produced its inputs (<see cref="Next"/>) and
/// turns the gradient of its output into gradients of its inputs.
/// </summary>
public abstract class GradNode
{
    private List<Func<Tensor, Tensor?>>? _hooks;

    /// <summary>Creates a node whose inputs are <paramref name="inputs"/> (entries that need no grad may be null).</summary>
    protected GradNode(params Tensor?[] inputs)
    {
        Next = new GradNode?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            Next[i] = inputs[i] is { } t ? Edge(t) : null;
            Next[i]?.AddRef();
        }
    }

    // Live references: tensors whose GradFn this is, plus edges from downstream nodes. When the count reaches
    // zero nothing can run this node's backward any more, so its saved tensors are released at once (and the
    // release cascades upstream) — a forward pass recorded without a Backward() frees its activations as soon as
    // its outputs are disposed, like PyTorch's reference-counted graph.
    private int _refs;

    internal void AddRef() => Interlocked.Increment(ref _refs);

    internal void DropRef()
    {
        if (this is AccumulateGrad) return;
        if (Interlocked.Decrement(ref _refs) != 0) return;
        ReleaseSaved();
        foreach (var n in Next) n?.DropRef();
    }

    /// <summary>The op name shown in errors and graph dumps ("MulBackward").</summary>
    public virtual string Name => GetType().Name;

    /// <summary>For each input, the node its gradient flows to (null when that input needs no gradient).</summary>
    public GradNode?[] Next { get; }

    /// <summary>True once <see cref="ReleaseSaved"/> ran (after a backward pass without retainGraph).</summary>
    public bool IsReleased { get; private set; }

    /// <summary>
    /// Gradients of the inputs, one per entry of <see cref="Next"/>, each with its input's shape and dtype
    /// (null where <see cref="Next"/> is null or the gradient is zero by structure). Runs with grad mode off.
    /// </summary>
    protected internal abstract Tensor?[] Backward(Tensor gradOutput);

    /// <summary>Drops saved tensors so their memory returns to the pool.</summary>
    protected virtual void Release() { }

    internal void ReleaseSaved()
    {
        if (IsReleased || this is AccumulateGrad) return; // a leaf's sink lives as long as the leaf
        IsReleased = true;
        Release();
    }

    internal void AddHook(Func<Tensor, Tensor?> hook) => (_hooks ??= new()).Add(hook);

    /// <summary>Runs hooks registered on this node's output; each may replace the gradient.</summary>
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

    /// <summary>The node a gradient for <paramref name="t"/> flows to: its producer, its leaf accumulator, or null.</summary>
    internal static GradNode? Edge(Tensor t) => t.GradFn ?? (t.RequiresGrad ? t.Accumulator : null);

    /// <summary>Keeps <paramref name="t"/> for the backward pass (a private view, checked against later in-place writes).</summary>
    protected static SavedTensor Save(Tensor t) => new(t);
}

/// <summary>
/// A tensor kept for backward: a private view of the same storage (so scopes may free the original object)
/// plus the storage version at save time, so an in-place write before backward is caught.
/// </summary>
public sealed class SavedTensor
{
    private Tensor? _view;
    private readonly int _version;
    private readonly string _desc;

    internal SavedTensor(Tensor t)
    {
        _view = t.DetachedView();
        _version = t.Storage.Version;
        _desc = $"tensor of shape {t.Shape} and dtype {t.DType.Name()}";
    }

    /// <summary>The saved tensor; throws if it was released or modified in place since it was saved.</summary>
    public Tensor Get(string node)
    {
        var v = _view ?? throw new InvalidOperationException(
            $"{node}: its saved {_desc} was already freed by an earlier Backward(); pass retainGraph: true to backward through the graph twice.");
        if (v.Storage.Version != _version)
            throw new InvalidOperationException(
                $"{node}: a saved {_desc} was modified in place after it was used (version {v.Storage.Version}, saved at {_version}); the gradient would be wrong. Use an out-of-place op.");
        return v;
    }

    /// <summary>Frees the saved view (called from a node's <c>Release</c>).</summary>
    public void Release()
    {
        _view?.Dispose();
        _view = null;
    }
}

/// <summary>The sink of a leaf tensor: adds incoming gradients into <see cref="Tensor.Grad"/>.</summary>
internal sealed class AccumulateGrad : GradNode
{
    public AccumulateGrad(Tensor leaf) : base() => Leaf = leaf;

    public Tensor Leaf { get; }

    public override string Name => "AccumulateGrad";

    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var g = Leaf.RunHooks(gradOutput);
        if (Leaf.IsDisposed) return Array.Empty<Tensor?>();
        if (Leaf.Grad is null)
        {
            var copy = g.DType == Leaf.DType ? g.Clone() : g.To(Leaf.DType);
            Leaf.Grad = copy.DetachFromScope();
        }
        else Leaf.Grad.AddInPlace(g);
        return Array.Empty<Tensor?>();
    }
}
