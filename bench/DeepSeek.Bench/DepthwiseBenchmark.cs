using System.Diagnostics;
using DeepSeek.Backends;
using DeepSeek.Graph;
using DeepSeek.Graph.Compilation;
using DeepSeek.Models;

namespace DeepSeek.Bench;

/// <summary>
/// <c>dw</c>: median µs of the MobileNetV3 / ResNet small kernels (depthwise convs with their fused epilogue, the RGB stem convs, ResNet's
/// MaxPool, GlobalAveragePool-sized adaptive pools) at 1 and 2 threads, median and minimum (the box is shared), through the backend entry points the compiled plan uses.
/// </summary>
internal static class DepthwiseBenchmark
{
    public static int Run(BenchArgs args)
    {
        if (args.Get("model") is { } model) return ModelCpu(model, args.Ints("batch", 1)[0], args.Ints("runs", 200)[0]);
        int[] threadCounts = args.Ints("threads", 1, 2);
        int rounds = args.Ints("rounds", 41)[0];
        int saved = DeepSeekOptions.Threads;
        var cases = new List<(string Name, Action Run, Action Dispose)>
        {
            Dw("dw 16ch 112² k3 s2 HardSwish", 1, 16, 112, 3, 2, EpilogueActivation.HardSwish),
            Dw("dw 72ch 56² k3 s2 Relu", 1, 72, 56, 3, 2, EpilogueActivation.Relu),
            Dw("dw 88ch 28² k3 s1 Relu", 1, 88, 28, 3, 1, EpilogueActivation.Relu),
            Dw("dw 96ch 28² k5 s2 HardSwish", 1, 96, 28, 5, 2, EpilogueActivation.HardSwish),
            Dw("dw 240ch 14² k5 s1", 1, 240, 14, 5, 1, EpilogueActivation.None),
            Dw("dw 576ch 7² k5 s1", 1, 576, 7, 5, 1, EpilogueActivation.None),
            Dw("dw 576ch 7² k5 s1 batch 8", 8, 576, 7, 5, 1, EpilogueActivation.HardSwish),
            Stem("stem conv 3→16 224² k3 s2 HardSwish", 1, 16, 3, EpilogueActivation.HardSwish),
            Stem("stem conv 3→64 224² k7 s2 Relu", 1, 64, 7, EpilogueActivation.Relu),
            Stem("stem conv 3→64 224² k7 s2 Relu batch 8", 8, 64, 7, EpilogueActivation.Relu),
            MaxPool("maxpool 64ch 112² k3 s2 p1", 1, 64, 112),
            MaxPool("maxpool 64ch 112² k3 s2 p1 batch 8", 8, 64, 112),
            Gap("gap 96ch 14²", 96, 14),
            Gap("gap 576ch 7²", 576, 7),
            Gap("gap 512ch 7²", 512, 7),
        };
        string? only = args.Get("only");
        foreach (var (name, run, dispose) in cases)
        {
            if (only is not null && !name.Contains(only, StringComparison.Ordinal)) { dispose(); continue; }
            var line = $"{name,-38}";
            foreach (int t in threadCounts)
            {
                DeepSeekOptions.Threads = t;
                for (int i = 0; i < 20; i++) run();
                var xs = new List<double>();
                for (int r = 0; r < rounds; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    for (int i = 0; i < 5; i++) run();
                    xs.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 5);
                }
                line += $"  {t}T {Timing.Median(xs),8:F1} µs (min {xs.Min(),7:F1})";
            }
            if (args.Flag("cpu"))
            {
                // process CPU time at one thread: on a shared, oversubscribed box wall time mostly measures the neighbours
                DeepSeekOptions.Threads = 1;
                var proc = System.Diagnostics.Process.GetCurrentProcess();
                var cpu = new List<double>();
                for (int r = 0; r < 5; r++)
                {
                    proc.Refresh();
                    var c0 = proc.TotalProcessorTime;
                    long t0 = Stopwatch.GetTimestamp();
                    int calls = 0;
                    while (Stopwatch.GetElapsedTime(t0).TotalSeconds < 0.4) { for (int i = 0; i < 10; i++) run(); calls += 10; }
                    proc.Refresh();
                    cpu.Add((proc.TotalProcessorTime - c0).TotalMicroseconds / calls);
                }
                line += $"  1T cpu {cpu.Min(),8:F1} µs";
            }
            Console.WriteLine(line);
            dispose();
        }
        DeepSeekOptions.Threads = saved;
        return 0;
    }

    // process CPU time per compiled forward at one thread (wall time on a shared box mostly measures the neighbours)
    private static int ModelCpu(string name, int batch, int runs)
    {
        DeepSeekOptions.Threads = 1;
        using var m = ModelZoo.CreateAny(name, new Generator(42));
        m.Eval();
        using var x = Tensor.RandN(new Shape(batch, 3, 224, 224), new Generator(7));
        using var graph = Tracer.Trace(m.Forward, x, new DeepSeek.Graph.TraceOptions { BatchDimName = "batch", InputNames = ["input"] });
        using var compiled = Compiler.Compile(graph);
        Tensor[] inputs = [x];
        for (int i = 0; i < 5; i++) foreach (var t in compiled.Run(inputs)) t.Dispose();
        var proc = System.Diagnostics.Process.GetCurrentProcess();
        var per = new List<double>();
        for (int r = 0; r < 5; r++)
        {
            proc.Refresh();
            var c0 = proc.TotalProcessorTime;
            for (int i = 0; i < runs / 5; i++) foreach (var t in compiled.Run(inputs)) t.Dispose();
            proc.Refresh();
            per.Add((proc.TotalProcessorTime - c0).TotalMilliseconds / (runs / 5));
        }
        long a0 = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < 10; i++) foreach (var t in compiled.Run(inputs)) t.Dispose();
        long allocated = (GC.GetTotalAllocatedBytes(precise: true) - a0) / 10;
        Console.WriteLine($"{name} batch {batch}, 1 thread: {per.Min():F2} ms CPU per forward (min of 5; all {string.Join(", ", per.Select(v => v.ToString("F2")))}), {allocated} B managed allocation per forward");
        return 0;
    }

    private static (string, Action, Action) Dw(string name, int n, int c, int hw, int k, int s, EpilogueActivation act)
    {
        var g = new Generator(1);
        var x = Tensor.RandN(new Shape(n, c, hw, hw), g);
        var w = Tensor.RandN(new Shape(c, 1, k, k), g);
        var b = Tensor.RandN(new Shape(c), g);
        var p = new Conv2dParams(s, s, k / 2, k / 2, k / 2, k / 2, 1, 1, c);
        int o = (hw + 2 * (k / 2) - k) / s + 1;
        var y = Tensor.Zeros(n, c, o, o);
        var pw = PackedWeights.ForConv(w, c, o * o);
        var e = new Epilogue(act);
        return (name, () => x.Backend.Conv2d(x, pw, b, p, y, e), () => { pw.Dispose(); x.Dispose(); w.Dispose(); b.Dispose(); y.Dispose(); });
    }

    private static (string, Action, Action) Stem(string name, int n, int cout, int k, EpilogueActivation act)
    {
        var g = new Generator(4);
        var x = Tensor.RandN(new Shape(n, 3, 224, 224), g);
        var w = Tensor.RandN(new Shape(cout, 3, k, k), g);
        var b = Tensor.RandN(new Shape(cout), g);
        var p = new Conv2dParams(2, 2, k / 2, k / 2, k / 2, k / 2, 1, 1, 1);
        var y = Tensor.Zeros(n, cout, 112, 112);
        var pw = PackedWeights.ForConv(w, 1, 112 * 112);
        var e = new Epilogue(act);
        return (name, () => x.Backend.Conv2d(x, pw, b, p, y, e), () => { pw.Dispose(); x.Dispose(); w.Dispose(); b.Dispose(); y.Dispose(); });
    }

    private static (string, Action, Action) MaxPool(string name, int n, int c, int hw)
    {
        var x = Tensor.RandN(new Shape(n, c, hw, hw), new Generator(2));
        var y = Tensor.Zeros(n, c, hw / 2, hw / 2);
        var p = new Pool2dParams(3, 3, 2, 2, 1, 1, 1, 1);
        return (name, () => x.Backend.MaxPool2d(x, p, y, null), () => { x.Dispose(); y.Dispose(); });
    }

    private static (string, Action, Action) Gap(string name, int c, int hw)
    {
        var x = Tensor.RandN(new Shape(1, c, hw, hw), new Generator(3));
        var y = Tensor.Zeros(1, c, 1, 1);
        return (name, () => x.Backend.AdaptiveAvgPool2d(x, y), () => { x.Dispose(); y.Dispose(); });
    }
}
