namespace DeepSeek.Onnx.Conformance;

/// <summary>
/// The expected-status list (<c>case status</c> per line, <c>#</c> comments) that guards against regressions:
/// a case listed as <c>pass</c> must keep passing.
/// </summary>
public static class ExpectedStatus
{
    /// <summary>Writes one line per result, sorted by case name.</summary>
    public static void Write(string path, IEnumerable<CaseResult> results)
    {
        var lines = new List<string>
        {
            "# ONNX backend node-test status (case status). Regenerate with:",
            "#   dotnet run -c Release --project tests/DeepSeek.Onnx.Conformance -- ../shared/onnx-node-tests/node --write-expected tests/DeepSeek.Onnx.Conformance/expected-status.txt",
        };
        lines.AddRange(results.OrderBy(r => r.Case, StringComparer.Ordinal).Select(r => $"{r.Case} {r.StatusName}"));
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllLines(path, lines);
    }

    /// <summary>Reads a status list: case name → status word.</summary>
    public static Dictionary<string, string> Read(string path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || parts[1] is not ("pass" or "fail" or "unsupported"))
                throw new FormatException($"{path}:{lineNo}: expected 'case pass|fail|unsupported', got '{raw}'.");
            map[parts[0]] = parts[1];
        }
        return map;
    }

    /// <summary>Results of cases the list expects to pass that did not (only cases that were run are judged).</summary>
    public static List<CaseResult> Regressions(IReadOnlyDictionary<string, string> expected, IEnumerable<CaseResult> results) =>
        results.Where(r => r.Status != CaseStatus.Pass && expected.TryGetValue(r.Case, out var s) && s == "pass").ToList();

    /// <summary>Cases that pass now but are not listed as passing (candidates to add to the list).</summary>
    public static List<CaseResult> NewPasses(IReadOnlyDictionary<string, string> expected, IEnumerable<CaseResult> results) =>
        results.Where(r => r.Status == CaseStatus.Pass && !(expected.TryGetValue(r.Case, out var s) && s == "pass")).ToList();
}
