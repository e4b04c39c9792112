namespace DeepSeek.Tests.Autograd;

public sealed class ViewAndReductionGradTests
{
    [Fact]
    public void ReshapePermuteTransposeFlatten()
    {
        var x = GradCheck.Input(10, 2, 3, 4);
        GradCheck.Check(xs => xs[0].Permute(2, 0, 1).Reshape(4, 6).T.Flatten() * 1.5, [x]);
    }

    [Fact]
    public void SliceSelectNarrowAndIndexer()
    {
        var x = GradCheck.Input(11, 4, 5);
        GradCheck.Check(xs => xs[0].Slice(1, 0, 5, 2) * 2.0, [x]);
        GradCheck.Check(xs => xs[0].Select(0, -1).Square(), [x]);
        GradCheck.Check(xs => xs[0].Narrow(0, 1, 2).Exp(), [x]);
        GradCheck.Check(xs => xs[0][1.., TensorIndex.NewAxis, 1..^1].Sin(), [x]);
    }

    [Fact]
    public void ExpandSqueezeUnsqueezeContiguousClone()
    {
        var x = GradCheck.Input(12, 3, 1);
        GradCheck.Check(xs => xs[0].Expand(2, 3, 4).Contiguous() * xs[0].Squeeze(1).Unsqueeze(0).Unsqueeze(-1), [x]);
        GradCheck.Check(xs => xs[0].Clone().Tanh(), [x]);
    }

    [Fact]
    public void SumMeanOverAxesWithAndWithoutKeepDim()
    {
        var x = GradCheck.Input(13, 2, 3, 4);
        GradCheck.Check(xs => xs[0].Sum([0, 2]), [x]);
        GradCheck.Check(xs => xs[0].Mean(1, keepDim: true) * xs[0], [x]);
        GradCheck.Check(xs => xs[0].Sum().Exp(), [x]);
        GradCheck.Check(xs => xs[0].Mean(), [x]);
    }

    [Fact]
    public void MaxMinLogSumExpProd()
    {
        var x = GradCheck.Input(14, 3, 5);
        GradCheck.Check(xs => xs[0].Max(1), [x]);
        GradCheck.Check(xs => xs[0].Min([0, 1]), [x]);
        GradCheck.Check(xs => xs[0].LogSumExp([1]), [x]);
        GradCheck.Check(xs => xs[0].Prod(1), [x]);
    }

    [Fact]
    public void ProdGradientWithZeros()
    {
        using var x = Tensor.FromArray(new[] { 2.0, 0.0, 3.0, 0.0, 0.0, 5.0, 1.0, 4.0, 2.0 }, 3, 3).RequireGrad();
        using var y = x.Prod(1).Sum();
        y.Backward();
        // row 0 has one zero: only it gets 2·3; row 1 has two zeros: all 0; row 2: y/x
        Assert.Equal(new[] { 0.0, 6.0, 0.0, 0.0, 0.0, 0.0, 8.0, 2.0, 4.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaxTiesShareTheGradient()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 3.0, 3.0 }).RequireGrad();
        using var y = x.Max();
        y.Backward();
        Assert.Equal(new[] { 0.0, 0.5, 0.5 }, x.Grad!.ToArray<double>());
    }
}
