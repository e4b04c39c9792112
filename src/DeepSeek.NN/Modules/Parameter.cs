namespace DeepSeek.NN;

/// <summary>
/// A trainable tensor owned by a <see cref="Module"/>. Converts implicitly to <see cref="Tensor"/>, so it can be
/// passed straight to ops (<c>x.MatMul(weight)</c>). <see cref="Data"/> may be replaced (loading, pruning) while
/// modules and optimizers keep the same Parameter object.
/// </summary>
public sealed class Parameter : IDisposable
{
    private Tensor _data;

    /// <summary>Wraps <paramref name="data"/> (taken out of any scope; this parameter owns it) and marks it as requiring grad.</summary>
    public Parameter(Tensor data, bool requiresGrad = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = Own(data, requiresGrad);
    }

    /// <summary>The values. Setting disposes the previous tensor and takes ownership of the new one.</summary>
    public Tensor Data
    {
        get => _data;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (ReferenceEquals(value, _data)) return;
            bool rg = _data.RequiresGrad;
            var old = _data;
            _data = Own(value, rg);
            old.Dispose();
        }
    }

    /// <summary>Accumulated gradient (null before the first backward pass or after <see cref="ZeroGrad"/>).</summary>
    public Tensor? Grad
    {
        get => _data.Grad;
        set => _data.Grad = value;
    }

    /// <summary>Whether gradients are computed for this parameter (frozen parameters say false).</summary>
    public bool RequiresGrad
    {
        get => _data.RequiresGrad;
        set => _data.RequiresGrad = value;
    }

    /// <summary>Shape of the values.</summary>
    public Shape Shape => _data.Shape;

    /// <summary>Element type of the values.</summary>
    public DType DType => _data.DType;

    /// <summary>Number of elements.</summary>
    public long Numel => _data.Numel;

    /// <summary>Drops the accumulated gradient.</summary>
    public void ZeroGrad() => _data.ZeroGrad();

    /// <summary>The parameter's tensor (for passing to ops).</summary>
    public static implicit operator Tensor(Parameter p) => p?._data ?? throw new ArgumentNullException(nameof(p));

    /// <summary>Same as the implicit conversion.</summary>
    public Tensor ToTensor() => _data;

    /// <summary>Frees the values and the gradient.</summary>
    public void Dispose() => _data.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"Parameter(shape={Shape}, dtype={DType.Name()}, requiresGrad={RequiresGrad})";

    private static Tensor Own(Tensor t, bool requiresGrad)
    {
        if (!t.IsLeaf) t = t.Detach();
        t.DetachFromScope();
        if (t.DType.IsFloatingPoint()) t.RequiresGrad = requiresGrad;
        return t;
    }
}
