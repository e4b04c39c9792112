// `deepseek bench MODEL`: latency percentiles (nearest rank), throughput and peak pool memory of the compiled
// ExecutionPlan at one batch size, or --auto-batch: powers of two in MIN..MAX, growing until p99 exceeds the latency
// budget, choosing the size with the best throughput whose p99 stays within it (the usual serving batch search).
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeepSeek.Backends;
using DeepSeek.Profiler;

namespace DeepSeek.Cli;

/// <summary>Settings of one `deepseek bench` invocation.</summary>
internal sealed record BenchSettings(string Model, int BatchSize, (int Min, int Max)? AutoBatch, double? LatencyBudgetMs, int Runs, int Warmup,
    int? Threads, bool Json, int ImageSize, int SeqLen);

/// <summary>Measurements at one batch size.</summary>
internal sealed record BenchResult(int BatchSize, int Runs, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double ItemsPerSecond, long PeakBytes, bool WithinBudget);

/// <summary>`deepseek bench`.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "An .onnx file or a zoo name (resnet18, resnet50, bert-base, bert-tiny, gpt2, ...)" };
        var batch = new Option<int>("--batch-size") { Description = "Examples per run", DefaultValueFactory = _ => 1 };
        var auto = new Option<string?>("--auto-batch") { Description = "Search batch sizes MIN..MAX (powers of two) for the best throughput within --latency-budget-ms" };
        var budget = new Option<double?>("--latency-budget-ms") { Description = "p99 latency budget per run, milliseconds" };
        var runs = new Option<int>("--runs") { Description = "Timed runs per batch size", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up runs per batch size", DefaultValueFactory = _ => 3 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for kernels (default: all cores or DEEPSEEK_NUM_THREADS)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line (progress goes to stderr)" };
        var imageSize = new Option<int>("--image-size") { Description = "Image side for vision models", DefaultValueFactory = _ => 224 };
        var seqLen = new Option<int>("--seq-len") { Description = "Sequence length for text models and symbolic ONNX dims", DefaultValueFactory = _ => 128 };
        var cmd = new Command("bench", "Benchmark the compiled model: latency p50/p90/p99, throughput, peak memory; --auto-batch finds the best batch size")
        {
            model, batch, auto, budget, runs, warmup, threads, json, imageSize, seqLen,
        };
        cmd.SetAction(r =>
        {
            (int, int)? range = null;
            if (r.GetValue(auto) is { } text)
            {
                range = ParseRange(text);
                if (range is null)
                {
                    Console.Error.WriteLine($"deepseek bench: --auto-batch must be MIN..MAX with 1 <= MIN <= MAX, got '{text}'");
                    return 2;
                }
            }
            return Run(new BenchSettings(r.GetValue(model)!, r.GetValue(batch), range, r.GetValue(budget), r.GetValue(runs), r.GetValue(warmup),
                r.GetValue(threads), r.GetValue(json), r.GetValue(imageSize), r.GetValue(seqLen)), Console.Out);
        });
        return cmd;
    }

    /// <summary>"1..64" → (1, 64); null when malformed or out of order.</summary>
    public static (int Min, int Max)? ParseRange(string text)
    {
        var parts = text.Split("..");
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int lo)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int hi) || lo < 1 || hi < lo) return null;
        return (lo, hi);
    }

    /// <summary>Powers of two within [min, max], plus min itself when it is not one.</summary>
    public static List<int> Candidates(int min, int max)
    {
        var list = new List<int>();
        if ((min & (min - 1)) != 0) list.Add(min);
        for (long b = 1; b <= max; b *= 2) if (b >= min) list.Add((int)b);
        return list;
    }

    public static int Run(BenchSettings s, TextWriter w, TextWriter? errors = null)
    {
        errors ??= Console.Error;
        string? problem = s.BatchSize < 1 ? $"--batch-size must be at least 1, got {s.BatchSize}"
            : s.Runs < 1 ? $"--runs must be at least 1, got {s.Runs}"
            : s.Warmup < 0 ? $"--warmup must not be negative, got {s.Warmup}"
            : s.Threads is < 1 ? $"--threads must be at least 1, got {s.Threads}"
            : s.LatencyBudgetMs is <= 0 ? $"--latency-budget-ms must be positive, got {s.LatencyBudgetMs}"
            : s.AutoBatch is not null && s.LatencyBudgetMs is null ? "--auto-batch needs --latency-budget-ms"
            : null;
        if (problem is not null)
        {
            errors.WriteLine($"deepseek bench: {problem}");
            return 2;
        }
        if (s.Threads is int t) DeepSeekOptions.Threads = t;
        var progressWriter = s.Json ? errors : w;
        bool interactive = ReferenceEquals(progressWriter, Console.Out) ? !Console.IsOutputRedirected
            : ReferenceEquals(progressWriter, Console.Error) && !Console.IsErrorRedirected;
        var bar = new ProgressBar(progressWriter, interactive);
        try
        {
            using var source = ModelSource.Open(s.Model, s.ImageSize, s.SeqLen);
            var sizes = s.AutoBatch is { } r ? Candidates(r.Min, r.Max) : [s.BatchSize];
            var results = new List<BenchResult>();
            foreach (var b in sizes)
            {
                var res = Measure(source, b, s, bar);
                results.Add(res);
                Report(res, s, w);
                if (s.AutoBatch is not null && !res.WithinBudget) break; // larger batches only get slower per run
            }
            if (s.AutoBatch is null) return 0;
            var best = results.Where(x => x.WithinBudget).OrderByDescending(x => x.ItemsPerSecond).FirstOrDefault();
            ReportChoice(best, s, w);
            return best is null ? 1 : 0;
        }
        catch (Exception e) when (e is DeepSeekException or ArgumentException or IOException)
        {
            errors.WriteLine($"deepseek bench: {e.Message}");
            return 1;
        }
    }

    private static BenchResult Measure(ModelSource source, int batch, BenchSettings s, ProgressBar bar)
    {
        var pool = BackendRegistry.Get(Device.Cpu).Pool;
        pool.ResetPeak();
        using var loaded = source.Load(batch);
        using var runner = new ModelRunner(loaded, compiled: true);
        for (int i = 0; i < s.Warmup; i++) runner.Run();
        var ms = new double[s.Runs];
        string label = $"batch {batch,4}";
        for (int i = 0; i < s.Runs; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            runner.Run();
            ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            bar.Update(label, i + 1, s.Runs, string.Create(CultureInfo.InvariantCulture, $"last {ms[i]:F2} ms"));
        }
        var sorted = ms.OrderBy(x => x).ToArray();
        double p99 = Profile.Percentile(sorted, 99);
        var result = new BenchResult(batch, s.Runs, ms.Average(), Profile.Percentile(sorted, 50), Profile.Percentile(sorted, 90), p99,
            batch * 1000.0 / ms.Average(), pool.Statistics.PeakBytesInUse, s.LatencyBudgetMs is not { } budget || p99 <= budget);
        bar.Complete(label, s.Runs, string.Create(CultureInfo.InvariantCulture, $"p50 {result.P50Ms:F2} ms"));
        return result;
    }

    private static void Report(BenchResult r, BenchSettings s, TextWriter w)
    {
        if (s.Json)
        {
            w.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["type"] = "measurement", ["model"] = s.Model, ["batch_size"] = r.BatchSize, ["runs"] = r.Runs, ["mean_ms"] = r.MeanMs,
                ["p50_ms"] = r.P50Ms, ["p90_ms"] = r.P90Ms, ["p99_ms"] = r.P99Ms, ["items_per_s"] = r.ItemsPerSecond,
                ["peak_bytes"] = r.PeakBytes, ["within_budget"] = r.WithinBudget,
            }));
            return;
        }
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{s.Model} batch {r.BatchSize}: p50 {r.P50Ms:F2} ms  p90 {r.P90Ms:F2} ms  p99 {r.P99Ms:F2} ms  throughput {r.ItemsPerSecond:F1} items/s  peak {r.PeakBytes / 1048576.0:F1} MiB{(s.LatencyBudgetMs is null ? "" : r.WithinBudget ? "  (within budget)" : "  (over budget)")}"));
    }

    private static void ReportChoice(BenchResult? best, BenchSettings s, TextWriter w)
    {
        if (s.Json)
        {
            var d = new Dictionary<string, object?> { ["type"] = "choice", ["model"] = s.Model, ["latency_budget_ms"] = s.LatencyBudgetMs, ["batch_size"] = best?.BatchSize };
            if (best is not null)
            {
                d["items_per_s"] = best.ItemsPerSecond;
                d["p99_ms"] = best.P99Ms;
            }
            w.WriteLine(JsonSerializer.Serialize(d));
            return;
        }
        w.WriteLine(best is null
            ? string.Create(CultureInfo.InvariantCulture, $"no batch size keeps p99 within {s.LatencyBudgetMs} ms")
            : string.Create(CultureInfo.InvariantCulture, $"chosen batch size: {best.BatchSize} ({best.ItemsPerSecond:F1} items/s, p99 {best.P99Ms:F2} ms <= {s.LatencyBudgetMs} ms)"));
    }
}
