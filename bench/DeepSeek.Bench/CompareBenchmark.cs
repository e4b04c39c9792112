// `compare`: the same ONNX file in DeepSeek (Compiler.Compile on the imported graph: all passes, static plan) and in ONNX
// Runtime (ORT_ENABLE_ALL, same thread count), run interleaved (A B, B A, … after warm-up), medians and the largest
// output difference. MODEL is an .onnx path or a zoo name (resnet18, resnet50, mobilenet_v3_small, bert-base, …), which
// is traced and exported by DeepSeek to a temporary .onnx first, so both engines read the same file. Lists of models,
// batches and thread counts run in one go; with threads 1 and 2 a scaling line gives efficiency = t1 / (2·t2).
using System.Diagnostics;
using System.Globalization;
using DeepSeek.Graph;
using DeepSeek.Graph.Compilation;
using DeepSeek.Models;
using DeepSeek.NN.Serialization;
using DeepSeek.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace DeepSeek.Bench;

internal static class CompareBenchmark
{
    private sealed record Row(string Model, int Batch, int Threads, double Ours, double Ort, double MaxDiff, double Scale);

    public static int Run(BenchArgs args)
    {
        var models = args.Positionals.Concat((args.Get("model") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (models.Count == 0) throw new ArgumentException("compare: MODEL.onnx | zoo name (or --model a,b,…) is required");
        var batches = args.Ints("batch", 1);
        var threadCounts = args.Ints("threads", 2);
        int runs = args.Ints("runs", 10)[0], warmup = args.Ints("warmup", 10)[0], pauseMs = args.Ints("pause-ms", 100)[0];
        var files = ParseInputs(args.All("input"));
        var expected = ParseInputs(args.All("expect")); // OUTPUT=FILE.npy: reference outputs (e.g. PyTorch's) to check ours against
        bool json = args.Flag("json");
        var rows = new List<Row>();
        foreach (var model in models)
        {
            bool isFile = model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
            string name = isFile ? Path.GetFileNameWithoutExtension(model) : model;
            foreach (int batch in files.Count > 0 ? batches.Take(1) : batches)
            {
                string path = isFile ? model : ExportZoo(model, batch);
                using var graph = OnnxImporter.Import(OnnxModelFile.Load(path), Path.GetDirectoryName(Path.GetFullPath(path)));
                using var compiled = Compiler.Compile(graph);
                var inputs = Inputs(graph, compiled.InputNames, batch, files);
                CheckExpected(compiled, inputs, expected);
                int effectiveBatch = inputs.Length > 0 && inputs[0].Rank > 0 ? inputs[0].Size(0) : batch;
                var perThreads = new List<Row>();
                foreach (int threads in threadCounts)
                {
                    var row = Measure(name, path, compiled, inputs, effectiveBatch, threads, runs, warmup, pauseMs);
                    perThreads.Add(row);
                    rows.Add(row);
                    Console.WriteLine(json
                        ? string.Create(CultureInfo.InvariantCulture,
                            $"{{\"model\":\"{row.Model}\",\"batch\":{row.Batch},\"threads\":{row.Threads},\"ours_ms_p50\":{row.Ours:F3},\"ort_ms_p50\":{row.Ort:F3},\"ratio\":{row.Ours / row.Ort:F3},\"max_abs_diff\":{row.MaxDiff:G3},\"output_scale\":{row.Scale:G3}}}")
                        : string.Create(CultureInfo.InvariantCulture,
                            $"{row.Model} batch {row.Batch}, {row.Threads} threads: ours {row.Ours:F2} ms, ORT {row.Ort:F2} ms, ratio {row.Ours / row.Ort:F2} (lower is better); max |diff| {row.MaxDiff:G3} at output scale {row.Scale:G3}"));
                }
                if (perThreads.FirstOrDefault(r => r.Threads == 1) is { } t1 && perThreads.FirstOrDefault(r => r.Threads == 2) is { } t2)
                    Console.WriteLine(json
                        ? string.Create(CultureInfo.InvariantCulture,
                            $"{{\"model\":\"{name}\",\"batch\":{effectiveBatch},\"scaling\":{{\"ours_t1_ms\":{t1.Ours:F3},\"ours_t2_ms\":{t2.Ours:F3},\"ours_efficiency\":{t1.Ours / (2 * t2.Ours):F3},\"ort_t1_ms\":{t1.Ort:F3},\"ort_t2_ms\":{t2.Ort:F3},\"ort_efficiency\":{t1.Ort / (2 * t2.Ort):F3}}}}}")
                        : string.Create(CultureInfo.InvariantCulture,
                            $"{name} batch {effectiveBatch} scaling t1/(2·t2): ours {t1.Ours / (2 * t2.Ours):F2}, ORT {t1.Ort / (2 * t2.Ort):F2}"));
                foreach (var t in inputs) t.Dispose();
            }
        }
        if (args.Flag("markdown"))
        {
            Console.WriteLine("| model | batch | threads | ours ms | ORT ms | ratio | max abs diff / output scale |");
            Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var r in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Model} | {r.Batch} | {r.Threads} | {r.Ours:F2} | {r.Ort:F2} | {r.Ours / r.Ort:F2} | {r.MaxDiff:G2} / {r.Scale:G3} |"));
        }
        return 0;
    }

    private static Row Measure(string name, string path, CompiledGraph compiled, Tensor[] inputs, int batch, int threads, int runs, int warmup, int pauseMs)
    {
        DeepSeekOptions.Threads = threads;
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
        // correctness: the largest difference over all outputs, and the reference outputs' scale
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
        return new Row(name, batch, threads, Timing.Median(oursMs), Timing.Median(ortMs), maxDiff, scale);
    }

    // prints the largest difference between our outputs and the given reference files (independent of ORT)
    private static void CheckExpected(CompiledGraph compiled, Tensor[] inputs, Dictionary<string, string> expected)
    {
        if (expected.Count == 0) return;
        var outs = compiled.Run(inputs);
        try
        {
            foreach (var (name, file) in expected)
            {
                int o = compiled.OutputNames.ToList().IndexOf(name);
                if (o < 0) throw new ArgumentException($"compare: --expect {name}=…: the model has no output '{name}' (outputs: {string.Join(", ", compiled.OutputNames)}).");
                using var want = NumpyFile.Load(file);
                if (want.Shape != outs[o].Shape) throw new ArgumentException($"compare: --expect {name}: {file} has shape {want.Shape}, our output is {outs[o].Shape}.");
                var a = outs[o].ToArray<float>();
                var b = want.ToArray<float>();
                double diff = 0, scale = 0;
                for (int i = 0; i < a.Length; i++) { diff = Math.Max(diff, Math.Abs(a[i] - b[i])); scale = Math.Max(scale, Math.Abs(b[i])); }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"output\":\"{name}\",\"expected\":\"{Path.GetFileName(file)}\",\"max_abs_diff\":{diff:G3},\"output_scale\":{scale:G3}}}"));
            }
        }
        finally
        {
            foreach (var t in outs) t.Dispose();
        }
    }

    private static double Time(Action a)
    {
        long t0 = Stopwatch.GetTimestamp();
        a();
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    // --input NAME=FILE.npy (repeatable)
    private static Dictionary<string, string> ParseInputs(IEnumerable<string> specs)
    {
        var r = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in specs)
        {
            int eq = s.IndexOf('=');
            if (eq <= 0 || eq == s.Length - 1) throw new ArgumentException($"compare: --input expects NAME=FILE.npy, got '{s}'");
            r[s[..eq]] = s[(eq + 1)..];
        }
        return r;
    }

    // inputs from .npy files where given, else seeded random data of the declared shapes (symbolic dims take the batch
    // size); integer inputs (token ids) are small non-negative values, so embeddings gather in range
    private static Tensor[] Inputs(DeepSeek.Graph.Graph graph, IReadOnlyList<string> names, int batch, Dictionary<string, string> files)
    {
        foreach (var key in files.Keys)
            if (!names.Contains(key))
                throw new ArgumentException($"compare: --input {key}=…: the model has no input '{key}' (inputs: {string.Join(", ", names)}).");
        var gen = new Generator(1234);
        var result = new Tensor[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            var v = graph.Inputs.First(x => x.Name == names[i]);
            if (files.TryGetValue(names[i], out var file))
            {
                result[i] = NumpyFile.Load(file);
                continue;
            }
            if (v.Type is not TensorType { ElementType: DType dt, Shape: { } dims })
                throw new ArgumentException($"compare: input '{v.Name}' has no static tensor type; pass it with --input {v.Name}=FILE.npy.");
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

    // the zoo model traced at the batch size (a symbolic batch dimension, but reshapes may record the traced size)
    private static string ExportZoo(string name, int batch)
    {
        using var m = ModelZoo.CreateAny(name, new Generator(42));
        m.Eval();
        bool text = ModelZoo.IsTextModel(name);
        using var x = text ? Tensor.RandInt(0, 100, new Shape(batch, 128), new Generator(7)) : Tensor.RandN(new Shape(batch, 3, 224, 224), new Generator(7));
        using var graph = Tracer.Trace(m.Forward, x, new DeepSeek.Graph.TraceOptions { BatchDimName = "batch", InputNames = [text ? "input_ids" : "input"] });
        var path = Path.Combine(Path.GetTempPath(), $"deepseek-{name}-b{batch}.onnx");
        OnnxModelFile.Save(OnnxExporter.Export(graph), path);
        return path;
    }
}
