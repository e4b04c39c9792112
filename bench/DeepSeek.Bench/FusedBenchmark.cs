using System.Diagnostics;
using System.Globalization;
using DeepSeek.Backends;
using DeepSeek.Graph;
using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Compilation.Passes;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Bench;

/// <summary>
/// <c>fused</c>: the ResNet-18 conv shapes (batch 1, with the block's Add + Relu where it has one) and BERT-base's
/// Linear shapes (128 rows, + bias) as the unfused graph through the Interpreter, the fused node through the
/// Interpreter (weights packed per call), and the fused node's static kernel (weights packed once). Variants run
/// interleaved, rotating the order each round; medians (and minima) in ms.
/// </summary>
internal static class FusedBenchmark
{
    public static int Run(BenchArgs args)
    {
        DeepSeekOptions.Threads = args.Ints("threads", DeepSeekOptions.Threads)[0];
        int rounds = args.Ints("rounds", 21)[0];
        Console.WriteLine($"threads {DeepSeekOptions.Threads}, {rounds} rounds; median (min) ms");
        Console.WriteLine($"{"case",-30} {"GFLOP",6} {"interpreter unfused",20} {"interpreter fused",20} {"static fused, packed",21} {"GF/s",6} {"speed-up",8}");
        var g = new Generator(1);
        // name, Cin, H = W, Cout, k, stride, pad, residual Add
        foreach (var (name, cin, hw, cout, k, s, pad, res) in new (string, int, int, int, int, int, int, bool)[]
        {
            ("stem 3→64 7×7 s2 @224 +relu", 3, 224, 64, 7, 2, 3, false),
            ("64×64 3×3 @56 +add+relu", 64, 56, 64, 3, 1, 1, true),
            ("128×128 3×3 @28 +add+relu", 128, 28, 128, 3, 1, 1, true),
            ("256×256 3×3 @14 +add+relu", 256, 14, 256, 3, 1, 1, true),
            ("512×512 3×3 @7 +add+relu", 512, 7, 512, 3, 1, 1, true),
            ("128→256 3×3 s2 @28 +relu", 128, 28, 256, 3, 2, 1, false),
            ("64→128 1×1 s2 @56", 64, 56, 128, 1, 2, 0, false),
        })
        {
            using var scope = Tensor.NewScope();
            int oh = (hw + 2 * pad - k) / s + 1;
            using var graph = ConvBlock(g, cin, hw, cout, k, s, pad, res, oh);
            var feeds = new Dictionary<string, RuntimeValue> { ["x"] = Tensor.RandN(new Shape(1, cin, hw, hw), g).Detach() };
            if (res) feeds["z"] = Tensor.RandN(new Shape(1, cout, oh, oh), g).Detach();
            Report(name, 2.0 * cout * oh * oh * cin * k * k / 1e9, graph, new ConvFusion(), feeds, new Shape(1, cout, oh, oh), rounds);
        }
        foreach (var (m, k, n) in new[] { (128, 768, 768), (128, 768, 3072), (128, 3072, 768) })
        {
            using var scope = Tensor.NewScope();
            using var graph = new Graph.Graph("linear");
            graph.OpsetImports[""] = 17;
            var x = graph.AddInput("x", new TensorType(DType.F32, [1, m, k]));
            var mm = graph.AddNode("MatMul", [x, graph.AddConstant("w", Scaled(Tensor.RandN(new Shape(k, n), g), 0.03))], ["mm"]);
            mm.Outputs[0].Type = new TensorType(DType.F32, [1, m, n]);
            graph.AddOutput(graph.AddNode("Add", [mm.Outputs[0], graph.AddConstant("b", Tensor.RandN(new Shape(n), g))], ["y"]).Outputs[0]);
            var feeds = new Dictionary<string, RuntimeValue> { ["x"] = Tensor.RandN(new Shape(1, m, k), g).Detach() };
            Report($"{m}×{k}·{k}×{n} +bias", 2.0 * m * n * k / 1e9, graph, new GemmFusion(), feeds, new Shape(1, m, n), rounds);
        }
        return 0;
    }

