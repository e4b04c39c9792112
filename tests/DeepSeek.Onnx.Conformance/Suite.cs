using System.Text.RegularExpressions;

namespace DeepSeek.Onnx.Conformance;

/// <summary>Enumerates and runs the case folders of a node-test directory.</summary>
public static class Suite
{
    /// <summary>Default per-case time limit.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Case folders (<c>test_*</c> holding <c>model.onnx</c>) under <paramref name="nodeDir"/>, sorted by name, filtered.</summary>
    public static IReadOnlyList<string> Cases(string nodeDir, string? filter = null)
    {
        if (!Directory.Exists(nodeDir)) throw new DirectoryNotFoundException($"Node test directory '{nodeDir}' does not exist.");
        var match = Matcher(filter);
        return Directory.GetDirectories(nodeDir)
            .Where(d => File.Exists(Path.Combine(d, "model.onnx")))
            .Where(d => match(Path.GetFileName(d)))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A case-name predicate: a regular expression, or a plain substring when the text is not a valid regex.</summary>
    public static Func<string, bool> Matcher(string? filter)
    {
        if (string.IsNullOrEmpty(filter)) return _ => true;
        try
        {
            var re = new Regex(filter, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return re.IsMatch;
        }
        catch (ArgumentException)
        {
            return s => s.Contains(filter, StringComparison.Ordinal);
        }
    }

    /// <summary>Runs every case (in name order), calling <paramref name="onResult"/> as each finishes.</summary>
    public static List<CaseResult> RunAll(string nodeDir, string? filter, TimeSpan timeout, Action<CaseResult>? onResult = null)
    {
        var results = new List<CaseResult>();
        foreach (var dir in Cases(nodeDir, filter))
        {
            var r = CaseRunner.Run(dir, timeout);
            results.Add(r);
            onResult?.Invoke(r);
        }
        return results;
    }

    /// <summary>"N passed, N failed, N skipped" (unsupported counts as skipped).</summary>
    public static string Summary(IReadOnlyCollection<CaseResult> results) =>
        $"{results.Count(r => r.Status == CaseStatus.Pass)} passed, {results.Count(r => r.Status == CaseStatus.Fail)} failed, {results.Count(r => r.Status == CaseStatus.Unsupported)} skipped";
}
