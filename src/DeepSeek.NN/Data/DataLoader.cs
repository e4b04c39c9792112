using System.Collections;

namespace DeepSeek.NN.Data;

/// <summary>Settings of a <see cref="DataLoader{TItem}"/>.</summary>
public sealed record DataLoaderOptions
{
    /// <summary>Draw a new random order every epoch (reproducible from <see cref="Seed"/>).</summary>
    public bool Shuffle { get; init; }

    /// <summary>Skip the last batch when it would be smaller than the batch size.</summary>
    public bool DropLast { get; init; }

    /// <summary>Seed for the shuffle order and for random transforms (see <see cref="SampleRandom"/>).</summary>
    public ulong Seed { get; init; }

    /// <summary>Background threads preparing batches; 0 builds each batch on the consumer's thread when it is asked for.</summary>
    public int NumWorkers { get; init; }

    /// <summary>Most batches prepared ahead of the consumer when <see cref="NumWorkers"/> &gt; 0 (a bounded queue); at least 1.</summary>
    public int Prefetch { get; init; } = 2;
}

/// <summary>Helpers to create loaders over datasets of tensor tuples.</summary>
public static class DataLoader
{
    /// <summary>A loader over <paramref name="dataset"/> that stacks the items' tensors (<see cref="Collate.Stack(IReadOnlyList{Tensor[]})"/>).</summary>
    public static DataLoader<Tensor[]> Create(IDataset<Tensor[]> dataset, int batchSize, DataLoaderOptions? options = null) =>
        new(dataset, batchSize, options, Collate.Stack);
}

/// <summary>
/// Iterates a dataset in batches (torch.utils.data.DataLoader): optional seeded shuffling with a new order per epoch,
/// dropping a short last batch, and background workers that prepare the next batches while the consumer trains.
/// <para><b>Memory:</b> every <see cref="Batch"/> is owned by the enumerator, which disposes the previous batch when it
/// advances (and the current one when it is disposed, as <c>foreach</c> does). To keep a batch's tensor, <c>Clone()</c> it.
/// Item tensors are disposed right after collation, and temporaries made while building a batch are freed with it.</para>
/// <para>Each enumeration is one epoch; <see cref="Epoch"/> says which one comes next. Worker exceptions are rethrown to
/// the consumer unchanged when it reaches the failed batch; cancellation stops the workers and throws
/// <see cref="OperationCanceledException"/>.</para>
/// </summary>
/// <example><code>
/// var loader = DataLoader.Create(train, 64, new DataLoaderOptions { Shuffle = true, Seed = 1, NumWorkers = 2 });
/// for (int epoch = 0; epoch &lt; 10; epoch++)
///     foreach (var batch in loader)
///         Step(batch.Inputs, batch.Targets);   // batch is freed when the loop moves on
/// </code></example>
public sealed class DataLoader<TItem> : IEnumerable<Batch>
{
    private readonly Func<IReadOnlyList<TItem>, Tensor[]> _collate;
    private int _epoch;

