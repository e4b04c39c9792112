namespace DeepSeek.NN.Optim;

/// <summary>
/// What an optimizer keeps for one parameter between steps: its step count and named buffers
/// ("momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"), owned by the optimizer.
/// </summary>
public sealed class ParameterState : IDisposable
{
    private readonly Dictionary<string, Tensor> _buffers = new(StringComparer.Ordinal);

    /// <summary>Number of updates applied to this parameter (used by optimizers with bias correction).</summary>
    public long Step { get; set; }

    /// <summary>The buffers by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Buffers => _buffers;

    /// <summary>The buffer <paramref name="name"/>, or null before it is created.</summary>
    public Tensor? Get(string name) => _buffers.GetValueOrDefault(name);

    /// <summary>The buffer <paramref name="name"/>, created by <paramref name="create"/> the first time.</summary>
    public Tensor GetOrCreate(string name, Func<Tensor> create)
    {
        if (_buffers.TryGetValue(name, out var t)) return t;
        t = create();
        Set(name, t);
        return t;
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="name"/> (taken out of any scope; the previous buffer is disposed).</summary>
    public void Set(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        value.DetachFromScope();
        if (_buffers.TryGetValue(name, out var old) && !ReferenceEquals(old, value)) old.Dispose();
        _buffers[name] = value;
    }

    /// <summary>Frees the buffers.</summary>
    public void Dispose()
    {
        foreach (var t in _buffers.Values) t.Dispose();
        _buffers.Clear();
    }
}
