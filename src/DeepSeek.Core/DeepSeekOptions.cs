namespace DeepSeek;

/// <summary>Process-wide settings. Read once from the environment, changeable at run time.</summary>
public static class DeepSeekOptions
{
    private static int _threads = ReadThreadsFromEnvironment();

    /// <summary>
    /// Number of threads CPU kernels may use. Defaults to <c>DEEPSEEK_NUM_THREADS</c> when set,
    /// else <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    public static int Threads
    {
        get => _threads;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "Threads must be at least 1.");
            _threads = value;
        }
    }

    private static int ReadThreadsFromEnvironment()
    {
        var s = Environment.GetEnvironmentVariable("DEEPSEEK_NUM_THREADS");
        if (!string.IsNullOrWhiteSpace(s))
        {
            if (int.TryParse(s, out var n) && n >= 1) return n;
            throw new InvalidOperationException($"DEEPSEEK_NUM_THREADS='{s}' is not a positive integer.");
        }
        return Math.Max(1, Environment.ProcessorCount);
    }
}
