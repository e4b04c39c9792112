namespace DeepSeek;

/// <summary>
/// Frees every tensor created inside it when disposed, except those moved out with
/// <see cref="Tensor.MoveToOuterScope"/> or <see cref="Tensor.DetachFromScope"/>.
/// Scopes nest and flow with async calls (the current scope is an <see cref="AsyncLocal{T}"/>).
/// </summary>
/// <example><code>
/// using (Tensor.NewScope())
/// {
///     var y = (x * 2 + 1).Relu();
///     result = y.Sum().MoveToOuterScope();
/// } // every other intermediate is back in the pool here
/// </code></example>
public sealed class TensorScope : IDisposable
{
    private static readonly AsyncLocal<TensorScope?> CurrentScope = new();
    private readonly List<Tensor> _tensors = new();
    private bool _disposed;

    internal TensorScope()
    {
        Parent = CurrentScope.Value;
        CurrentScope.Value = this;
    }

    /// <summary>The innermost scope on this logical call path, or null.</summary>
    public static TensorScope? Current => CurrentScope.Value;

    /// <summary>The scope that was current when this one was opened.</summary>
    public TensorScope? Parent { get; }

    /// <summary>Number of tensors this scope will free.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var t in _tensors) if (ReferenceEquals(t.Scope, this) && !t.IsDisposed) n++;
            return n;
        }
    }

    internal void Register(Tensor t)
    {
        if (_disposed) throw new InvalidOperationException("TensorScope was already disposed; cannot register a tensor in it.");
        t.Scope = this;
        _tensors.Add(t);
    }

    /// <summary>
    /// Hands <paramref name="tensor"/> to the parent scope (or to nobody at top level) when this scope owns it;
    /// a tensor owned by another scope is left alone. Returns the tensor.
    /// </summary>
    public Tensor MoveToParent(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (ReferenceEquals(tensor.Scope, this)) tensor.MoveToOuterScope();
        return tensor;
    }

    /// <summary>Disposes every tensor still owned by this scope and makes the parent current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (ReferenceEquals(CurrentScope.Value, this)) CurrentScope.Value = Parent;
        foreach (var t in _tensors)
            if (ReferenceEquals(t.Scope, this)) t.Dispose();
        _tensors.Clear();
    }
}
