namespace DeepSeek.Cli;

/// <summary>
/// A one-line progress bar for training: redrawn in place on a terminal, one line per epoch when the output is
/// redirected (logs, CI).
/// </summary>
internal sealed class ProgressBar(TextWriter writer, bool interactive)
{
    private const int Width = 24;

    public static ProgressBar ForConsole(TextWriter writer) =>
        new(writer, ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected);

    public void Update(string label, int done, int total, string metrics)
    {
        if (!interactive) return;
        writer.Write("\r" + Line(label, done, total, metrics));
    }

    public void Complete(string label, int total, string metrics)
    {
        if (interactive) writer.Write("\r");
        writer.WriteLine(Line(label, total, total, metrics));
    }

    private static string Line(string label, int done, int total, string metrics)
    {
        int filled = total == 0 ? Width : (int)((long)done * Width / total);
        return $"{label} [{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {metrics}";
    }
}
