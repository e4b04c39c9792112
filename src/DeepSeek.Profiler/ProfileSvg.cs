// A self-contained SVG bar chart of total time per op type (largest first): one horizontal bar per row, scaled to
// the largest total, labelled with the key, milliseconds and share of op time.
using System.Globalization;
using System.Security;
using System.Text;

namespace DeepSeek.Profiler;

/// <summary>Renders aggregates as an SVG bar chart.</summary>
public static class ProfileSvg
{
    /// <summary>An SVG document with one bar per row of <paramref name="rows"/> (at most <paramref name="top"/>).</summary>
    public static string BarChart(IReadOnlyList<ProfileAggregate> rows, string title, int top = 20)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(title);
        var shown = rows.Take(Math.Max(1, top)).ToList();
        const int labelWidth = 220, barWidth = 480, rowHeight = 22, headerHeight = 34, valueWidth = 160;
        int width = labelWidth + barWidth + valueWidth, height = headerHeight + rowHeight * shown.Count + 10;
        double max = shown.Count == 0 ? 1 : Math.Max(shown.Max(r => r.TotalUs), 1e-9);
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">").AppendLine();
        sb.Append(ci, $"<text x=\"8\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{SecurityElement.Escape(title)}</text>").AppendLine();
        for (int i = 0; i < shown.Count; i++)
        {
            var r = shown[i];
            double y = headerHeight + i * rowHeight;
            double w = barWidth * r.TotalUs / max;
            sb.Append(ci, $"<text x=\"{labelWidth - 6}\" y=\"{y + 15:F0}\" text-anchor=\"end\">{SecurityElement.Escape(r.Key)}</text>");
            sb.Append(ci, $"<rect x=\"{labelWidth}\" y=\"{y + 3:F0}\" width=\"{w:F1}\" height=\"{rowHeight - 6}\" fill=\"#4c78a8\"><title>{SecurityElement.Escape(r.Key)}: {r.Count} calls</title></rect>");
            sb.Append(ci, $"<text x=\"{labelWidth + w + 6:F1}\" y=\"{y + 15:F0}\">{r.TotalUs / 1000:F2} ms ({r.Percent:F1}%)</text>").AppendLine();
        }
        sb.Append("</svg>").AppendLine();
        return sb.ToString();
    }
}
