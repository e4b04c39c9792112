using DeepSeek.Backends.Cpu;

namespace DeepSeek.Tests.Memory;

/// <summary>Deterministic release through Dispose and scopes, measured on the shared CPU pool.</summary>
[Collection("GlobalState")]
public sealed class ScopeTests
{
    private static long InUse() => CpuBackend.Instance.Pool.Statistics.BytesInUse;

    public ScopeTests()
    {
        // tensors other tests leaked go back to the pool through finalizers; settle that before measuring
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [Fact]
    public void ScopeFreesEverythingCreatedInside()
    {
        long before = InUse();
        using (Tensor.NewScope())
        {
            var a = Tensor.Ones(64, 64);
            var b = a.Transpose(0, 1).Contiguous();
            var c = b.Reshape(-1).Clone();
            Assert.True(InUse() > before);
            Assert.Equal(5, TensorScope.Current!.Count); // a, its transposed view, b, the reshaped view, c
            _ = c;
        }
        Assert.Equal(before, InUse());
    }

    [Fact]
    public void MovedOutTensorSurvivesTheScope()
    {
        long before = InUse();
        Tensor kept;
        using (Tensor.NewScope())
        {
            var tmp = Tensor.Full(new Shape(10), 3.0);
            kept = tmp.Clone().MoveToOuterScope();
        }
        Assert.False(kept.IsDisposed);
        Assert.Equal(Enumerable.Repeat(3f, 10), kept.ToArray<float>());
        kept.Dispose();
        Assert.Equal(before, InUse());
    }

    [Fact]
    public void NestedScopesHandTensorsToTheParent()
    {
        long before = InUse();
        using (var outer = Tensor.NewScope())
        {
            Tensor moved;
            using (Tensor.NewScope())
            {
                moved = Tensor.Zeros(8).MoveToOuterScope();
                _ = Tensor.Zeros(8);
            }
            Assert.False(moved.IsDisposed);
            Assert.Same(outer, TensorScope.Current);
        }
        Assert.Equal(before, InUse());
        Assert.Null(TensorScope.Current);
    }

    [Fact]
    public void DetachedTensorIsOwnedByTheCaller()
    {
        Tensor t;
        using (Tensor.NewScope()) t = Tensor.Zeros(4).DetachFromScope();
        Assert.False(t.IsDisposed);
        t.Dispose();
        Assert.True(t.IsDisposed);
    }

    [Fact]
    public void ViewsKeepStorageAliveAfterTheBaseIsDisposed()
    {
        var baseT = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var view = baseT.T;
        baseT.Dispose();
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, view.ToArray<float>());
        view.Dispose();
    }

    [Fact]
    public void UseAfterDisposeNamesTheOpAndShape()
    {
        var t = Tensor.Zeros(2, 3);
        t.Dispose();
        var ex = Assert.Throws<TensorDisposedException>(() => t.Reshape(3, 2));
        Assert.Contains("Reshape", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Throws<TensorDisposedException>(() => t.ToArray<float>());
        t.Dispose(); // double dispose is harmless
    }

    [Fact]
    public void TenThousandIterationsOfOpsInScopesKeepBytesInUseFlat()
    {
        using var x = Tensor.RandN(new Shape(32, 48), new Generator(7));
        // warm the cache so every size class exists
        using (Tensor.NewScope()) Iteration(x);
        // tensors other tests leaked are freed by finalizers at unpredictable times; let that happen first
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = InUse();
        long reservedBefore = CpuBackend.Instance.Pool.Statistics.BytesReserved;
        var samples = new List<long>();
        for (int i = 0; i < 10_000; i++)
        {
            using (Tensor.NewScope()) Iteration(x);
            if (i % 1000 == 0) samples.Add(InUse());
        }
        Assert.All(samples, s => Assert.Equal(before, s));
        Assert.Equal(before, InUse());
        Assert.Equal(reservedBefore, CpuBackend.Instance.Pool.Statistics.BytesReserved);
    }

    private static void Iteration(Tensor x)
    {
        var a = x.Transpose(0, 1).Contiguous();
        var b = a.Reshape(16, -1).To(DType.BF16);
        var c = b.To(DType.F32).Slice(1, 0, 96, 2).Clone();
        var d = c.Unsqueeze(0).Expand(3, 16, 48).Contiguous();
        _ = d.Flatten();
        var e = ((c * 2.0 + 1.0).Relu() - c.Sigmoid()).Exp();
        var f = e.Sum(1).Softmax(0);
        _ = Tensor.Where(c.Gt(0), c, e).Mean(new[] { 0 });
        _ = Tensor.Concat(new[] { f, f }, 0).TopK(3);
    }
}

[Collection("GlobalState")]
public sealed class LeakTrackerTests
{
    [Fact]
    public void ReportsUndisposedTensorsWithTheirCreationStack()
    {
        bool old = DeepSeek.Memory.LeakTracker.Enabled;
        DeepSeek.Memory.LeakTracker.Enabled = true;
        DeepSeek.Memory.LeakTracker.Clear();
        try
        {
            var leaked = Tensor.Zeros(3, 5);
            using (var fine = Tensor.Ones(2)) { }
            var report = DeepSeek.Memory.LeakTracker.Report();
            Assert.Single(report);
            Assert.Contains("shape=[3, 5]", report[0]);
            Assert.Contains(nameof(ReportsUndisposedTensorsWithTheirCreationStack), report[0]);
            leaked.Dispose();
            Assert.Empty(DeepSeek.Memory.LeakTracker.Report());
        }
        finally
        {
            DeepSeek.Memory.LeakTracker.Enabled = old;
            DeepSeek.Memory.LeakTracker.Clear();
        }
    }
}
