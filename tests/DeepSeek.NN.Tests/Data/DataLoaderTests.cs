using DeepSeek.NN.Data;

namespace DeepSeek.NN.Tests.Data;

public class DataLoaderTests
{
    private static TensorDataset Rows(int n)
    {
        using var x = Tensor.Arange(0, 2 * n, 1, DType.F32).Reshape(n, 2);
        using var y = Tensor.Arange(0, n, 1, DType.I64);
        return new TensorDataset(x, y);
    }

    private static List<int[]> Epoch(DataLoader<Tensor[]> loader) =>
        loader.Select(b => { CheckBatch(b); return b.Indices.ToArray(); }).ToList();

    // Inputs row i is [2i, 2i+1] and target is i for dataset index i.
    private static void CheckBatch(Batch b)
    {
        var x = b.Inputs.ToDoubleArray();
        var y = b.Targets.ToArray<long>();
        Assert.Equal(b.Indices.Select(i => (long)i), y);
        Assert.Equal(b.Indices.SelectMany(i => new double[] { 2 * i, 2 * i + 1 }), x);
    }

    [Fact]
    public void BatchesInOrderWithAShortLastBatch()
    {
        using var ds = Rows(10);
        var loader = DataLoader.Create(ds, 4);
        Assert.Equal(3, loader.Count);
        var shapes = new List<Shape>();
        foreach (var b in loader)
        {
            CheckBatch(b);
            shapes.Add(b.Inputs.Shape);
            Assert.Equal(DType.I64, b.Targets.DType);
        }
        Assert.Equal([new Shape(4, 2), new Shape(4, 2), new Shape(2, 2)], shapes);
        var dropped = DataLoader.Create(ds, 4, new DataLoaderOptions { DropLast = true });
        Assert.Equal(2, dropped.Count);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7]], Epoch(dropped));
    }

    [Fact]
    public void ShuffleIsSeededWithANewOrderEachEpoch()
    {
        using var ds = Rows(50);
        var opts = new DataLoaderOptions { Shuffle = true, Seed = 42 };
        var a = DataLoader.Create(ds, 8, opts);
        var b = DataLoader.Create(ds, 8, opts);
        var a0 = Epoch(a).SelectMany(x => x).ToArray();
        var a1 = Epoch(a).SelectMany(x => x).ToArray();
        Assert.Equal(Enumerable.Range(0, 50), a0.Order());
        Assert.Equal(Enumerable.Range(0, 50), a1.Order());
        Assert.NotEqual(a0, a1);
        Assert.NotEqual(Enumerable.Range(0, 50), a0);
        Assert.Equal(a0, Epoch(b).SelectMany(x => x));
        Assert.Equal(a1, Epoch(b).SelectMany(x => x));
        Assert.Equal(2, a.Epoch);
        a.Epoch = 1;
        Assert.Equal(a1, Epoch(a).SelectMany(x => x));
        var c = DataLoader.Create(ds, 8, opts with { Seed = 43 });
        Assert.NotEqual(a0, Epoch(c).SelectMany(x => x));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 8)]
    public void WorkersGiveTheSameBatchesAsTheConsumerThread(int workers, int prefetch)
    {
        using var ds = Rows(37);
        var sync = DataLoader.Create(ds, 5, new DataLoaderOptions { Shuffle = true, Seed = 5 });
        var par = DataLoader.Create(ds, 5, new DataLoaderOptions { Shuffle = true, Seed = 5, NumWorkers = workers, Prefetch = prefetch });
        for (int e = 0; e < 3; e++) Assert.Equal(Epoch(sync), Epoch(par));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void EnumeratorDisposesThePreviousBatchWhenItAdvances(int workers)
    {
        using var ds = Rows(9);
        var loader = DataLoader.Create(ds, 2, new DataLoaderOptions { NumWorkers = workers });
        var seen = new List<Batch>();
        var keep = new List<Tensor>();
        foreach (var b in loader)
        {
            if (seen.Count > 0) Assert.True(seen[^1].IsDisposed);
            Assert.False(b.IsDisposed);
            seen.Add(b);
            keep.Add(b.Inputs.Clone());
        }
        Assert.All(seen, b => Assert.True(b.IsDisposed));
        Assert.Throws<TensorDisposedException>(() => seen[0].Inputs.ToDoubleArray());
        Assert.Equal([0.0, 1, 2, 3], keep[0].ToDoubleArray());   // a clone outlives its batch
        foreach (var t in keep) t.Dispose();
    }

    private sealed class Failing(int n, int bad) : Dataset<Tensor[]>
    {
        public override int Count => n;
        protected override Tensor[] Get(int index) =>
            index == bad ? throw new InvalidDataException($"item {index} is corrupt") : [Tensor.Full(new Shape(2), index)];
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void WorkerExceptionsReachTheConsumerUnchanged(int workers)
    {
        var loader = DataLoader.Create(new Failing(20, 13), 3, new DataLoaderOptions { NumWorkers = workers, Prefetch = 3 });
        var got = new List<int>();
        var ex = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var b in loader) got.Add(b.Indices[0]);
        });
        Assert.Equal("item 13 is corrupt", ex.Message);
        Assert.Equal([0, 3, 6, 9], got);   // every batch before the failed one (12..14) arrived
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void CancellationStopsTheEpoch(int workers)
    {
        using var ds = Rows(40);
        var loader = DataLoader.Create(ds, 2, new DataLoaderOptions { NumWorkers = workers });
        using var cts = new CancellationTokenSource();
        int n = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var b in loader.WithCancellation(cts.Token))
                if (++n == 3) cts.Cancel();
        });
        Assert.Equal(3, n);
    }

    [Fact]
    public void ItemsWithoutDefaultCollateNeedOne()
    {
        var ints = new Subset<int>(new IntSet(6), [0, 1, 2, 3, 4, 5]);
        Assert.Throws<ArgumentException>(() => new DataLoader<int>(ints, 2));
        var loader = new DataLoader<int>(ints, 4, collate: items => [Tensor.FromArray(items.Select(i => i * 10).ToArray())]);
        var batches = loader.Select(b => b.Inputs.ToArray<int>()).ToList();
        Assert.Equal([[0, 10, 20, 30], [40, 50]], batches);
        Assert.Throws<InvalidOperationException>(() => { foreach (var b in loader) _ = b.Targets; });
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader<int>(ints, 0, collate: _ => []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader<int>(ints, 1, new DataLoaderOptions { Prefetch = 0 }, _ => []));
    }

    private sealed class IntSet(int n) : Dataset<int>
    {
        public override int Count => n;
        protected override int Get(int index) => index;
    }
}

