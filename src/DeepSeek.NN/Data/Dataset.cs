using System.Collections;

namespace DeepSeek.NN.Data;

/// <summary>
/// A map-style dataset: <see cref="Count"/> items addressed by index (like torch.utils.data.Dataset).
/// Items that hold tensors are new objects owned by the caller: whoever reads an item disposes its tensors
/// (the <see cref="DataLoader{TItem}"/> does this after collating a batch).
/// </summary>
public interface IDataset<out TItem>
{
    /// <summary>Number of items.</summary>
    int Count { get; }

    /// <summary>Item <paramref name="index"/> in [0, <see cref="Count"/>).</summary>
    TItem this[int index] { get; }
}

/// <summary>Base class for datasets: index checking and enumeration on top of <see cref="Get"/>.</summary>
public abstract class Dataset<TItem> : IDataset<TItem>, IEnumerable<TItem>
{
    /// <inheritdoc/>
    public abstract int Count { get; }

    /// <inheritdoc/>
    public TItem this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"{GetType().Name}: index {index} is out of range for a dataset of {Count} items.");
            return Get(index);
        }
    }

    /// <summary>Returns item <paramref name="index"/>, already checked to be in range.</summary>
    protected abstract TItem Get(int index);

    /// <summary>Enumerates the items in index order (each item is owned by the caller).</summary>
    public IEnumerator<TItem> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return Get(i);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
