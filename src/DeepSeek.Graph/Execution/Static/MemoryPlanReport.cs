// What planning bought: arena size against one allocation per value (naive) and against the peak of bytes live at one
// time (the lower bound any placement must meet), plus where the plan could not use prepared kernels.
using System.Globalization;
using System.Text;

namespace DeepSeek.Graph.Execution;

/// <summary>Summary of an <see cref="ExecutionPlan"/>'s memory layout and kernel coverage.</summary>
/// <param name="ArenaBytes">Bytes of the arena each concurrent run uses.</param>
/// <param name="NaiveBytes">Sum of the planned values' sizes (one buffer each).</param>
/// <param name="PeakLiveBytes">Most planned bytes live at one step (after in-place reuse): a lower bound for <paramref name="ArenaBytes"/>.</param>
/// <param name="PlannedValues">Values placed in the arena.</param>
/// <param name="AliasValues">Values that are views of another value (no bytes of their own).</param>
/// <param name="InPlaceReuses">Outputs written over a dying input's buffer.</param>
/// <param name="FallbackNodes">Op type of each node that runs its interpreter kernel (no static kernel, or data-dependent shapes), in schedule order.</param>
/// <param name="StaticNodes">Nodes run by prepared static kernels.</param>
/// <param name="FoldedNodes">Nodes computed once at plan time (their inputs are constants or shapes).</param>
public sealed record MemoryPlanReport(
    long ArenaBytes, long NaiveBytes, long PeakLiveBytes, int PlannedValues, int AliasValues, int InPlaceReuses,
    IReadOnlyList<string> FallbackNodes, int StaticNodes, int FoldedNodes)
{
    /// <summary>A two-column table of the figures; fallback ops are grouped with counts.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var rows = new List<(string, string)>
        {
            ("arena bytes", ArenaBytes.ToString("N0", c)),
            ("naive bytes", NaiveBytes.ToString("N0", c)),
            ("peak live bytes", PeakLiveBytes.ToString("N0", c)),
            ("arena / naive", NaiveBytes == 0 ? "-" : ((double)ArenaBytes / NaiveBytes).ToString("P1", c)),
            ("planned values", PlannedValues.ToString(c)),
            ("alias values", AliasValues.ToString(c)),
            ("in-place reuses", InPlaceReuses.ToString(c)),
            ("static nodes", StaticNodes.ToString(c)),
            ("folded nodes", FoldedNodes.ToString(c)),
            ("fallback nodes", FallbackNodes.Count == 0 ? "0" : $"{FallbackNodes.Count} (" + string.Join(", ",
                FallbackNodes.GroupBy(o => o).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}×{g.Count()}")) + ")"),
        };
        int w = rows.Max(r => r.Item1.Length);
        var sb = new StringBuilder();
        foreach (var (k, v) in rows) sb.Append(k.PadRight(w)).Append(" | ").AppendLine(v);
        return sb.ToString();
    }
}