[Collection("Pool")]
public class DataLoaderMemoryTests
{
    [Fact]
    public void EpochsWithWorkersTransformsAndEarlyExitLeaveNothingBehind()
    {
        using var x = Tensor.RandN(new Shape(64, 1, 6, 6), new Generator(1));
        using var y = Tensor.Arange(0, 64, 1, DType.I64);
        using var rows = new TensorDataset(x, y);
        var aug = new Compose(new RandomCrop(6, padding: 1), new RandomHorizontalFlip(0.5), new Normalize([0.5], [2.0]));
        var ds = new TransformedDataset(rows, aug);
        long before = TestSupport.PoolBytesInUse();
        foreach (int workers in new[] { 0, 2 })
        {
            var loader = DataLoader.Create(ds, 10, new DataLoaderOptions { Shuffle = true, Seed = 3, NumWorkers = workers, Prefetch = 3 });
            for (int epoch = 0; epoch < 3; epoch++)
            {
                int n = 0;
                foreach (var b in loader)
                {
                    Assert.Equal(new Shape(b.Size, 1, 6, 6), b.Inputs.Shape);
                    if (epoch == 1 && ++n == 2) break;   // leave early with batches still being prepared
                }
            }
            using (Tensor.NewScope())
            {
                foreach (var b in loader) _ = b.Inputs.Sum();   // the consumer's scope sees its own temporaries only
            }
        }
        Assert.Equal(before, TestSupport.PoolBytesInUseNow());   // everything was disposed, not finalized
        Assert.Equal(before, TestSupport.PoolBytesInUse());
    }

    [Fact]
    public void FailedEpochFreesPreparedBatches()
    {
        using var x = Tensor.Ones(new Shape(30, 4));
        using var rows = new TensorDataset(x);
        var flaky = new TransformedDataset(rows, new ThrowAt(17));
        long before = TestSupport.PoolBytesInUse();
        var loader = DataLoader.Create(flaky, 2, new DataLoaderOptions { NumWorkers = 3, Prefetch = 6 });
        Assert.Throws<InvalidOperationException>(() => { foreach (var b in loader) { } });
        Assert.Equal(before, TestSupport.PoolBytesInUseNow());   // everything was disposed, not finalized
        Assert.Equal(before, TestSupport.PoolBytesInUse());
    }

    private sealed class ThrowAt(int n) : ITransform
    {
        private int _calls;
        public Tensor Apply(Tensor input) =>
            Interlocked.Increment(ref _calls) == n ? throw new InvalidOperationException("boom") : input.Clone();
    }
}
