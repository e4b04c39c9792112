namespace DeepSeek.NN.Data;

/// <summary>
/// Applies an input transform to part 0 of each item (and optionally a target transform to part 1) of a dataset of
/// tensor tuples; the untransformed tensors are freed.
/// </summary>
public sealed class TransformedDataset : Dataset<Tensor[]>
{
    /// <summary>Wraps <paramref name="dataset"/>; either transform may be null.</summary>
    public TransformedDataset(IDataset<Tensor[]> dataset, ITransform? inputTransform, ITransform? targetTransform = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
        InputTransform = inputTransform;
        TargetTransform = targetTransform;
    }

    /// <summary>The wrapped dataset.</summary>
    public IDataset<Tensor[]> Dataset { get; }

    /// <summary>Transform of part 0, or null.</summary>
    public ITransform? InputTransform { get; }

    /// <summary>Transform of part 1, or null.</summary>
    public ITransform? TargetTransform { get; }

    /// <inheritdoc/>
    public override int Count => Dataset.Count;

    /// <inheritdoc/>
    protected override Tensor[] Get(int index)
    {
        var item = Dataset[index];
        try
        {
            Replace(item, 0, InputTransform);
            Replace(item, 1, TargetTransform);
            return item;
        }
        catch
        {
            foreach (var t in item) t?.Dispose();
            throw;
        }
    }

    private static void Replace(Tensor[] item, int part, ITransform? transform)
    {
        if (transform is null) return;
        if (part >= item.Length)
            throw new InvalidOperationException($"TransformedDataset: items have {item.Length} part(s); there is no part {part} to transform.");
        var old = item[part];
        item[part] = transform.Apply(old);
        old.Dispose();
    }
}