    /// <summary>
    /// Creates a loader. <paramref name="collate"/> turns a list of items into new tensors (it must not return the items'
    /// own tensors, which are disposed after it runs); it defaults to stacking when items are <c>Tensor[]</c> or <see cref="Tensor"/>.
    /// </summary>
    public DataLoader(IDataset<TItem> dataset, int batchSize, DataLoaderOptions? options = null, Func<IReadOnlyList<TItem>, Tensor[]>? collate = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "DataLoader: batch size must be positive.");
        Options = options ?? new DataLoaderOptions();
        if (Options.NumWorkers < 0) throw new ArgumentOutOfRangeException(nameof(options), $"DataLoader: NumWorkers must be ≥ 0, got {Options.NumWorkers}.");
        if (Options.Prefetch < 1) throw new ArgumentOutOfRangeException(nameof(options), $"DataLoader: Prefetch must be ≥ 1, got {Options.Prefetch}.");
        Dataset = dataset;
        BatchSize = batchSize;
        _collate = collate ?? DefaultCollate();
    }

    private static Func<IReadOnlyList<TItem>, Tensor[]> DefaultCollate()
    {
        if (typeof(TItem) == typeof(Tensor[])) return items => Collate.Stack((IReadOnlyList<Tensor[]>)items);
        if (typeof(TItem) == typeof(Tensor)) return items => Collate.Stack((IReadOnlyList<Tensor>)items);
        throw new ArgumentException($"DataLoader: items of type {typeof(TItem).Name} have no default collate; pass a collate function.");
    }

    /// <summary>The dataset read.</summary>
    public IDataset<TItem> Dataset { get; }

    /// <summary>Items per batch (the last batch may be smaller unless <see cref="DataLoaderOptions.DropLast"/>).</summary>
    public int BatchSize { get; }

    /// <summary>The settings.</summary>
    public DataLoaderOptions Options { get; }

    /// <summary>Batches per epoch.</summary>
    public int Count => Options.DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>The epoch the next enumeration runs (0 first); it picks the shuffle order. Each enumeration adds 1.</summary>
    public int Epoch
    {
        get => Volatile.Read(ref _epoch);
        set => Volatile.Write(ref _epoch, value);
    }

    /// <summary>Starts the next epoch.</summary>
    public IEnumerator<Batch> GetEnumerator() => GetEnumerator(CancellationToken.None);

    /// <summary>Starts the next epoch; <paramref name="cancellationToken"/> stops it (MoveNext throws <see cref="OperationCanceledException"/>).</summary>
    public IEnumerator<Batch> GetEnumerator(CancellationToken cancellationToken)
    {
        int epoch = Interlocked.Increment(ref _epoch) - 1;
        var order = Options.Shuffle
            ? Permutation.Random(Dataset.Count, new Generator(SampleRandom.Mix(Options.Seed, (ulong)epoch, ulong.MaxValue)))
            : Enumerable.Range(0, Dataset.Count).ToArray();
        return Options.NumWorkers == 0
            ? new SyncEnumerator(this, order, epoch, cancellationToken)
            : new PrefetchEnumerator<TItem>(this, order, epoch, cancellationToken);
    }

    /// <summary>The next epoch as a sequence that stops on <paramref name="cancellationToken"/>.</summary>
    public IEnumerable<Batch> WithCancellation(CancellationToken cancellationToken)
    {
        using var e = GetEnumerator(cancellationToken);
        while (e.MoveNext()) yield return e.Current;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Builds batch <paramref name="b"/> of an epoch: reads the items, collates them, frees the items and any temporaries.</summary>
    internal Batch MakeBatch(int[] order, int b, int epoch)
    {
        int start = b * BatchSize, len = Math.Min(BatchSize, order.Length - start);
        var indices = new ArraySegment<int>(order, start, len);
        var items = new List<TItem>(len);
        var previous = SampleRandom.Swap(new Generator(SampleRandom.Mix(Options.Seed, (ulong)epoch, (ulong)b)));
        var scope = Tensor.NewScope();
        try
        {
            foreach (int i in indices) items.Add(Dataset[i]);
            return new Batch(_collate(items), indices);
        }
        finally
        {
            foreach (var item in items) Release(item);
            scope.Dispose();
            SampleRandom.Swap(previous);
        }
    }

    private static void Release(TItem item)
    {
        switch (item)
        {
            case Tensor t: t.Dispose(); break;
            case IEnumerable<Tensor> ts: foreach (var t in ts) t?.Dispose(); break;
            case IDisposable d: d.Dispose(); break;
            case System.Runtime.CompilerServices.ITuple tuple:
                for (int i = 0; i < tuple.Length; i++) if (tuple[i] is IDisposable x) x.Dispose();
                break;
        }
    }

    private sealed class SyncEnumerator(DataLoader<TItem> loader, int[] order, int epoch, CancellationToken token) : IEnumerator<Batch>
    {
        private readonly int _batches = loader.Count;
        private int _next;
        private Batch? _current;

        public Batch Current => _current ?? throw new InvalidOperationException("DataLoader: Current is read before MoveNext or after the end.");
        object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            _current?.Dispose();
            _current = null;
            if (_next >= _batches) return false;
            token.ThrowIfCancellationRequested();
            _current = loader.MakeBatch(order, _next++, epoch);
            return true;
        }

        public void Reset() => throw new NotSupportedException("DataLoader: start a new epoch with GetEnumerator instead of Reset.");

        public void Dispose()
        {
            _current?.Dispose();
            _current = null;
            _next = _batches;
        }
    }
}
