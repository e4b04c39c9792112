using System.Runtime.InteropServices;
using DeepSeek.Memory;

namespace DeepSeek.Tests.Memory;

/// <summary>The caching pool, tested on its own private instance so numbers are exact.</summary>
public sealed unsafe class CachingAllocatorTests
{
    private sealed class CountingAllocator : IRawAllocator
    {
        public int Allocs, Frees;
        public long Live;
        public nint Allocate(long bytes)
        {
            Allocs++;
            Live += bytes;
            return (nint)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        }
        public void Free(nint handle, long bytes)
        {
            Frees++;
            Live -= bytes;
            NativeMemory.AlignedFree((void*)handle);
        }
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(1, 64)]
    [InlineData(64, 64)]
    [InlineData(65, 128)]
    [InlineData(256, 256)]
    [InlineData(257, 320)]   // 256·(1 + 1/4)
    [InlineData(1000, 1024)]
    [InlineData(1025, 1280)]
    [InlineData(1536, 1536)]
    [InlineData(4096, 4096)]
    [InlineData(5000, 5120)]
    public void SizeClassesRoundUpWithBoundedWaste(long request, long expected)
    {
        Assert.Equal(expected, CachingAllocator.SizeClass(request));
    }

    [Fact]
    public void SizeClassWasteIsAtMostAQuarter()
    {
        var rng = new Random(1);
        for (int i = 0; i < 10_000; i++)
        {
            long n = rng.NextInt64(257, 1L << 34);
            long c = CachingAllocator.SizeClass(n);
            Assert.True(c >= n);
            Assert.True(c % 64 == 0, $"class {c} of {n} is not 64-byte aligned");
            Assert.True(c - n <= n / 4 + 64, $"class {c} wastes too much for {n}");
        }
    }

    [Fact]
    public void BlocksAre64ByteAlignedAndReused()
    {
        var raw = new CountingAllocator();
        var pool = new CachingAllocator(Device.Cpu, raw);
        var a = pool.Allocate(1000);
        Assert.Equal(0, a.Handle % 64);
        nint first = a.Handle;
        a.Release();
        var b = pool.Allocate(900); // same class (1024)
        Assert.Equal(first, b.Handle);
        var s = pool.Statistics;
        Assert.Equal(2, s.AllocationCount);
        Assert.Equal(1, s.CacheHits);
        Assert.Equal(1, s.DeviceAllocations);
        Assert.Equal(1024, s.BytesInUse);
        Assert.Equal(900, s.BytesRequested);
        Assert.Equal(1024, s.BytesReserved);
        Assert.Equal(1, raw.Allocs);
        b.Release();
    }

    [Fact]
    public void StatisticsTrackPeakReservedAndFragmentation()
    {
        var raw = new CountingAllocator();
        var pool = new CachingAllocator(Device.Cpu, raw);
        var x = pool.Allocate(4096);
        var y = pool.Allocate(4096);
        Assert.Equal(8192, pool.Statistics.PeakBytesInUse);
        x.Release();
        var s = pool.Statistics;
        Assert.Equal(4096, s.BytesInUse);
        Assert.Equal(8192, s.BytesReserved);
        Assert.Equal(8192, s.PeakBytesInUse);
        Assert.Equal(1, s.CachedBlocks);
        Assert.Equal(0.5, s.FragmentationRatio, 10); // half the reserved bytes idle in the cache
        pool.ResetPeak();
        Assert.Equal(4096, pool.Statistics.PeakBytesInUse);
        y.Release();
        pool.EmptyCache();
        s = pool.Statistics;
        Assert.Equal(0, s.BytesReserved);
        Assert.Equal(0, s.BytesInUse);
        Assert.Equal(0, raw.Live);
        Assert.Equal(2, raw.Frees);
    }

    [Fact]
    public void DifferentClassesDoNotShareBlocks()
    {
        var pool = new CachingAllocator(Device.Cpu, new CountingAllocator());
        var a = pool.Allocate(100);
        a.Release();
        var b = pool.Allocate(10_000);
        Assert.Equal(0, pool.Statistics.CacheHits);
        b.Release();
        pool.EmptyCache();
    }

    [Fact]
    public void ConcurrentUseKeepsCountsConsistent()
    {
        var pool = new CachingAllocator(Device.Cpu, new CountingAllocator());
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 2000; i++)
            {
                var s = pool.Allocate(64 * (1 + i % 7));
                s.Release();
            }
        });
        var st = pool.Statistics;
        Assert.Equal(16_000, st.AllocationCount);
        Assert.Equal(0, st.BytesInUse);
        Assert.Equal(0, st.LiveBlocks);
        Assert.True(st.CacheHits > 15_000);
        pool.EmptyCache();
    }
}
