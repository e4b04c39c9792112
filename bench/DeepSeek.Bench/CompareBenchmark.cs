// `compare`: the same ONNX file in DeepSeek (Compiler.Compile on the imported graph: all passes, static plan) and in ONNX
// Runtime (ORT_ENABLE_ALL, same thread count), run interleaved (A B, B A, … after warm-up), medians and the largest
// output difference. MODEL is an .onnx path or a zoo name (resnet18, resnet50, mobilenet_v3_small, bert-base, …), which
// is traced and exported by DeepSeek to a temporary .onnx first, so both engines read the same file.
using System.Diagnostics;
using System.Globalization;
using DeepSeek.Graph;
using DeepSeek.Graph.Compilation;
using DeepSeek.Models;
using DeepSeek.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace DeepSeek.Bench;

internal static class CompareBenchmark
{
    public static int Run(BenchArgs args)
    {
        var model = args.Get("model") ?? throw new ArgumentException("compare: --model MODEL.onnx | zoo name is required");
        int batch = args.Ints("batch", 1)[0], threads = args.Ints("threads", 2)[0];
        int runs = args.Ints("runs", 10)[0], warmup = args.Ints("warmup", 3)[0], pauseMs = args.Ints("pause-ms", 100)[0];
        DeepSeekOptions.Threads = threads;
        string path = model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? model : ExportZoo(model, batch);
        using var graph = OnnxImporter.Import(OnnxModelFile.Load(path), Path.GetDirectoryName(Path.GetFullPath(path)));
        using var compiled = Compiler.Compile(graph);
        var inputs = RandomInputs(graph, compiled.InputNames, batch);
        using var so = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(path, so);
        var feeds = inputs.Select((t, i) => ToOrt(compiled.InputNames[i], t)).ToList();

        Tensor[] Ours() => compiled.Run(inputs);
        float[][] Ort()
        {
            using var r = session.Run(feeds);
            return r.Take(compiled.OutputNames.Count).Select(v => v.AsEnumerable<float>().ToArray()).ToArray();
        }
        // correctness: the largest difference over all outputs, relative to the reference output's scale
        var mine = Ours();
        var theirs = Ort();
        double maxDiff = 0, scale = 0;
        for (int o = 0; o < theirs.Length; o++)
        {
            var a = mine[o].ToArray<float>();
            for (int i = 0; i < a.Length; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(a[i] - theirs[o][i]));
                scale = Math.Max(scale, Math.Abs(theirs[o][i]));
            }
        }
        foreach (var t in mine) t.Dispose();
        for (int i = 0; i < warmup; i++) { foreach (var t in Ours()) t.Dispose(); Ort(); }
        var oursMs = new List<double>();
        var ortMs = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            // the pauses let each side's spinning workers park before the other side runs (both engines spin after a run)
            bool oursFirst = r % 2 == 0;
            if (oursFirst) { oursMs.Add(Time(() => { foreach (var t in Ours()) t.Dispose(); })); Thread.Sleep(pauseMs); }
            ortMs.Add(Time(() => Ort()));
            Thread.Sleep(pauseMs);
            if (!oursFirst) { oursMs.Add(Time(() => { foreach (var t in Ours()) t.Dispose(); })); Thread.Sleep(pauseMs); }
        }
        double ours = Timing.Median(oursMs), ort = Timing.Median(ortMs);
        var name = Path.GetFileNameWithoutExtension(path);
        if (args.Flag("json"))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"model\":\"{(model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? name : model)}\",\"batch\":{batch},\"threads\":{threads},\"ours_ms_p50\":{ours:F3},\"ort_ms_p50\":{ort:F3},\"ratio\":{ours / ort:F3},\"max_abs_diff\":{maxDiff:G3},\"output_scale\":{scale:G3}}}"));
        else
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{model} batch {batch}, {threads} threads: ours {ours:F2} ms, ORT {ort:F2} ms, ratio {ours / ort:F2} (lower is better); max |diff| {maxDiff:G3} at output scale {scale:G3}"));
        foreach (var t in inputs) t.Dispose();
        return 0;
    }

    private static double Time(Action a)
    {
        long t0 = Stopwatch.GetTimestamp();
        a();
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    // seeded random data of the declared shapes (symbolic dims take the batch size); integer inputs (token ids) are
    // small non-negative values, so embeddings gather in range
    private static Tensor[] RandomInputs(DeepSeek.Graph.Graph graph, IReadOnlyList<string> names, int batch)
    {
        var gen = new Generator(1234);
        var result = new Tensor[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            var v = graph.Inputs.First(x => x.Name == names[i]);
            if (v.Type is not TensorType { ElementType: DType dt, Shape: { } dims })
                throw new ArgumentException($"compare: input '{v.Name}' has no static tensor type; pass a model with declared input shapes.");
            var shape = new Shape(dims.Select(d => (int)(d.Value ?? batch)).ToArray());
            result[i] = dt.IsFloatingPoint() ? Tensor.RandN(shape, gen, dtype: dt) : Tensor.RandInt(0, 100, shape, gen, dt);
        }
        return result;
    }

    private static NamedOnnxValue ToOrt(string name, Tensor t) => t.DType switch
    {
        DType.F32 => NamedOnnxValue.CreateFromTensor(name, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(t.ToArray<float>(), t.Shape.ToArray())),
        DType.I64 => NamedOnnxValue.CreateFromTensor(name, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(t.ToArray<long>(), t.Shape.ToArray())),
        DType.I32 => NamedOnnxValue.CreateFromTensor(name, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<int>(t.ToArray<int>(), t.Shape.ToArray())),
        _ => throw new ArgumentException($"compare: input dtype {t.DType.Name()} is not supported by the harness."),
    };

    private static string ExportZoo(string name, int batch)
    {
        using var m = ModelZoo.CreateAny(name, new Generator(42));
        m.Eval();
        bool text = ModelZoo.IsTextModel(name);
        using var x = text ? Tensor.RandInt(0, 100, new Shape(batch, 128), new Generator(7)) : Tensor.RandN(new Shape(batch, 3, 224, 224), new Generator(7));
        using var graph = Tracer.Trace(m.Forward, x, new DeepSeek.Graph.TraceOptions { BatchDimName = "batch", InputNames = [text ? "input_ids" : "input"] });
        var path = Path.Combine(Path.GetTempPath(), $"deepseek-{name}.onnx");
        OnnxModelFile.Save(OnnxExporter.Export(graph), path);
        return path;
    }
}
