using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeepSeek.Onnx.Conformance;

/// <summary>
/// Command line: <c>DeepSeek.Onnx.Conformance &lt;node-dir&gt; [--json] [--filter X] [--timeout S]
/// [--write-expected FILE] [--check-expected FILE] [--coverage-md FILE]</c>. Prints one line per case and a closing
/// "N passed, N failed, N skipped" line; exits 1 when --check-expected finds a regression, 2 on bad usage.
/// </summary>
public static class Program
{
    private const string Usage =
        "usage: DeepSeek.Onnx.Conformance <node-test-dir> [--json] [--filter <substring|regex>] [--timeout <seconds>]\n" +
        "                                 [--write-expected <file>] [--check-expected <file>] [--coverage-md <file>]";

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        string? dir = null, filter = null, writeExpected = null, checkExpected = null, coverage = null;
        bool json = false;
        var timeout = Suite.DefaultTimeout;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            try
            {
                switch (args[i])
                {
                    case "--json": json = true; break;
                    case "--filter": filter = Next(); break;
                    case "--timeout": timeout = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                    case "--write-expected": writeExpected = Next(); break;
                    case "--check-expected": checkExpected = Next(); break;
                    case "--coverage-md": coverage = Next(); break;
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    default:
                        if (args[i].StartsWith("--", StringComparison.Ordinal) || dir is not null)
                            throw new ArgumentException($"unexpected argument '{args[i]}'.");
                        dir = args[i];
                        break;
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
                return 2;
            }
        }
        if (dir is null || !Directory.Exists(dir))
        {
            Console.Error.WriteLine($"error: {(dir is null ? "no node-test directory given" : $"directory '{dir}' does not exist")}.\n{Usage}");
            return 2;
        }
        Dictionary<string, string>? expected = null;
        if (checkExpected is not null)
        {
            try { expected = ExpectedStatus.Read(checkExpected); }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: cannot read {checkExpected}: {e.Message}");
                return 2;
            }
        }

        Console.OutputEncoding = Encoding.UTF8;
        var results = Suite.RunAll(dir, filter, timeout, r => Console.WriteLine(json ? Json(r) : Text(r)));
        if (writeExpected is not null) ExpectedStatus.Write(writeExpected, results);
        if (coverage is not null) CoverageReport.Write(coverage, results);
        int exit = 0;
        if (expected is not null)
        {
            var regressions = ExpectedStatus.Regressions(expected, results);
            foreach (var r in regressions) Console.Error.WriteLine($"REGRESSION {r.Case}: expected pass, got {r.StatusName}: {r.Reason}");
            var fresh = ExpectedStatus.NewPasses(expected, results);
            if (fresh.Count > 0) Console.Error.WriteLine($"{fresh.Count} case(s) pass that the expected list does not mark as passing: {string.Join(", ", fresh.Select(r => r.Case))}");
            if (regressions.Count > 0) exit = 1;
        }
        Console.WriteLine(Suite.Summary(results));
        return exit;
    }

    /// <summary>{"case":..,"status":..,"max_abs_err":..,"reason":..} on one line.</summary>
    public static string Json(CaseResult r)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("case", r.Case);
            w.WriteString("status", r.StatusName);
            if (r.MaxAbsErr is double e && double.IsFinite(e)) w.WriteNumber("max_abs_err", e);
            else if (r.MaxAbsErr is double inf) w.WriteString("max_abs_err", inf.ToString(CultureInfo.InvariantCulture));
            else w.WriteNull("max_abs_err");
            if (r.Reason is null) w.WriteNull("reason");
            else w.WriteString("reason", r.Reason);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string Text(CaseResult r) => r.Status switch
    {
        CaseStatus.Pass => $"PASS {r.Case}",
        CaseStatus.Fail => $"FAIL {r.Case}: {r.Reason}",
        _ => $"SKIP {r.Case}: {r.Reason}",
    };
}
