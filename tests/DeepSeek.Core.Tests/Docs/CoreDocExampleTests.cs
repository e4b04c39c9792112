namespace DeepSeek.Tests.Docs;

/// <summary>The example in docs/core.md, kept runnable.</summary>
public sealed class CoreDocExampleTests
{
    [Fact]
    public void CoreMdExampleRuns()
    {
        var gen = new Generator(seed: 7);
        using var w = Tensor.RandN(new Shape(3, 4), gen).RequireGrad();
        using (Tensor.NewScope())
        {
            var x = Tensor.RandN(new Shape(8, 4), gen);
            var logits = x.MatMul(w.T);
            var loss = logits.LogSoftmax(-1).Mean().Neg();
            loss.Backward();
        }
        Assert.NotNull(w.Grad);
        Assert.Equal(new Shape(3, 4), w.Grad!.Shape);
        Assert.Contains("shape=[3, 4]", w.Grad.ToString());
    }
}
