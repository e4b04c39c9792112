using System.Diagnostics;
using DeepSeek.Graph;
using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;
using DeepSeek.Models;
using DeepSeek.Profiler;

namespace DeepSeek.Bench;

/// <summary>
/// <c>profiler</c>: the cost of profiling. ResNet-18 (traced, random weights) runs through the Interpreter and through
/// the compiled ExecutionPlan, alternating rounds without an observer and inside a ProfileSession; medians of the
/// per-round mean. The disabled cost is the one read of ExecutionObserver.Current per run, timed on its own.
/// </summary>
internal static class ProfilerBenchmark
{
    public static int Run(BenchArgs args)
    {
        DeepSeekOptions.Threads = args.Ints("threads", DeepSeekOptions.Threads)[0];
        int batch = args.Ints("batch", 8)[0], rounds = args.Ints("rounds", 11)[0];
        using var model = ModelZoo.Create("resnet18", generator: new Generator(0));
        model.Eval();
        using var x = Tensor.RandN(new Shape(batch, 3, 224, 224), new Generator(1));
        Graph.Graph traced;
        using (Tensor.NewScope()) traced = Tracer.Trace(t => model.Forward(t), x);
        using var graph = traced;
        using var optimised = graph.Clone();
        PassManager.Run(optimised, new CompileOptions());
        using var plan = ExecutionPlan.Create(optimised, [x]);
        var interpreter = new Interpreter();
        void Interp()
        {
            foreach (var o in interpreter.Run(graph, new Dictionary<string, RuntimeValue> { [graph.Inputs[0].Name] = new TensorValue(x) }).Values) o.Dispose();
        }
        void Plan()
        {
            foreach (var t in plan.Run([x])) t.Dispose();
        }
        Console.WriteLine($"resnet18 batch {batch}, threads {DeepSeekOptions.Threads}, {rounds} rounds; median ms per run");
        foreach (var (name, run) in new (string, Action)[] { ("interpreter", Interp), ("compiled plan", Plan) })
        {
            run();
            var off = new List<double>();
            var on = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                off.Add(Timing.Measure(run, 2) * 1e3);
                using var session = new ProfileSession().Start();
                on.Add(Timing.Measure(run, 2) * 1e3);
                session.Stop();
            }
            double a = Timing.Median(off), b = Timing.Median(on);
            Console.WriteLine($"{name,-14} off {a,9:F2}  profiled {b,9:F2}  overhead {100 * (b - a) / a,6:F2}%");
        }
        // disabled: one read of the ambient observer per run
        const int reads = 10_000_000;
        long t0 = Stopwatch.GetTimestamp();
        int seen = 0;
        for (int i = 0; i < reads; i++) if (ExecutionObserver.Current is not null) seen++;
        double ns = Stopwatch.GetElapsedTime(t0).TotalSeconds * 1e9 / reads;
        Console.WriteLine($"disabled: ExecutionObserver.Current costs {ns:F2} ns per run ({seen} observers seen)");
        return 0;
    }
}
