using DeepSeek.Graph.Compilation;
using DeepSeek.NN.Compilation;

namespace DeepSeek.NN.Tests.Compilation;

public sealed class ModuleCompileTests
{
    private static Sequential Mlp(ulong seed) =>
        new(new Linear(4, 8, generator: new Generator(seed)), new ReLU(), new Linear(8, 3, generator: new Generator(seed + 1)));

    private static void AssertClose(Tensor expected, Tensor actual, double tol = 1e-5)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        var e = expected.ToArray<float>();
        var a = actual.ToArray<float>();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tol * (1 + Math.Abs(e[i])), $"[{i}]: {a[i]} vs eager {e[i]}");
    }

    [Fact]
    public void CompiledMlpMatchesEagerAndReusesItsVariant()
    {
        using var model = Mlp(1);
        model.Eval();
        using var compiled = model.Compile();
        for (ulong s = 0; s < 3; s++)
        {
            using var x = Tensor.RandN(new Shape(5, 4), new Generator(10 + s));
            using var eager = model.Forward(x);
            using var y = compiled.Forward(x);
            AssertClose(eager, y);
        }
        Assert.Equal((1L, 2L), (compiled.Stats.Traces, compiled.Stats.Hits));
        Assert.Contains("Gemm", compiled.Dump(), StringComparison.Ordinal); // Linear traced as one Gemm
    }

    [Fact]
    public void ABatchSpecAcceptsAnyBatchAndTracesEachSize()
    {
        using var model = Mlp(2);
        model.Eval();
        using var compiled = model.Compile(null, InputSpec.Of(DType.F32, -1, 4));
        foreach (int batch in new[] { 2, 3, 2 })
        {
            using var x = Tensor.RandN(new Shape(batch, 4), new Generator((ulong)batch));
            using var eager = model.Forward(x);
            using var y = compiled.Forward(x);
            AssertClose(eager, y);
        }
        Assert.Equal(2, compiled.Stats.Traces);
        using var bad = Tensor.Zeros(new Shape(2, 5));
        Assert.Throws<ShapeMismatchException>(() => compiled.Forward(bad));
        Assert.Throws<ArgumentException>(() => model.Compile(null, InputSpec.Of(DType.F32, 2, 4), InputSpec.Of(DType.F32, 2, 4)));
    }

    [Fact]
    public void TrainingModeDropoutCannotBeTracedButEvalModeCompiles()
    {
        using var model = new Sequential(new Linear(4, 4, generator: new Generator(3)), new Dropout(0.5, new Generator(4)));
        using var compiled = model.Compile();
        using var x = Tensor.RandN(new Shape(2, 4), new Generator(5));
        Assert.True(model.Training);
        Assert.Throws<UnsupportedOperatorException>(() => compiled.Forward(x)); // the random mask is no recorded op
        model.Eval();
        using var eager = model.Forward(x);
        using var y = compiled.Forward(x);
        AssertClose(eager, y);
        Assert.Equal(1, compiled.Stats.Traces); // the eval-mode function, separate from the training-mode one
    }

    [Fact]
    public void WeightsAreCopiedAtTraceTimeAndResetPicksUpNewOnes()
    {
        var lin = new Linear(4, 2, generator: new Generator(6));
        using var model = new Sequential(lin);
        model.Eval();
        using var compiled = model.Compile(null, InputSpec.Of(DType.F32, 3, 4)).Warmup();
        using var x = Tensor.RandN(new Shape(3, 4), new Generator(7));
        using var before = model.Forward(x);
        lin.Weight.Data = Tensor.Zeros(new Shape(2, 4));
        using var stale = compiled.Forward(x);
        AssertClose(before, stale); // still the traced weights
        compiled.Reset();
        using var eager = model.Forward(x);
        using var fresh = compiled.Forward(x);
        AssertClose(eager, fresh);
        Assert.Equal(2, compiled.Stats.Traces);
    }

    [Fact]
    public void BatchNormInEvalModeCompilesToMatchEager()
    {
        using var model = new Sequential(new Linear(4, 6, generator: new Generator(8)), new BatchNorm1d(6), new ReLU());
        using (Tensor.NoGrad())
            for (int i = 0; i < 3; i++) // a few training steps give non-trivial running statistics
            {
                using var xb = Tensor.RandN(new Shape(8, 4), new Generator(20 + (ulong)i), mean: 1);
                model.Forward(xb).Dispose();
            }
        model.Eval();
        using var compiled = model.Compile();
        using var x = Tensor.RandN(new Shape(5, 4), new Generator(9));
        using var eager = model.Forward(x);
        using var y = compiled.Forward(x);
        AssertClose(eager, y);
    }
}
