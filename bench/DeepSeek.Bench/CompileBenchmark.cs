// `compile`: eager vs compiled latency and memory per zoo model (issue #5's acceptance table). Eager = the module's
// Forward; compiled = Compiler.Compile over the same module (all passes, static plan). Runs alternate
// (eager, compiled, eager, …) after warm-up so drift hits both; medians are reported.
using System.Diagnostics;
using System.Globalization;
using DeepSeek.Backends;
using DeepSeek.Graph.Compilation;
using DeepSeek.Models;
using DeepSeek.NN;

namespace DeepSeek.Bench;

internal static class CompileBenchmark
{
    private sealed record Case(string Name, Func<Tensor[], Tensor[]> Forward, Func<int, Tensor> Input, IDisposable Model);

    public static int Run(BenchArgs args)
    {
        var models = (args.Get("models") ?? "resnet18,mobilenet_v3_small,bert-base").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var batches = args.Ints("batches", 1, 8);
        int runs = args.Ints("runs", 7)[0], warmup = args.Ints("warmup", 2)[0];
        int level = args.Ints("level", 3)[0];
        if (args.Get("threads") is { } th) DeepSeekOptions.Threads = int.Parse(th, CultureInfo.InvariantCulture);
        bool json = args.Flag("json");
        foreach (var name in models)
        {
            var c = Create(name);
            try
            {
                foreach (int b in batches) Measure(c, b, runs, warmup, level, json);
            }
            finally { c.Model.Dispose(); }
        }
        return 0;
    }

    private static Case Create(string name)
    {
        var m = ModelZoo.CreateAny(name, new Generator(42));
        m.Eval();
        Func<int, Tensor> input = ModelZoo.IsTextModel(name)
            ? b => Tensor.RandInt(0, 1000, new Shape(b, 128), new Generator(7))
            : b => Tensor.RandN(new Shape(b, 3, 224, 224), new Generator(7));
        return new Case(name, xs => [m.Forward(xs[0])], input, m);
    }

    private static void Measure(Case c, int batch, int runs, int warmup, int level, bool json)
    {
        var pool = BackendRegistry.Get(Device.Cpu).Pool;
        using var x = c.Input(batch);
        // eager peak: bytes in use above the baseline (weights, input) during one forward
        long baseline = pool.Statistics.BytesInUse;
        pool.ResetPeak();
        using (Tensor.NoGrad()) foreach (var o in c.Forward([x])) o.Dispose();
        long eagerPeak = pool.Statistics.PeakBytesInUse - baseline;

        using var compiled = Compiler.Compile(c.Forward, new CompileOptions { OptimizationLevel = level });
        void Eager() { using (Tensor.NoGrad()) foreach (var o in c.Forward([x])) o.Dispose(); }
        void Compiled() { foreach (var o in compiled.Run(x)) o.Dispose(); }
        for (int i = 0; i < warmup; i++) { Eager(); Compiled(); }
        var te = new List<double>(); var tc = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            te.Add(Time(Eager));
            tc.Add(Time(Compiled));
        }
        double e = Timing.Median(te), k = Timing.Median(tc);
        long planned = compiled.MemoryReport?.ArenaBytes ?? 0;
        if (json)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"model\":\"{c.Name}\",\"batch\":{batch},\"eager_ms\":{e:F2},\"compiled_ms\":{k:F2},\"speedup\":{e / k:F3},\"eager_peak_bytes\":{eagerPeak},\"planned_bytes\":{planned}}}"));
        else
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Name,-20} batch {batch,2}: eager {e,9:F2} ms  compiled {k,9:F2} ms  speedup {e / k,5:F2}x  eager peak {eagerPeak / 1048576.0,8:F1} MiB  planned {planned / 1048576.0,8:F1} MiB ({(double)planned / eagerPeak:P0})"));
    }

    private static double Time(Action a)
    {
        long t0 = Stopwatch.GetTimestamp();
        a();
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
}
