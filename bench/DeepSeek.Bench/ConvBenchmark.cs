using DeepSeek.Backends;
using DeepSeek.Backends.Cpu.Conv;
using DeepSeek.Graph.Compilation;
using DeepSeek.Models;

namespace DeepSeek.Bench;

/// <summary>
/// <c>conv</c>: 3×3 stride-1 pad-1 convolutions of ResNet-18/50 (+ bias + residual + Relu, the basic block's second conv)
/// through the packed implicit-im2col GEMM (PackedWeights.ForConv for the output plane, the compiled path before
/// Winograd) and Winograd F(4×4, 3×3) (PackedWeights.ForConvWinograd), interleaved (the order alternates each round),
/// per batch and thread count: medians in ms, GFLOP/s of the direct algorithm's 2·N·Cout·Cin·9·OH·OW, the ratio, and
/// what WinogradConv.Prefer picks. The numbers behind Prefer's thresholds.
/// </summary>
internal static class ConvBenchmark
{
    public static int Run(BenchArgs args)
    {
        int rounds = args.Ints("rounds", 15)[0];
        if (args.Get("min-tiles") is { } mt) WinogradConv.MinTiles = long.Parse(mt);
        if (args.Get("model") is { } model) return WholeModel(model, args.Ints("batches", 1, 8), args.Ints("threads", 2)[0], args.Ints("rounds", 21)[0]);
        int[] batches = args.Ints("batches", 1, 8), threadCounts = args.Ints("threads", 2, 1);
        // channels (Cin = Cout), H = W: ResNet-18 basic blocks and ResNet-50 bottleneck 3×3 convs, plus neighbours for the thresholds
        var shapes = args.Get("shapes") is { } s
            ? s.Split(',').Select(v => v.Split('@')).Select(v => (int.Parse(v[0]), int.Parse(v[1]))).ToArray()
            : [(64, 56), (128, 28), (256, 14), (512, 7), (64, 28), (128, 14), (256, 7), (32, 56)];
        int saved = DeepSeekOptions.Threads;
        Console.WriteLine($"{rounds} rounds, median ms; GF/s = 2·N·Cout·Cin·9·OH·OW / time");
        Console.WriteLine($"{"shape",-14} {"batch",5} {"thr",3} {"direct ms",10} {"GF/s",6} {"winograd ms",11} {"GF/s",6} {"ratio",6} {"max|Δ|/max|y|",14} {"Prefer",6}");
        try
        {
            foreach (int threads in threadCounts)
                foreach (int batch in batches)
                    foreach (var (c, hw) in shapes)
                    {
                        DeepSeekOptions.Threads = threads;
                        Measure(c, hw, batch, threads, rounds);
                    }
        }
        finally
        {
            DeepSeekOptions.Threads = saved;
        }
        return 0;
    }

    private static void Measure(int c, int hw, int batch, int threads, int rounds)
    {
        using var scope = Tensor.NewScope();
        var g = new Generator(7);
        var x = Tensor.RandN(new Shape(batch, c, hw, hw), g);
        var w = Tensor.RandN(new Shape(c, c, 3, 3), g).Mul(Math.Sqrt(2.0 / (9 * c)));
        var b = Tensor.RandN(new Shape(c), g);
        var z = Tensor.RandN(new Shape(batch, c, hw, hw), g);
        var p = new Conv2dParams(1, 1, 1, 1, 1, 1, 1, 1, 1);
        var e = Epilogue.Relu.WithResidual(z);
        using var direct = PackedWeights.ForConv(w, 1, hw * hw);
        using var wino = PackedWeights.ForConvWinograd(w);
        var yd = Tensor.Empty(new Shape(batch, c, hw, hw));
        var yw = Tensor.Empty(new Shape(batch, c, hw, hw));
        void RunDirect() => x.Backend.Conv2d(x, direct, b, p, yd, e);
        void RunWino() => x.Backend.Conv2d(x, wino, b, p, yw, e);
        RunDirect();
        RunWino();
        double err = MaxRelDiff(yd, yw);
        double once = Timing.Measure(RunDirect, 3);
        int inner = Timing.InnerCount(once, 0.03);
        var td = new List<double>();
        var tw = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            if (r % 2 == 0) { td.Add(Timing.Measure(RunDirect, inner)); tw.Add(Timing.Measure(RunWino, inner)); }
            else { tw.Add(Timing.Measure(RunWino, inner)); td.Add(Timing.Measure(RunDirect, inner)); }
        }
        double md = Timing.Median(td), mw = Timing.Median(tw);
        double gflop = 2.0 * batch * c * c * 9 * hw * hw / 1e9;
        bool prefer = WinogradConv.Prefer(c, c, hw, hw, batch);
        Console.WriteLine($"{c + "@" + hw + "²",-14} {batch,5} {threads,3} {md * 1e3,10:F3} {gflop / md,6:F0} {mw * 1e3,11:F3} {gflop / mw,6:F0} {md / mw,6:F2} {err,14:E1} {(prefer ? "wino" : "direct"),6}");
    }

    // The zoo model compiled twice, once with WinogradConv.Prefer switched off (packing happens on the first run), run interleaved.
    private static int WholeModel(string name, int[] batches, int threads, int rounds)
    {
        DeepSeekOptions.Threads = threads;
        using var m = ModelZoo.CreateAny(name, new Generator(42));
        m.Eval();
        foreach (int batch in batches)
        {
            using var scope = Tensor.NewScope();
            var x = Tensor.RandN(new Shape(batch, 3, 224, 224), new Generator(7));
            using var direct = Compiler.Compile(xs => [m.Forward(xs[0])]);
            using var wino = Compiler.Compile(xs => [m.Forward(xs[0])]);
            WinogradConv.Enabled = false;
            var yd = direct.Run(x);
            WinogradConv.Enabled = true;
            var yw = wino.Run(x);
            double err = MaxRelDiff(yd[0], yw[0]);
            void RunDirect() { foreach (var o in direct.Run(x)) o.Dispose(); }
            void RunWino() { foreach (var o in wino.Run(x)) o.Dispose(); }
            for (int i = 0; i < 2; i++) { RunDirect(); RunWino(); }
            var td = new List<double>();
            var tw = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                if (r % 2 == 0) { td.Add(Timing.Measure(RunDirect, 1)); tw.Add(Timing.Measure(RunWino, 1)); }
                else { tw.Add(Timing.Measure(RunWino, 1)); td.Add(Timing.Measure(RunDirect, 1)); }
            }
            double md = Timing.Median(td), mw = Timing.Median(tw);
            Console.WriteLine($"{name} batch {batch} threads {threads}: compiled without Winograd {md * 1e3:F2} ms, with {mw * 1e3:F2} ms, speed-up {md / mw:F2}, max|Δ|/max|y| {err:E1}");
        }
        return 0;
    }

    private static double MaxRelDiff(Tensor a, Tensor b)
    {
        var x = a.ToDoubleArray();
        var y = b.ToDoubleArray();
        double diff = 0, scale = 0;
        for (int i = 0; i < x.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(x[i] - y[i]));
            scale = Math.Max(scale, Math.Abs(x[i]));
        }
        return diff / Math.Max(scale, 1e-30);
    }
}
