// `deepseek profile MODEL`: runs a model under a ProfileSession and writes profile.json (+ optional Chrome trace and
// SVG chart), printing the per-op-type and per-layer tables and how the summed op time compares with the end-to-end
// time. Default executor: the Interpreter on the traced graph; --compiled: the ExecutionPlan of the optimised graph.
using System.CommandLine;
using System.Globalization;
using DeepSeek.Profiler;

namespace DeepSeek.Cli;

/// <summary>Settings of one `deepseek profile` invocation.</summary>
internal sealed record ProfileSettings(string Model, int BatchSize, string Output, string? Trace, string? Svg, bool Compiled,
    int? Threads, int Runs, int Warmup, int Top, int ImageSize, int SeqLen);

/// <summary>`deepseek profile`.</summary>
internal static class ProfileCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "An .onnx file or a zoo name (resnet18, resnet50, bert-base, bert-tiny, gpt2, ...)" };
        var batch = new Option<int>("--batch-size") { Description = "Examples per run", DefaultValueFactory = _ => 64 };
        var output = new Option<string>("--output", "-o") { Description = "profile.json path", DefaultValueFactory = _ => "profile.json" };
        var trace = new Option<string?>("--trace") { Description = "Also write a Chrome trace-event file (open in Perfetto / chrome://tracing)" };
        var svg = new Option<string?>("--svg") { Description = "Also write an SVG bar chart of time by op type" };
        var compiled = new Option<bool>("--compiled") { Description = "Profile the ExecutionPlan of the optimised graph (default: the Interpreter on the traced graph)" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for kernels (default: all cores or DEEPSEEK_NUM_THREADS)" };
        var runs = new Option<int>("--runs") { Description = "Profiled runs", DefaultValueFactory = _ => 3 };
        var warmup = new Option<int>("--warmup") { Description = "Unprofiled warm-up runs", DefaultValueFactory = _ => 1 };
        var top = new Option<int>("--top") { Description = "Rows per printed table", DefaultValueFactory = _ => 15 };
        var imageSize = new Option<int>("--image-size") { Description = "Image side for vision models", DefaultValueFactory = _ => 224 };
        var seqLen = new Option<int>("--seq-len") { Description = "Sequence length for text models and symbolic ONNX dims", DefaultValueFactory = _ => 128 };
        var cmd = new Command("profile", "Profile a model: per-op and per-layer times, FLOPs, bytes and memory; profile.json, Chrome trace, SVG")
        {
            model, batch, output, trace, svg, compiled, threads, runs, warmup, top, imageSize, seqLen,
        };
        cmd.SetAction(r => Run(new ProfileSettings(r.GetValue(model)!, r.GetValue(batch), r.GetValue(output)!, r.GetValue(trace), r.GetValue(svg),
            r.GetValue(compiled), r.GetValue(threads), r.GetValue(runs), r.GetValue(warmup), r.GetValue(top), r.GetValue(imageSize), r.GetValue(seqLen)), Console.Out));
        return cmd;
    }

    public static int Run(ProfileSettings s, TextWriter w, TextWriter? errors = null)
    {
        errors ??= Console.Error;
        string? problem = s.BatchSize < 1 ? $"--batch-size must be at least 1, got {s.BatchSize}"
            : s.Runs < 1 ? $"--runs must be at least 1, got {s.Runs}"
            : s.Warmup < 0 ? $"--warmup must not be negative, got {s.Warmup}"
            : s.Top < 1 ? $"--top must be at least 1, got {s.Top}"
            : s.Threads is < 1 ? $"--threads must be at least 1, got {s.Threads}"
            : null;
        if (problem is not null)
        {
            errors.WriteLine($"deepseek profile: {problem}");
            return 2;
        }
        if (s.Threads is int t) DeepSeekOptions.Threads = t;
        try
        {
            using var source = ModelSource.Open(s.Model, s.ImageSize, s.SeqLen);
            using var loaded = source.Load(s.BatchSize);
            using var runner = new ModelRunner(loaded, s.Compiled);
            for (int i = 0; i < s.Warmup; i++) runner.Run();
            using var session = new ProfileSession();
            session.Metadata["model"] = s.Model;
            session.Metadata["batch_size"] = s.BatchSize.ToString(CultureInfo.InvariantCulture);
            session.Metadata["executor"] = runner.Executor;
            session.Metadata["threads"] = DeepSeekOptions.Threads.ToString(CultureInfo.InvariantCulture);
            session.Metadata["runs"] = s.Runs.ToString(CultureInfo.InvariantCulture);
            session.Start();
            var bar = ProgressBar.ForConsole(w);
            for (int i = 0; i < s.Runs; i++)
            {
                session.Step(() => { runner.Run(); return 0; });
                bar.Update("profiling", i + 1, s.Runs, "");
            }
            var profile = session.Stop();
            bar.Complete("profiling", s.Runs, "");
            Write(profile, s, w);
            return 0;
        }
        catch (Exception e) when (e is DeepSeekException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"deepseek profile: {e.Message}");
            return 1;
        }
    }

    private static void Write(Profile profile, ProfileSettings s, TextWriter w)
    {
        var ci = CultureInfo.InvariantCulture;
        ProfileJson.WriteFile(profile, s.Output);
        if (s.Trace is not null) ChromeTrace.WriteFile(profile, s.Trace);
        if (s.Svg is not null) File.WriteAllText(s.Svg, ProfileSvg.BarChart(profile.ByOpType(), $"{s.Model} batch {s.BatchSize}: time by op type", s.Top));
        w.WriteLine();
        w.Write(ProfileTable.Format(profile.ByOpType(), "op type", s.Top));
        w.WriteLine();
        w.Write(ProfileTable.Format(profile.ByLayer(), "layer", s.Top));
        w.WriteLine();
        double share = profile.StepTotalUs > 0 ? 100 * profile.OpTotalUs / profile.StepTotalUs : 0;
        w.WriteLine(string.Create(ci, $"{profile.Events.Count} op executions in {profile.Steps.Count} runs: ops {profile.OpTotalUs / 1000:F2} ms of {profile.StepTotalUs / 1000:F2} ms end-to-end ({share:F1}%), peak pool {profile.PeakBytesInUse / 1048576.0:F1} MiB"));
        w.WriteLine($"wrote {s.Output}{(s.Trace is null ? "" : ", " + s.Trace)}{(s.Svg is null ? "" : ", " + s.Svg)}");
    }
}
