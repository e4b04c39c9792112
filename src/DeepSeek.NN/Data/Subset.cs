namespace DeepSeek.NN.Data;

/// <summary>The items of another dataset at chosen indices (torch.utils.data.Subset).</summary>
public sealed class Subset<TItem> : Dataset<TItem>
{
    private readonly int[] _indices;

    /// <summary>Item i of the subset is item <paramref name="indices"/>[i] of <paramref name="dataset"/>.</summary>
    public Subset(IDataset<TItem> dataset, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(indices);
        Dataset = dataset;
        _indices = indices.ToArray();
        for (int i = 0; i < _indices.Length; i++)
            if ((uint)_indices[i] >= (uint)dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Subset: index {_indices[i]} at position {i} is out of range for a dataset of {dataset.Count} items.");
    }

    /// <summary>The dataset this subset draws from.</summary>
    public IDataset<TItem> Dataset { get; }

    /// <summary>The indices into <see cref="Dataset"/>.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <inheritdoc/>
    public override int Count => _indices.Length;

    /// <inheritdoc/>
    protected override TItem Get(int index) => Dataset[_indices[index]];
}

/// <summary>Dataset utilities: seeded random splits (torch.utils.data.random_split).</summary>
public static class Dataset
{
    /// <summary>
    /// Splits <paramref name="dataset"/> into non-overlapping random subsets of the given <paramref name="counts"/>
    /// (which must add up to the dataset's size). The same <paramref name="seed"/> gives the same split.
    /// </summary>
    public static Subset<TItem>[] RandomSplit<TItem>(IDataset<TItem> dataset, IReadOnlyList<int> counts, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Any(c => c < 0))
            throw new ArgumentException($"RandomSplit: counts [{string.Join(", ", counts)}] must be non-negative.", nameof(counts));
        long total = counts.Sum(c => (long)c);
        if (total != dataset.Count)
            throw new ArgumentException($"RandomSplit: counts [{string.Join(", ", counts)}] add up to {total}, but the dataset has {dataset.Count} items.", nameof(counts));
        var perm = Permutation.Random(dataset.Count, new Generator(seed));
        var result = new Subset<TItem>[counts.Count];
        int start = 0;
        for (int i = 0; i < counts.Count; i++)
        {
            result[i] = new Subset<TItem>(dataset, new ArraySegment<int>(perm, start, counts[i]));
            start += counts[i];
        }
        return result;
    }

    /// <summary>
    /// Splits by <paramref name="fractions"/> (each in [0, 1], adding up to 1): each part gets floor(fraction × count) items and
    /// the remainder is handed out one at a time from the first part on, as torch.utils.data.random_split does.
    /// </summary>
    public static Subset<TItem>[] RandomSplit<TItem>(IDataset<TItem> dataset, IReadOnlyList<double> fractions, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(fractions);
        if (fractions.Count == 0 || fractions.Any(f => !(f >= 0 && f <= 1)) || Math.Abs(fractions.Sum() - 1) > 1e-6)
            throw new ArgumentException($"RandomSplit: fractions [{string.Join(", ", fractions)}] must each lie in [0, 1] and add up to 1.", nameof(fractions));
        int n = dataset.Count;
        var counts = fractions.Select(f => (int)Math.Floor(f * n)).ToArray();
        int rest = n - counts.Sum();
        for (int i = 0; rest > 0; i = (i + 1) % counts.Length, rest--) counts[i]++;
        return RandomSplit(dataset, counts, seed);
    }
}

/// <summary>Random permutations from a seeded <see cref="Generator"/>.</summary>
internal static class Permutation
{
    /// <summary>A uniformly random permutation of 0..n-1 (Fisher–Yates, with unbiased bounded draws).</summary>
    public static int[] Random(int n, Generator generator)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)Below(generator, (ulong)i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    // Rejection sampling keeps the draw uniform for any bound (Lemire's threshold would do too).
    internal static ulong Below(Generator g, ulong bound)
    {
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
        while (true)
        {
            ulong x = g.NextUInt64();
            if (x < limit) return x % bound;
        }
    }
}
