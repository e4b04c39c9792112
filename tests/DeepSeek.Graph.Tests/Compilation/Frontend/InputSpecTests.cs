using DeepSeek.Graph.Compilation;
using static DeepSeek.Graph.Tests.Compilation.Frontend.FrontendTestUtil;

namespace DeepSeek.Graph.Tests.Compilation.Frontend;

using Shape = DeepSeek.Shape;

public sealed class InputSpecTests
{
    private static Tensor[] Scale(Tensor[] xs) => [xs[0] * 3.0];

    [Fact]
    public void CallsAreCheckedAgainstTheSpecsBeforeAnythingRuns()
    {
        int runs = 0;
        using var f = Compiler.Compile(xs => { runs++; return Scale(xs); }, null, InputSpec.Of(DType.F32, -1, 3));
        using var i64 = Tensor.Zeros(new Shape(2, 3), DType.I64);
        using var wrongDim = Tensor.Zeros(new Shape(2, 4));
        using var wrongRank = Tensor.Zeros(new Shape(6));
        var d = Assert.Throws<DTypeMismatchException>(() => f.Run(i64));
        Assert.Equal("CompiledFunction: input 0 is i64[2, 3], but its InputSpec is f32[?, 3].", d.Message);
        var s = Assert.Throws<ShapeMismatchException>(() => f.Run(wrongDim));
        Assert.Contains("input 0 has shape [2, 4], but its InputSpec is f32[?, 3]", s.Message, StringComparison.Ordinal);
        Assert.Throws<ShapeMismatchException>(() => f.Run(wrongRank));
        var n = Assert.Throws<ArgumentException>(() => f.Run(wrongDim, wrongDim));
        Assert.Contains("expected 1 input(s) (f32[?, 3]), got 2", n.Message, StringComparison.Ordinal);
        Assert.Equal(0, runs);
        Assert.Equal(0, f.Stats.Calls);
    }

    [Fact]
    public void AnAnySizeDimensionStillSpecialisesPerConcreteSize()
    {
        using var f = Compiler.Compile(Scale, null, new InputSpec(DType.F32, -1, 3) { Name = "x" });
        foreach (int batch in new[] { 1, 4, 1, 4, 7 })
        {
            using var x = Tensor.RandN(new Shape(batch, 3), new Generator((ulong)batch));
            using var eager = Scale([x])[0];
            using var y = f.Run(x)[0];
            AssertClose(eager, y);
        }
        Assert.Equal((3L, 2L), (f.Stats.Traces, f.Stats.Hits));
    }

    [Fact]
    public void SpecsNameTheirInputAndRejectBadDimensions()
    {
        using var f = Compiler.Compile(Scale, null, new InputSpec(DType.F32, 2) { Name = "tokens" });
        using var x = Tensor.Zeros(new Shape(3));
        Assert.Contains("input 0 ('tokens') has shape [3]", Assert.Throws<ShapeMismatchException>(() => f.Run(x)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => InputSpec.Of(DType.F32, -2));
        Assert.True(InputSpec.Of(DType.F32, 2, 3).IsFullySpecified);
        Assert.False(InputSpec.Of(DType.F32, -1, 3).IsFullySpecified);
    }

    [Fact]
    public void WarmupTracesFromAFullySpecifiedSpecSoTheFirstRealCallHits()
    {
        using var f = Compiler.Compile(xs => [xs[0].Relu() + xs[1].To(DType.F32)], null,
            InputSpec.Of(DType.F32, 2, 3), InputSpec.Of(DType.I64, 2, 3)).Warmup(seed: 5);
        Assert.Equal((1L, 1), (f.Stats.Traces, f.Stats.Variants));
        using var x = Tensor.RandN(new Shape(2, 3), new Generator(50));
        using var k = Tensor.Full(new Shape(2, 3), 2, DType.I64);
        using var y = f.Run(x, k)[0];
        using var r = x.Relu();
        using var eager = r + 2.0;
        AssertClose(eager, y);
        Assert.Equal(1, f.Stats.Hits);
    }

    [Fact]
    public void WarmupNeedsCompleteSpecs()
    {
        using var open = Compiler.Compile(Scale, null, InputSpec.Of(DType.F32, -1, 3));
        Assert.Contains("input 0 (f32[?, 3]) has a −1", Assert.Throws<InvalidOperationException>(() => open.Warmup()).Message, StringComparison.Ordinal);
        using var none = Compiler.Compile(Scale);
        Assert.Throws<InvalidOperationException>(() => none.Warmup());
    }

    [Fact]
    public void CompileRejectsUnknownPassesAndNegativeMaxVariants()
    {
        var e = Assert.Throws<ArgumentException>(() => Compiler.Compile(Scale, new CompileOptions().Without("no-such-pass")));
        Assert.Contains("unknown pass 'no-such-pass'", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Compiler.Compile(Scale, new CompileOptions { MaxVariants = -1 }));
    }

    [Fact]
    public void ADisposedFunctionOrInputIsRefused()
    {
        var f = Compiler.Compile(Scale);
        var x = Tensor.Zeros(new Shape(2));
        x.Dispose();
        Assert.Throws<TensorDisposedException>(() => f.Run(x));
        f.Dispose();
        using var y = Tensor.Zeros(new Shape(2));
        Assert.Throws<ObjectDisposedException>(() => f.Run(y));
    }
}
