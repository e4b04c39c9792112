using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;
using DeepSeek.NN.Serialization;

namespace DeepSeek.Onnx.Tests;

/// <summary>
/// Models exported by PyTorch's own exporters (TorchScript and torch.export/dynamo) load, import and run here with
/// PyTorch's eager outputs (files made by scripts/onnx/pytorch_export_reference.py; see PyTorchExports/README.md).
/// </summary>
public sealed class PyTorchExportTests
{
    private static string Dir([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "PyTorchExports");

    [Theory]
    [InlineData("mobilenet_v3_small")]
    [InlineData("bert_tiny")]
    [InlineData("gpt2_tiny")]
    public void PyTorchExportMatchesPyTorchOutputs(string name)
    {
        var dir = Dir();
        using var graph = OnnxImporter.Import(OnnxModelFile.Load(Path.Combine(dir, name + ".onnx")));
        var interpreter = new Interpreter();
        interpreter.Check(graph);
        var io = SafeTensors.Load(Path.Combine(dir, name + "_io.safetensors"));
        try
        {
            var feeds = new Dictionary<string, RuntimeValue>();
            for (int i = 0; i < graph.Inputs.Count; i++)
            {
                var t = io[$"in_{i}"];
                var want = (graph.Inputs[i].Type as DeepSeek.Graph.TensorType)?.ElementType;
                feeds[graph.Inputs[i].Name] = want is DType d && d != t.DType ? t.To(d) : t.Detach();
            }
            var outputs = interpreter.Run(graph, feeds);
            int compared = 0;
            for (int o = 0; io.ContainsKey($"out_{o}"); o++, compared++)
            {
                var expected = io[$"out_{o}"].ToDoubleArray();
                using var actualValue = outputs[graph.Outputs[o].Name];
                var actual = actualValue.AsTensor(graph.Outputs[o].Name);
                Assert.Equal(io[$"out_{o}"].Shape, actual.Shape);
                var got = actual.ToDoubleArray();
                double scale = expected.Select(Math.Abs).Max();
                double maxDiff = expected.Zip(got, (e, a) => Math.Abs(e - a)).Max();
                Assert.True(maxDiff <= 1e-4 * Math.Max(scale, 1e-6), $"{name} output {o}: max |diff| {maxDiff:G3} vs scale {scale:G3}");
            }
            Assert.True(compared > 0);
            foreach (var (k, v) in outputs) if (!graph.Outputs.Take(compared).Any(g => g.Name == k)) v.Dispose();
            foreach (var v in feeds.Values) v.Dispose();
        }
        finally
        {
            foreach (var t in io.Values) t.Dispose();
        }
    }

    [Theory]
    [InlineData("mobilenet_v3_small", 3)]
    [InlineData("mobilenet_v3_small", 0)]
    [InlineData("bert_tiny", 3)]
    [InlineData("gpt2_tiny", 3)]
    public void CompiledPyTorchExportMatchesPyTorchOutputs(string name, int level)
    {
        var dir = Dir();
        using var graph = OnnxImporter.Import(OnnxModelFile.Load(Path.Combine(dir, name + ".onnx")));
        using var compiled = Compiler.Compile(graph, new CompileOptions { OptimizationLevel = level });
        var io = SafeTensors.Load(Path.Combine(dir, name + "_io.safetensors"));
        try
        {
            var inputs = new Tensor[compiled.InputNames.Count];
            for (int i = 0; i < inputs.Length; i++)
            {
                var t = io[$"in_{i}"];
                var want = (graph.Inputs[i].Type as DeepSeek.Graph.TensorType)?.ElementType;
                inputs[i] = want is DType d && d != t.DType ? t.To(d) : t.Detach();
            }
            for (int run = 0; run < 2; run++) // plan built on the first run, reused on the second
            {
                var outputs = compiled.Run(inputs);
                try
                {
                    for (int o = 0; io.ContainsKey($"out_{o}"); o++)
                    {
                        var expected = io[$"out_{o}"].ToDoubleArray();
                        Assert.Equal(io[$"out_{o}"].Shape, outputs[o].Shape);
                        var got = outputs[o].ToDoubleArray();
                        double scale = expected.Select(Math.Abs).Max();
                        double maxDiff = expected.Zip(got, (e, a) => Math.Abs(e - a)).Max();
                        Assert.True(maxDiff <= 1e-4 * Math.Max(scale, 1e-6), $"{name} level {level} output {o}: max |diff| {maxDiff:G3} vs scale {scale:G3}");
                    }
                }
                finally { foreach (var t in outputs) t.Dispose(); }
            }
            Assert.Equal(1, compiled.PlanCount);
            Assert.NotNull(compiled.MemoryReport);
            if (level == 3 && name != "mobilenet_v3_small") Assert.Contains(compiled.Graph.Nodes, n => n.OpType == "Attention" && n.Domain == "deepseek");
            if (level == 3 && name == "mobilenet_v3_small") Assert.Contains(compiled.Graph.Nodes, n => n.OpType == "FusedConv");
            foreach (var t in inputs) t.Dispose();
        }
        finally
        {
            foreach (var t in io.Values) t.Dispose();
        }
    }
}
