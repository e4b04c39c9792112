// A finished profile and its aggregates (torch.profiler's key_averages, grouped by layer or by op type): count, total,
// mean, nearest-rank p50/p99 and share of the summed op time, plus FLOP and byte totals for achieved throughput.
namespace DeepSeek.Profiler;

/// <summary>One end-to-end iteration timed by <see cref="ProfileSession.Step{T}"/>.</summary>
/// <param name="StartUs">Start, microseconds since the session started.</param>
/// <param name="DurationUs">Wall time in microseconds.</param>
public readonly record struct StepEvent(double StartUs, double DurationUs);

/// <summary>Statistics of a group of op events.</summary>
/// <param name="Key">Layer path or op type.</param>
/// <param name="Count">Events in the group.</param>
/// <param name="TotalUs">Summed wall time, µs.</param>
/// <param name="MeanUs">Mean wall time, µs.</param>
/// <param name="P50Us">Median (nearest rank), µs.</param>
/// <param name="P99Us">99th percentile (nearest rank), µs.</param>
/// <param name="Percent">Share of the profile's summed op time, 0-100.</param>
/// <param name="Flops">Summed FLOP estimate, or null when no event in the group has one.</param>
/// <param name="Bytes">Summed bytes moved.</param>
public sealed record ProfileAggregate(string Key, int Count, double TotalUs, double MeanUs, double P50Us, double P99Us, double Percent, long? Flops, long Bytes)
{
    /// <summary>Achieved GFLOP/s over the group's total time, or null.</summary>
    public double? GFlopsPerSecond => Flops is { } f && TotalUs > 0 ? f / (TotalUs * 1e3) : null;

    /// <summary>Achieved GB/s over the group's total time.</summary>
    public double GBytesPerSecond => TotalUs > 0 ? Bytes / (TotalUs * 1e3) : 0;
}

/// <summary>What a <see cref="ProfileSession"/> recorded.</summary>
public sealed class Profile
{
    internal Profile(IReadOnlyList<OpEvent> events, IReadOnlyList<PoolSample> pool, IReadOnlyList<StepEvent> steps, double wallUs, IReadOnlyDictionary<string, string> metadata)
    {
        Events = events;
        PoolSamples = pool;
        Steps = steps;
        WallUs = wallUs;
        Metadata = metadata;
        OpTotalUs = events.Sum(e => e.DurationUs);
    }

    /// <summary>Every executed node in completion order.</summary>
    public IReadOnlyList<OpEvent> Events { get; }

    /// <summary>Allocator snapshots, one after each node (empty when pool sampling was off).</summary>
    public IReadOnlyList<PoolSample> PoolSamples { get; }

    /// <summary>End-to-end iterations.</summary>
    public IReadOnlyList<StepEvent> Steps { get; }

    /// <summary>Session length, µs.</summary>
    public double WallUs { get; }

    /// <summary>Summed op wall time, µs.</summary>
    public double OpTotalUs { get; }

    /// <summary>Summed step wall time, µs.</summary>
    public double StepTotalUs => Steps.Sum(s => s.DurationUs);

    /// <summary>Session metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Highest pool bytes in use seen (0 without pool samples).</summary>
    public long PeakBytesInUse => PoolSamples.Count == 0 ? 0 : PoolSamples.Max(s => s.PeakBytesInUse);

    /// <summary>Aggregates per layer (module path), largest total first.</summary>
    public IReadOnlyList<ProfileAggregate> ByLayer() => Aggregate(e => e.Layer);

    /// <summary>Aggregates per op type, largest total first.</summary>
    public IReadOnlyList<ProfileAggregate> ByOpType() => Aggregate(e => e.OpType);

    /// <summary>Aggregates of events grouped by <paramref name="key"/>, largest total first.</summary>
    public IReadOnlyList<ProfileAggregate> Aggregate(Func<OpEvent, string> key)
    {
        ArgumentNullException.ThrowIfNull(key);
        double all = OpTotalUs;
        return Events.GroupBy(key, StringComparer.Ordinal).Select(g =>
        {
            var times = g.Select(e => e.DurationUs).OrderBy(t => t).ToArray();
            double total = times.Sum();
            long? flops = g.Any(e => e.Flops is not null) ? g.Sum(e => e.Flops ?? 0) : null;
            return new ProfileAggregate(g.Key, times.Length, total, total / times.Length, Percentile(times, 50), Percentile(times, 99),
                all > 0 ? Math.Min(100, 100 * total / all) : 0, flops, g.Sum(e => e.Bytes));
        }).OrderByDescending(a => a.TotalUs).ThenBy(a => a.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>Nearest-rank percentile <paramref name="p"/> (0-100] of ascending <paramref name="sorted"/>; 0 when empty.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0) return 0;
        int rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
