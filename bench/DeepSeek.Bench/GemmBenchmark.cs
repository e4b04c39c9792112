using System.Globalization;
using System.Runtime.InteropServices;
using DeepSeek.Backends.Cpu;
using DeepSeek.Backends.Cpu.Gemm;
using Microsoft.ML.OnnxRuntime;

namespace DeepSeek.Bench;

/// <summary>
/// <c>gemm</c>: SGEMM C = A·B (square sizes or --shapes MxNxK), ours (Sgemm.Run) against ONNX Runtime's MatMul (MLAS) on
/// the same pre-bound buffers, samples interleaved in alternating order after warm-up; medians (and best) of per-sample
/// GFLOP/s; checks both results agree (max |diff|).
/// </summary>
internal static unsafe class GemmBenchmark
{
    private static int PauseMs = 200;
    private static string? Only;
    private static bool TransA, TransB; // tuning aid: our operands read as transposed storage (the diff vs ORT is then meaningless)

    public static int Run(BenchArgs args)
    {
        Only = args.Get("only");
        TransA = args.Flag("trans-a");
        TransB = args.Flag("trans-b");
        Sgemm.UseSharedB = !args.Flag("no-shared-b");
        PauseMs = args.Ints("pause-ms", 200)[0];
        SgemmParallel.BlocksPerThread = args.Ints("blocks-per-thread", SgemmParallel.BlocksPerThread)[0];
        var sizes = args.Ints("sizes", 256, 512, 1024, 2048);
        var threads = args.Ints("threads", 1, 2);
        bool json = args.Flag("json");
        var cfg = args.Get("kernel") switch
        {
            null => SgemmConfig.ForCurrentLevel(),
            "avx512" => SgemmConfig.Avx512,
            "avx512-12" => SgemmConfig.Avx512Mr12,
            "avx2" => SgemmConfig.Avx2,
            "scalar" => SgemmConfig.Scalar,
            var k => throw new ArgumentException($"--kernel: unknown kernel '{k}' (avx512, avx512-12, avx2, scalar)"),
        };
        var blocks = args.Ints("blocks");
        if (blocks.Length == 3) cfg = cfg.WithBlocks(blocks[0], blocks[1], blocks[2]);
        else if (blocks.Length != 0) throw new ArgumentException("--blocks: expected MC,KC,NC");
        if (!json)
        {
            Console.WriteLine($"SGEMM C = A·B (row-major), kernel {cfg.Name} MC={cfg.MC} KC={cfg.KC} NC={cfg.NC}, ORT {OrtEnv.Instance().GetVersionString()}");
            Console.WriteLine($"{"n (or MxNxK)",16} {"thr",4} {"ours GF/s",10} {"ORT GF/s",10} {"ratio",7} {"max|diff|",10} {"reps",5} {"ours best",9} {"ORT best",9}");
        }
        var shapes = sizes.Select(n => (n, n, n)).ToList();
        if (args.Get("shapes") is { } list)
            shapes = list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ParseShape).ToList();
        foreach (var (m, n, k) in shapes)
            foreach (var t in threads)
                RunOne(cfg, m, n, k, t, json);
        return 0;
    }

    private static (int, int, int) ParseShape(string s)
    {
        var p = s.Split('x');
        if (p.Length != 3 || !p.All(x => int.TryParse(x, out var v) && v > 0))
            throw new ArgumentException($"--shapes: expected MxNxK entries like 8x768x768, got '{s}'");
        return (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture));
    }

    private static void RunOne(SgemmConfig cfg, int m, int n, int k, int threads, bool json)
    {
        long countA = (long)m * k, countB = (long)k * n, count = (long)m * n;
        var rng = new Random(1234 + n);
        var a = new float[countA];
        var b = new float[countB];
        for (long i = 0; i < countA; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        for (long i = 0; i < countB; i++) b[i] = (float)(rng.NextDouble() * 2 - 1);
        var ortOut = new float[count];

        float* pa = (float*)NativeMemory.AlignedAlloc((nuint)(countA * 4), 64);
        float* pb = (float*)NativeMemory.AlignedAlloc((nuint)(countB * 4), 64);
        float* pc = (float*)NativeMemory.AlignedAlloc((nuint)(count * 4), 64);
        a.AsSpan().CopyTo(new Span<float>(pa, (int)countA));
        b.AsSpan().CopyTo(new Span<float>(pb, (int)countB));

        long[] shapeA = [m, k], shapeB = [k, n], shapeY = [m, n];
        var model = OnnxModelBuilder.SingleNode("MatMul", [("A", shapeA), ("B", shapeB)], [("Y", shapeY)]);
        using var so = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(model, so);
        using var va = OrtValue.CreateTensorValueFromMemory(a, shapeA);
        using var vb = OrtValue.CreateTensorValueFromMemory(b, shapeB);
        using var vy = OrtValue.CreateTensorValueFromMemory(ortOut, shapeY);
        using var binding = session.CreateIoBinding();
        binding.BindInput("A", va);
        binding.BindInput("B", vb);
        binding.BindOutput("Y", vy);
        using var runOptions = new RunOptions();

        int oldThreads = DeepSeekOptions.Threads;
        DeepSeekOptions.Threads = threads;
        try
        {
            var config = cfg;
            Action ours = () => Sgemm.Run(config, TransA, TransB, m, n, k, 1f, pa, TransA ? m : k, pb, TransB ? k : n, 0f, pc, n, default, threads, allowGemv: true);
            Action ort = () => session.RunWithBinding(runOptions, binding);

            // warm-up (JIT, pools, page faults) and calibration
            for (int i = 0; i < 3; i++) { ours(); ort(); }
            double est = Math.Min(Timing.Measure(ours, 1), Timing.Measure(ort, 1));
            int inner = Timing.InnerCount(est, 0.02);
            double macs = (double)m * n * k;
            int reps = macs >= 2048.0 * 2048 * 2048 ? 10 : macs >= 1024.0 * 1024 * 1024 ? 15 : 30;

            var oursS = new List<double>();
            var ortS = new List<double>();
            for (int r = 0; r < reps; r++)
            {
                // the pause lets each side's spinning workers park before the other side runs (ORT's intra-op threads
                // spin for a while after a run); the order alternates (A B, B A, …) so neither side always goes first
                bool oursFirst = r % 2 == 0;
                for (int side = 0; side < 2; side++)
                {
                    bool runOurs = (side == 0) == oursFirst;
                    if (runOurs && Only != "ort") { Thread.Sleep(PauseMs); oursS.Add(Timing.Measure(ours, inner)); }
                    if (!runOurs && Only != "ours") { Thread.Sleep(PauseMs); ortS.Add(Timing.Measure(ort, inner)); }
                }
            }
            if (oursS.Count == 0) oursS.Add(double.NaN);
            if (ortS.Count == 0) ortS.Add(double.NaN);
            double flops = 2.0 * m * n * k;
            double og = flops / Timing.Median(oursS) / 1e9, rg = flops / Timing.Median(ortS) / 1e9;
            double ob = flops / oursS.Min() / 1e9, rb = flops / ortS.Min() / 1e9; // best sample: less sensitive to a busy machine
            double maxDiff = 0;
            for (long i = 0; i < count; i++) maxDiff = Math.Max(maxDiff, Math.Abs(pc[i] - ortOut[i]));
            var inv = CultureInfo.InvariantCulture;
            if (json)
                Console.WriteLine(string.Format(inv,
                    "{{\"op\":\"sgemm\",\"n\":{0},\"m\":{9},\"k\":{10},\"threads\":{1},\"ours_gflops\":{2:F2},\"ort_gflops\":{3:F2},\"ratio\":{4:F3},\"max_abs_diff\":{5:G3},\"ours_best_gflops\":{6:F2},\"ort_best_gflops\":{7:F2},\"kernel\":\"{8}\"}}",
                    n, threads, og, rg, og / rg, maxDiff, ob, rb, cfg.Name, m, k));
            else
                Console.WriteLine(string.Format(inv, "{9,16} {1,4} {2,10:F1} {3,10:F1} {4,7:F3} {5,10:G3} {6,5} {7,9:F1} {8,9:F1}", n, threads, og, rg, og / rg, maxDiff, reps, ob, rb, m == n && n == k ? n.ToString(inv) : $"{m}x{n}x{k}"));
        }
        finally
        {
            DeepSeekOptions.Threads = oldThreads;
            NativeMemory.AlignedFree(pa);
            NativeMemory.AlignedFree(pb);
            NativeMemory.AlignedFree(pc);
        }
    }
}
