using DeepSeek.Graph.Compilation;
using DeepSeek.Models.Text;
using DeepSeek.Models.Vision;
using DeepSeek.NN;

namespace DeepSeek.Models.Tests.Compilation;

/// <summary>
/// Issue #5's equivalence bar: every zoo model, compiled at every optimisation level (with the static executor, and
/// at level 3 also on the interpreter), gives the eager outputs within 1e-5 of their scale.
/// </summary>
public sealed class CompiledZooTests
{
    public static TheoryData<string, int> Cases()
    {
        var d = new TheoryData<string, int>();
        foreach (var m in new[] { "digits", "resnet18", "resnet50", "vgg16", "mobilenet_v3_small", "bert", "gpt2" })
            for (int level = 0; level <= 3; level++) d.Add(m, level);
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CompiledMatchesEager(string model, int level)
    {
        var (f, inputs, dispose) = Build(model);
        try
        {
            var eager = Eager(f, inputs);
            foreach (var options in Options(level))
            {
                using var compiled = Compiler.Compile(f, options);
                for (int run = 0; run < 2; run++) // the first call traces; the second runs the cached plan
                {
                    var got = compiled.Run(inputs);
                    try
                    {
                        Assert.Equal(eager.Length, got.Length);
                        for (int i = 0; i < got.Length; i++) AssertClose(eager[i], got[i], $"{model} level {level} plan={options.PlanMemory} run {run} output {i}");
                    }
                    finally { foreach (var t in got) t.Dispose(); }
                }
                Assert.Equal(1, compiled.Stats.Traces);
            }
            foreach (var t in eager) t.Dispose();
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
            dispose.Dispose();
        }
    }

    private static IEnumerable<CompileOptions> Options(int level)
    {
        yield return new CompileOptions { OptimizationLevel = level };
        if (level == 3) yield return new CompileOptions { OptimizationLevel = level, PlanMemory = false };
    }

    private static Tensor[] Eager(Func<Tensor[], Tensor[]> f, Tensor[] inputs)
    {
        using var _ = Tensor.NoGrad();
        using var scope = Tensor.NewScope();
        var outs = f(inputs);
        foreach (var o in outs) o.DetachFromScope();
        return outs;
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray<float>();
        var a = actual.ToArray<float>();
        double scale = e.Max(v => Math.Abs((double)v));
        double worst = 0;
        for (int i = 0; i < e.Length; i++) worst = Math.Max(worst, Math.Abs((double)e[i] - a[i]));
        Assert.True(worst <= 1e-5 * Math.Max(scale, 1e-6), $"{what}: max |diff| {worst:G3} exceeds 1e-5 × output scale {scale:G3}");
    }

    private static (Func<Tensor[], Tensor[]> F, Tensor[] Inputs, IDisposable Model) Build(string name)
    {
        var gen = new Generator(1234);
        switch (name)
        {
            case "bert":
            {
                var config = new BertConfig { VocabSize = 50, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 16 };
                var m = new BertModel(config, gen);
                m.Eval();
                var ids = Tensor.FromArray(new long[] { 1, 5, 9, 3, 7, 2, 4, 8, 6, 0, 0, 0 }, 2, 6);
                var mask = Tensor.FromArray(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, 2, 6);
                return (xs => { var o = m.Forward(xs[0], xs[1]); return [o.LastHiddenState, o.PoolerOutput!]; }, [ids, mask], m);
            }
            case "gpt2":
            {
                var m = new Gpt2LMHeadModel(new Gpt2Config { VocabSize = 40, NPositions = 16, NEmbd = 32, NLayer = 2, NHead = 4 }, gen);
                m.Eval();
                var ids = Tensor.FromArray(new long[] { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3 }, 2, 5);
                return (xs => [m.Forward(xs[0])], [ids], m);
            }
        }
        Module<Tensor, Tensor> model = name switch
        {
            "digits" => new DigitsCnn(generator: gen),
            "resnet18" => ResNet.ResNet18(numClasses: 10, generator: gen),
            "resnet50" => ResNet.ResNet50(numClasses: 10, generator: gen),
            "vgg16" => new Vgg(new VisionConfig { Architecture = "vgg16", NumClasses = 10, HiddenFeatures = 64 }, gen),
            "mobilenet_v3_small" => MobileNetV3.Small(numClasses: 10, generator: gen),
            _ => throw new ArgumentException(name),
        };
        RandomizeBatchNormStats(model, gen);
        model.Eval();
        // VGG's adaptive pool to 7×7 is traced only when it divides evenly: the full 224×224 input
        var x = name switch
        {
            "digits" => Tensor.RandN(new Shape(3, 1, 8, 8), gen),
            "vgg16" => Tensor.RandN(new Shape(1, 3, 224, 224), gen),
            _ => Tensor.RandN(new Shape(2, 3, 64, 64), gen),
        };
        return (xs => [model.Forward(xs[0])], [x], model);
    }

    // Non-trivial statistics, so BatchNorm folding really changes the weights.
    private static void RandomizeBatchNormStats(Module model, Generator gen)
    {
        using var _ = Tensor.NoGrad();
        foreach (var (name, b) in model.NamedBuffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal))
            {
                using var m = Tensor.RandN(b.Shape, gen, 0, 0.1);
                b.CopyFrom(m);
            }
            else if (name.EndsWith("running_var", StringComparison.Ordinal))
            {
                using var v = Tensor.Rand(b.Shape, gen, 0.5, 1.5);
                b.CopyFrom(v);
            }
        }
    }
}
