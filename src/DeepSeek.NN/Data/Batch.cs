namespace DeepSeek.NN.Data;

/// <summary>
/// One batch from a <see cref="DataLoader{TItem}"/>: the collated tensors (by default item part k stacked along a new
/// dim 0 gives <c>Tensors[k]</c>) and the dataset indices they came from. The batch owns its tensors; it is disposed by
/// the loader's enumerator when the enumerator advances or is disposed. To keep a tensor longer, <c>Clone()</c> it.
/// </summary>
public sealed class Batch : IDisposable
{
    private readonly Tensor[] _tensors;
    private int _disposed;

    /// <summary>Takes ownership of <paramref name="tensors"/> (removing them from any <see cref="TensorScope"/>).</summary>
    public Batch(IReadOnlyList<Tensor> tensors, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(indices);
        _tensors = tensors.ToArray();
        foreach (var t in _tensors)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            t.DetachFromScope();
        }
        Indices = indices.ToArray();
    }

    /// <summary>The collated tensors, one per item part.</summary>
    public IReadOnlyList<Tensor> Tensors => _tensors;

    /// <summary>The first tensor (the model inputs, by convention).</summary>
    public Tensor Inputs => _tensors.Length > 0 ? _tensors[0] : throw new InvalidOperationException("Batch: it holds no tensors.");

    /// <summary>The second tensor (the targets, by convention); throws when items had only one part.</summary>
    public Tensor Targets => _tensors.Length > 1 ? _tensors[1]
        : throw new InvalidOperationException($"Batch: it holds {_tensors.Length} tensor(s); Targets is the second one. Items need an input and a target part.");

    /// <summary>Dataset indices of the items, in batch order.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Number of items in the batch.</summary>
    public int Size => Indices.Count;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Frees the batch's tensors.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var t in _tensors) t.Dispose();
    }
}

/// <summary>Collate functions: how a list of items becomes the tensors of a batch.</summary>
public static class Collate
{
    /// <summary>
    /// Stacks part k of every item along a new dimension 0 (torch's default_collate for tuples of tensors).
    /// Every item must have the same number of parts with equal shapes per part; the results are new tensors.
    /// </summary>
    public static Tensor[] Stack(IReadOnlyList<Tensor[]> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) throw new ArgumentException("Collate.Stack: no items to collate.", nameof(items));
        int parts = items[0].Length;
        for (int i = 1; i < items.Count; i++)
            if (items[i].Length != parts)
                throw new ArgumentException($"Collate.Stack: item {i} has {items[i].Length} tensors but item 0 has {parts}.", nameof(items));
        var result = new Tensor[parts];
        try
        {
            var column = new Tensor[items.Count];
            for (int p = 0; p < parts; p++)
            {
                for (int i = 0; i < items.Count; i++) column[i] = items[i][p];
                result[p] = Tensor.Stack(column, 0);
            }
            return result;
        }
        catch
        {
            foreach (var t in result) t?.Dispose();
            throw;
        }
    }

    /// <summary>Stacks single-tensor items along a new dimension 0.</summary>
    public static Tensor[] Stack(IReadOnlyList<Tensor> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) throw new ArgumentException("Collate.Stack: no items to collate.", nameof(items));
        return [Tensor.Stack(items, 0)];
    }
}
