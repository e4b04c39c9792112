namespace DeepSeek.Tests.Autograd;

public sealed class CondGradTests
{
    // The predicate is piecewise constant in x (zero gradient); away from the threshold the gradient is the taken branch's.
    private static Tensor Branch(Tensor x, Tensor w)
    {
        using var mean = x.Mean();
        using var p = mean.Gt(0.0);
        return Tensor.Cond(p, () => [(x * w).Tanh()], () => [x.Square() + w])[0];
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(-2.0)]
    public void GradientFlowsThroughTheTakenBranch(double shift)
    {
        using var x0 = GradCheck.Input(1, 3, 2);
        using var x = (x0.Detach() * 0.1 + shift).RequireGrad();
        using var w = GradCheck.Input(2, 3, 2);
        GradCheck.Check(xs => Branch(xs[0], xs[1]), [x, w]);
    }
}
