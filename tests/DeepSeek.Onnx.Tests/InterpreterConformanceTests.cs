using DeepSeek.Graph.Execution;

namespace DeepSeek.Onnx.Tests;

/// <summary>Imported node-test models run on the IR interpreter and match the suite's expected outputs (rtol 1e-3, atol 1e-7).</summary>
public sealed class InterpreterConformanceTests
{
    [Theory]
    [InlineData("test_add")]
    [InlineData("test_add_bcast")]
    [InlineData("test_relu")]
    [InlineData("test_matmul_2d")]
    [InlineData("test_identity_sequence")]
    public void RunsAndMatchesExpectedOutputs(string name)
    {
        string dir = NodeTestData.Case(name);
        var proto = OnnxModelFile.Load(Path.Combine(dir, "model.onnx"));
        using var graph = OnnxImporter.Import(proto);
        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        try
        {
            for (int i = 0; i < proto.Graph.Input.Count; i++)
                inputs[proto.Graph.Input[i].Name] = OnnxRuntimeValues.Load(Path.Combine(dir, "test_data_set_0", $"input_{i}.pb"), proto.Graph.Input[i].Type);
            var outputs = new Interpreter().Run(graph, inputs);
            try
            {
                Assert.Equal(proto.Graph.Output.Count, outputs.Count);
                for (int i = 0; i < proto.Graph.Output.Count; i++)
                {
                    var info = proto.Graph.Output[i];
                    using var expected = OnnxRuntimeValues.Load(Path.Combine(dir, "test_data_set_0", $"output_{i}.pb"), info.Type);
                    var actual = outputs[info.Name];
                    var e = expected is SequenceValue es ? es.Items : [expected.AsTensor("expected")];
                    var a = actual is SequenceValue seq ? seq.Items : [actual.AsTensor("actual")];
                    Assert.Equal(e.Count, a.Count);
                    for (int k = 0; k < e.Count; k++)
                    {
                        Assert.Equal(e[k].DType, a[k].DType);
                        Assert.Equal(e[k].Shape, a[k].Shape);
                        var ev = e[k].ToDoubleArray();
                        var av = a[k].ToDoubleArray();
                        for (int j = 0; j < ev.Length; j++)
                            Assert.True(Math.Abs(av[j] - ev[j]) <= 1e-7 + 1e-3 * Math.Abs(ev[j]), $"{name} output {i}[{j}]: {av[j]} vs {ev[j]}");
                    }
                }
            }
            finally
            {
                foreach (var v in outputs.Values) v.Dispose();
            }
        }
        finally
        {
            foreach (var v in inputs.Values) v.Dispose();
        }
    }
}
