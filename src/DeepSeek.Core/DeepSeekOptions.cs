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
        set => SetNonNegative(ref _spinMicroseconds, value, nameof(WorkerSpinMicroseconds));
    }

    private static int _wakeMinMegaflops = ReadIntFromEnvironment("DEEPSEEK_WAKE_MIN_MFLOP", 20, min: 0);

    /// <summary>
    /// Smallest estimated work (MFLOP) of a compiled-plan step for which a parallel kernel wakes kernel workers that have
    /// parked; smaller steps use only workers still spinning from a previous kernel, and the caller takes the chunks no
    /// worker claims. Waking a parked thread costs the waker a system call and the woken thread a scheduling delay
    /// (microseconds on bare metal, up to milliseconds on a busy virtual machine), more than a small kernel gains from a
    /// second thread. 0 always wakes. Kernels called outside a plan run always wake. Defaults to
    /// <c>DEEPSEEK_WAKE_MIN_MFLOP</c> when set, else 20.
    /// </summary>
    public static int WakeMinMegaflops
    {
        get => Volatile.Read(ref _wakeMinMegaflops);
        set => SetNonNegative(ref _wakeMinMegaflops, value, nameof(WakeMinMegaflops));
    }

    private static void SetNonNegative(ref int field, int value, string name)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be 0 or more.");
        Volatile.Write(ref field, value);
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
