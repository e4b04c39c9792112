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

    private static int _spinMicroseconds = ReadIntFromEnvironment("DEEPSEEK_SPIN_US", 200, min: 0);

    /// <summary>
    /// How long (µs) an idle kernel worker thread spins waiting for the next parallel kernel before it parks (like ONNX
    /// Runtime's intra-op spinning). Longer keeps workers hot across gaps between runs at the cost of idle CPU; 0 parks
    /// at once. Defaults to <c>DEEPSEEK_SPIN_US</c> when set, else 200.
    /// </summary>
    public static int WorkerSpinMicroseconds
    {
        get => Volatile.Read(ref _spinMicroseconds);
        set
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "WorkerSpinMicroseconds must be 0 or more.");
            Volatile.Write(ref _spinMicroseconds, value);
        }
    }

    private static int ReadIntFromEnvironment(string name, int fallback, int min)
    {
        var s = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(s)) return fallback;
        if (int.TryParse(s, out var n) && n >= min) return n;
        throw new InvalidOperationException($"{name}='{s}' is not an integer ≥ {min}.");
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
