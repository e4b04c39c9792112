namespace DeepSeek.NN.Tests;

/// <summary>Tests that read pool totals or global state run alone.</summary>
[CollectionDefinition("Pool", DisableParallelization = true)]
public sealed class PoolCollection;

/// <summary>Shared helpers for the NN tests.</summary>
public static class TestSupport
{
    /// <summary>The repository root: the first directory above the test binaries holding DeepSeek.slnx.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "DeepSeek.slnx"))) return d.FullName;
            throw new DirectoryNotFoundException($"DeepSeek.slnx not found above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>Bytes in use in the CPU pool after finalizers have run.</summary>
    public static long PoolBytesInUse()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Backends.BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse;
    }

    /// <summary>Bytes in use right now, without collecting: storages that were never disposed still count (the finalizer would hide them).</summary>
    public static long PoolBytesInUseNow() => Backends.BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse;

    /// <summary>Asserts |a − e| ≤ atol + rtol·|e| elementwise.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rtol = 1e-6, double atol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= atol + rtol * Math.Abs(expected[i])))
                Assert.Fail($"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }
}

/// <summary>A fresh temporary directory deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>Creates the directory.</summary>
    public TempDir() => Directory.CreateDirectory(Path);

    /// <summary>The directory.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dsnn-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>A path inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Deletes the directory.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }
}