    private static Tensor Scaled(Tensor t, double s)
    {
        using (t) return t.Mul(s);
    }

    // x → Conv(W, B) [→ Add(z)] → Relu (the stride-2 1×1 downsample has no Relu)
    private static Graph.Graph ConvBlock(Generator g, int cin, int hw, int cout, int k, int s, int pad, bool residual, int oh)
    {
        var graph = new Graph.Graph("conv");
        graph.OpsetImports[""] = 17;
        var outType = new TensorType(DType.F32, [1, cout, oh, oh]);
        var x = graph.AddInput("x", new TensorType(DType.F32, [1, cin, hw, hw]));
        var conv = graph.AddNode("Conv", [x, graph.AddConstant("w", Scaled(Tensor.RandN(new Shape(cout, cin, k, k), g), 0.05)),
            graph.AddConstant("b", Tensor.RandN(new Shape(cout), g))], ["c"]);
        conv.Attributes["strides"] = AttributeValue.Of(new long[] { s, s });
        conv.Attributes["pads"] = AttributeValue.Of(new long[] { pad, pad, pad, pad });
        conv.Outputs[0].Type = outType;
        var last = conv.Outputs[0];
        if (residual)
        {
            var add = graph.AddNode("Add", [last, graph.AddInput("z", outType)], ["a"]);
            add.Outputs[0].Type = outType;
            last = add.Outputs[0];
        }
        if (k > 1)
        {
            var relu = graph.AddNode("Relu", [last], ["y"]);
            relu.Outputs[0].Type = outType;
            last = relu.Outputs[0];
        }
        graph.AddOutput(last);
        return graph;
    }

    private static void Report(string name, double gflop, Graph.Graph graph, IGraphPass pass, Dictionary<string, RuntimeValue> feeds, Shape output, int rounds)
    {
        var interp = new Interpreter();
        using var fused = graph.Clone();
        if (pass.Run(fused, new PassContext(new CompileOptions()))) fused.RemoveUnusedValues();
        var node = fused.Nodes.Single();
        var inputs = node.Inputs.Select(v => v is null ? null : v.Constant ?? feeds[v.Name].AsTensor(v.Name)).ToArray();
        var request = new StaticKernelRequest(node, 1, inputs.Select(t => t is null ? (TensorMeta?)null : new TensorMeta(t.DType, t.Shape)).ToList(),
            [new TensorMeta(DType.F32, output)], node.Inputs.Select(v => v?.Constant).ToList());
        using var kernel = StaticKernelRegistry.Default.TryCreate(request) ?? throw new InvalidOperationException($"{node}: no static kernel");
        using var dst = Tensor.Empty(output);
        var t = Compare(rounds,
            () => { foreach (var o in interp.Run(graph, feeds).Values) o.Dispose(); },
            () => { foreach (var o in interp.Run(fused, feeds).Values) o.Dispose(); },
            () => kernel.Run(inputs, [dst]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-30} {gflop,6:F3} {F(t[0]),20} {F(t[1]),20} {F(t[2]),21} {gflop / t[2].Median * 1e3,6:F1} {t[0].Median / t[2].Median,7:F2}×"));
    }

    private static string F((double Median, double Min) x) => string.Create(CultureInfo.InvariantCulture, $"{x.Median,8:F3} ({x.Min,7:F3})");

    // Each round runs every variant once, starting with a different one, so load changes hit all variants alike.
    private static (double Median, double Min)[] Compare(int rounds, params Action[] variants)
    {
        foreach (var v in variants) { v(); v(); v(); }
        var times = variants.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
            for (int j = 0; j < variants.Length; j++)
            {
                int i = (j + r) % variants.Length;
                long t0 = Stopwatch.GetTimestamp();
                variants[i]();
                times[i].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        return times.Select(l => (Timing.Median(l), l.Min())).ToArray();
    }
}
