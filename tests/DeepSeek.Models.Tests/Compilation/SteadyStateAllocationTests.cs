using DeepSeek.Graph;
using DeepSeek.Graph.Compilation;
using DeepSeek.Models.Vision;
using DeepSeek.NN;

namespace DeepSeek.Models.Tests.Compilation;

/// <summary>
/// Issue #7's bar: once warm, a compiled model run into caller-provided outputs allocates nothing on the managed heap and
/// makes no tensor-pool request, with two threads so the kernels' parallel paths (and their fan-out bodies) run.
/// </summary>
[Collection("SteadyState")]
public sealed class SteadyStateAllocationTests
{
    public static TheoryData<string> Models() => new() { "digits", "resnet18", "mobilenet_v3_small", "bert-tiny" };

    [Theory]
    [MemberData(nameof(Models))]
    public void CompiledRunsIntoBoundOutputsAllocateNothing(string model)
    {
        int threads = DeepSeekOptions.Threads;
        DeepSeekOptions.Threads = 2;
        try
        {
            using var m = model == "digits" ? new DigitsCnn(generator: new Generator(1)) : ModelZoo.CreateAny(model, new Generator(1));
            m.Eval();
            using var x = Input(model);
            using var g = Tracer.Trace(m.Forward, x);
            using var compiled = Compiler.Compile(g);
            var inputs = new[] { x };
            var outputs = SteadyStateAllocation.OutputsLike(compiled, inputs);
            try
            {
                Assert.Empty(compiled.MemoryReport!.FallbackNodes);
                var a = SteadyStateAllocation.Measure(compiled, inputs, outputs);
                Assert.True(a.ThreadBytes == 0 && a.PoolRequests == 0, $"{model}: {a}");
                // the bound outputs hold what the ordinary run returns
                var expected = compiled.Run(x);
                try
                {
                    for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i].ToArray<float>(), outputs[i].ToArray<float>());
                }
                finally
                {
                    foreach (var t in expected) t.Dispose();
                }
            }
            finally
            {
                foreach (var t in outputs) t.Dispose();
            }
        }
        finally
        {
            DeepSeekOptions.Threads = threads;
        }
    }

    private static Tensor Input(string model) => model switch
    {
        "digits" => Tensor.RandN(new Shape(1, 1, 8, 8), new Generator(2)),
        "bert-tiny" => Tensor.RandInt(0, 100, new Shape(2, 16), new Generator(2), DType.I64),
        "resnet18" => Tensor.RandN(new Shape(1, 3, 64, 64), new Generator(2)),
        _ => Tensor.RandN(new Shape(1, 3, 96, 96), new Generator(2)),
    };
}
