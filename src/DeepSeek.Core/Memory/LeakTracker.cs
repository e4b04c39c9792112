using System.Diagnostics;

namespace DeepSeek.Memory;

/// <summary>
/// Debug aid, on when <c>DEEPSEEK_LEAK_CHECK=1</c>: remembers the stack that created each live tensor, so
/// <see cref="Report"/> (and, at process exit, standard error) can name every tensor that was never disposed.
/// Off by default: then it costs one static bool check per tensor.
/// </summary>
public static class LeakTracker
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<long, (WeakReference<Tensor> Tensor, string Stack)> Live = new();
    private static long _nextId;

    /// <summary>True when tracking (set from <c>DEEPSEEK_LEAK_CHECK</c> at startup; may be changed in code).</summary>
    public static bool Enabled { get; set; } = InitFromEnvironment();

    private static bool InitFromEnvironment()
    {
        bool on = Environment.GetEnvironmentVariable("DEEPSEEK_LEAK_CHECK") is "1" or "true";
        if (on)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                var leaks = Report();
                if (leaks.Count == 0) return;
                Console.Error.WriteLine($"DEEPSEEK_LEAK_CHECK: {leaks.Count} tensor(s) never disposed:");
                foreach (var l in leaks) Console.Error.WriteLine(l);
            };
        }
        return on;
    }

    internal static long Track(Tensor t)
    {
        long id = Interlocked.Increment(ref _nextId);
        var stack = new StackTrace(2, true).ToString();
        lock (Gate) Live[id] = (new WeakReference<Tensor>(t), stack);
        return id;
    }

    internal static void Untrack(long id)
    {
        if (id == 0) return;
        lock (Gate) Live.Remove(id);
    }

    /// <summary>One line per tracked tensor that is still alive: its shape, dtype and the stack that created it.</summary>
    public static IReadOnlyList<string> Report()
    {
        var result = new List<string>();
        lock (Gate)
        {
            foreach (var (id, (weak, stack)) in Live)
            {
                if (weak.TryGetTarget(out var t) && !t.IsDisposed)
                    result.Add($"tensor #{id} shape={t.Shape} dtype={t.DType.Name()} created at:\n{stack}");
            }
        }
        return result;
    }

    /// <summary>Forgets every tracked tensor (for tests).</summary>
    public static void Clear()
    {
        lock (Gate) Live.Clear();
    }
}
