using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Tests.Linalg;

public class WorkerPoolTests
{
    [Fact]
    public void RunsEveryChunkExactlyOnce()
    {
        for (int n = 1; n <= 5; n++)
            for (int rep = 0; rep < 200; rep++)
            {
                var hits = new int[n];
                WorkerPool.Shared.Run(n, i => Interlocked.Increment(ref hits[i]));
                Assert.All(hits, h => Assert.Equal(1, h));
            }
    }

    [Fact]
    public void NestedRunsInlineAndExceptionsPropagate()
    {
        long total = 0;
        WorkerPool.Shared.Run(2, i => WorkerPool.Shared.Run(3, j => Interlocked.Add(ref total, 10 * i + j + 1)));
        Assert.Equal((1 + 2 + 3) + (11 + 12 + 13), total);
        var e = Assert.Throws<AggregateException>(() => WorkerPool.Shared.Run(2, i => { if (i == 1) throw new InvalidOperationException("boom"); }));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        // the pool still works afterwards
        int count = 0;
        WorkerPool.Shared.Run(2, _ => Interlocked.Increment(ref count));
        Assert.Equal(2, count);
    }
}
