// Static memory planning by "greedy by size" offset assignment (Pisarchyk & Lee, "Efficient Memory Management for
// Deep Neural Net Inference", 2020 — the strategy of TFLite's arena planner): in-place candidates first merge into
// one buffer, then buffers are placed largest first, each at the lowest aligned offset free of every placed buffer
// whose lifetime intersects its own.
namespace DeepSeek.Graph.Compilation;

/// <summary>Assigns arena offsets to intermediates so that values never live at the same time share bytes.</summary>
public static class MemoryPlanner
{
    /// <summary>Every offset is a multiple of this (one cache line / AVX-512 vector, as <see cref="Memory.Arena"/> requires).</summary>
    public const int Alignment = Memory.Arena.Alignment;

    /// <summary>
    /// Plans <paramref name="values"/>: merges the in-place candidates that qualify (the input is defined at an earlier
    /// step, its buffer is last read at the output's definition step, and both have the same size), then places buffers
    /// greedily by size. Lifetimes are closed
    /// intervals of steps; two values whose intervals intersect never overlap in bytes.
    /// </summary>
    public static MemoryPlan Plan(IReadOnlyList<PlannerValue> values, IReadOnlyList<InPlaceCandidate>? inPlace = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        for (int i = 0; i < n; i++)
        {
            var v = values[i];
            if (v.Bytes < 0 || v.Definition < 0 || v.LastUse < v.Definition)
                throw new ArgumentException($"MemoryPlanner: value {i} '{v.Name}' has {v.Bytes} bytes and lifetime [{v.Definition}, {v.LastUse}]; sizes must be ≥ 0 and lifetimes start ≥ 0 and end no earlier than they start.", nameof(values));
        }

        // Union of in-place chains: each buffer keeps the earliest definition and the latest last use of its members.
        var owner = new int[n];
        var first = new int[n];
        var last = new int[n];
        for (int i = 0; i < n; i++) { owner[i] = i; first[i] = values[i].Definition; last[i] = values[i].LastUse; }
        int reuses = 0;
        if (inPlace is not null)
        {
            foreach (var c in inPlace.OrderBy(c => values[Check(c.Value, n)].Definition).ThenBy(c => c.Value))
            {
                Check(c.Input, n);
                int buf = Find(owner, c.Input), self = Find(owner, c.Value);
                if (buf == self) continue;
                var v = values[c.Value];
                // the input must be written by an earlier step, read for the last time by the output's step, and as large
                if (values[c.Input].Definition >= v.Definition || last[buf] != v.Definition || values[buf].Bytes != v.Bytes || first[self] != v.Definition) continue;
                owner[self] = buf;
                last[buf] = Math.Max(last[buf], last[self]);
                reuses++;
            }
        }

        var buffers = Enumerable.Range(0, n).Where(i => Find(owner, i) == i).ToArray();
        var offsets = new long[n];
        var order = buffers.OrderByDescending(b => values[b].Bytes).ThenBy(b => first[b]).ThenBy(b => b).ToArray();
        var placed = new List<int>(order.Length);
        long arena = 0;
        foreach (var b in order)
        {
            long size = values[b].Bytes;
            // Buffers alive at the same time, by offset: take the first gap that fits.
            var busy = placed.Where(p => first[p] <= last[b] && first[b] <= last[p] && values[p].Bytes > 0)
                .OrderBy(p => offsets[p]).ToList();
            long at = 0;
            foreach (var p in busy)
            {
                if (size == 0 || at + size <= offsets[p]) break;
                at = Math.Max(at, AlignUp(offsets[p] + values[p].Bytes));
            }
            offsets[b] = at;
            placed.Add(b);
            arena = Math.Max(arena, at + size);
        }

        var bufferOf = new int[n];
        for (int i = 0; i < n; i++)
        {
            bufferOf[i] = Find(owner, i);
            offsets[i] = offsets[bufferOf[i]];
        }
        long naive = values.Sum(v => v.Bytes);
        return new MemoryPlan(offsets, bufferOf, arena, naive, PeakLive(values, buffers, first, last), reuses);
    }

    /// <summary>Rounds up to <see cref="Alignment"/>.</summary>
    public static long AlignUp(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    private static int Check(int index, int n) => index >= 0 && index < n
        ? index
        : throw new ArgumentOutOfRangeException(nameof(index), $"MemoryPlanner: in-place candidate refers to value {index}, but there are {n} values.");

    private static int Find(int[] owner, int i)
    {
        while (owner[i] != i) i = owner[i] = owner[owner[i]];
        return i;
    }

    // Sweep over lifetime boundaries: +size at the first step, −size after the last step.
    private static long PeakLive(IReadOnlyList<PlannerValue> values, int[] buffers, int[] first, int[] last)
    {
        var events = new List<(int Step, long Delta)>(buffers.Length * 2);
        foreach (var b in buffers)
        {
            events.Add((first[b], values[b].Bytes));
            events.Add((last[b] + 1, -values[b].Bytes));
        }
        long live = 0, peak = 0;
        foreach (var (_, delta) in events.OrderBy(e => e.Step).ThenBy(e => e.Delta))
        {
            live += delta;
            peak = Math.Max(peak, live);
        }
        return peak;
    }
}
