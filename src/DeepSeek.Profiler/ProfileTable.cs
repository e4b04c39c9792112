// The terminal summary (like torch.profiler's key_averages().table()): aggregates sorted by total time, the top N
// rows, with count, total, mean, p50, p99, share of op time and achieved GFLOP/s and GB/s.
using System.Globalization;
using System.Text;

namespace DeepSeek.Profiler;

/// <summary>Formats aggregates as a fixed-width text table.</summary>
public static class ProfileTable
{
    /// <summary>
    /// The <paramref name="top"/> largest rows of <paramref name="rows"/> (already sorted by total time, as
    /// <see cref="Profile.ByOpType"/> returns them) under a header naming the key column <paramref name="keyTitle"/>.
    /// </summary>
    public static string Format(IReadOnlyList<ProfileAggregate> rows, string keyTitle, int top = 20)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (top < 1) throw new ArgumentOutOfRangeException(nameof(top), top, "ProfileTable: top must be at least 1.");
        var shown = rows.Take(top).ToList();
        int keyWidth = Math.Max(keyTitle.Length, shown.Count == 0 ? 0 : shown.Max(r => r.Key.Length));
        keyWidth = Math.Min(keyWidth, 48);
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"{keyTitle.PadRight(keyWidth)} {"count",7} {"total ms",10} {"mean us",10} {"p50 us",10} {"p99 us",10} {"%",6} {"GFLOP/s",9} {"GB/s",8}").AppendLine();
        sb.Append('-', keyWidth + 78).AppendLine();
        foreach (var r in shown)
        {
            string key = r.Key.Length > keyWidth ? "…" + r.Key[^(keyWidth - 1)..] : r.Key.PadRight(keyWidth);
            string gf = r.GFlopsPerSecond is { } g ? g.ToString("F1", ci) : "-";
            sb.Append(ci, $"{key} {r.Count,7} {r.TotalUs / 1000,10:F3} {r.MeanUs,10:F1} {r.P50Us,10:F1} {r.P99Us,10:F1} {r.Percent,6:F1} {gf,9} {r.GBytesPerSecond,8:F2}").AppendLine();
        }
        if (rows.Count > shown.Count) sb.Append(ci, $"... {rows.Count - shown.Count} more").AppendLine();
        return sb.ToString();
    }
}
