namespace DeepSeek.Bench;

/// <summary>Benchmark verbs: <c>DeepSeek.Bench &lt;verb&gt; [options]</c>. Each verb lives in its own file.</summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Help, Func<BenchArgs, int> Run)> Verbs = new()
    {
        ["gemm"] = ("SGEMM GFLOP/s vs ONNX Runtime MatMul  [--json] [--sizes 256,512,1024,2048 | --shapes MxNxK,...] [--threads 1,2] [--kernel avx512|avx512-12|avx2|scalar] [--blocks MC,KC,NC] [--only ours|ort] [--trans-a] [--trans-b] [--no-shared-b] [--pause-ms 200] [--blocks-per-thread 6]", GemmBenchmark.Run),
        ["compile"] = ("eager vs compiled latency and memory per zoo model  [--json] [--models resnet18,mobilenet_v3_small,bert-base] [--batches 1,8] [--runs 7] [--warmup 2] [--level 3] [--threads N]", CompileBenchmark.Run),
        ["compare"] = ("the same ONNX model in DeepSeek (compiled) and ONNX Runtime, interleaved  MODEL.onnx|--model resnet18,mobilenet_v3_small,bert-base [--input NAME=FILE.npy ...] [--expect OUTPUT=FILE.npy ...] [--batch 1,8] [--threads 1,2] [--runs 10] [--warmup 10] [--pause-ms 100] [--json] [--markdown]", CompareBenchmark.Run),
        ["dw"] = ("depthwise conv / MaxPool / global average pool kernels, median µs  [--threads 1,2] [--rounds 41] [--cpu] [--only SUBSTRING] | --model resnet18|mobilenet_v3_small [--batch 1] [--runs 200]", DepthwiseBenchmark.Run),
        ["pool"] = ("fork-join latency of the kernel worker pool vs Parallel.For  [--threads 2]", PoolBenchmark.Run),
        ["profiler"] = ("profiler overhead: resnet18 runs with no observer vs a ProfileSession (interpreter and compiled plan)  [--batch 8] [--rounds 11] [--threads N]", ProfilerBenchmark.Run),
        ["conv"] = ("3×3 stride-1 convs of ResNet-18/50: packed im2col GEMM vs Winograd F(4×4,3×3), interleaved  [--batches 1,8] [--threads 2,1] [--rounds 15] [--shapes 64@56,128@28] | --model resnet18 [--min-tiles 16] (whole model compiled with/without Winograd)", ConvBenchmark.Run),
        ["fused"] = ("ResNet-18 convs / BERT linears: unfused interpreter vs FusedConv/FusedGemm static kernels  [--threads 2] [--rounds 21]", FusedBenchmark.Run),
    };

    private static int Main(string[] args)
    {
        if (args.Length == 0 || !Verbs.TryGetValue(args[0], out var verb))
        {
            if (args.Length > 0) Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
            Console.Error.WriteLine("usage: DeepSeek.Bench <verb> [options]");
            foreach (var (name, v) in Verbs) Console.Error.WriteLine($"  {name,-8} {v.Help}");
            return 2;
        }
        try
        {
            return verb.Run(BenchArgs.Parse(args.AsSpan(1)));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
    }
}
