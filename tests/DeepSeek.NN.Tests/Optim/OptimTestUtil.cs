namespace DeepSeek.NN.Tests.Optim;

/// <summary>Parameters, gradients and tiny models for the optimizer tests.</summary>
internal static class OptimTestUtil
{
    public static Parameter Param(ulong seed, DType dtype = DType.F32, params int[] shape)
    {
        using var t = Tensor.RandN(new Shape(shape), new Generator(seed));
        return new Parameter(t.To(dtype));
    }

    /// <summary>Gives <paramref name="p"/> a fresh random gradient (seeded by step) and returns its values.</summary>
    public static double[] SetGrad(Parameter p, ulong seed, bool transposedView = false)
    {
        p.ZeroGrad();
        var shape = p.Shape;
        Tensor g;
        if (transposedView && shape.Rank == 2)
        {
            using var gt = Tensor.RandN(new Shape(shape[1], shape[0]), new Generator(seed)).To(p.DType);
            g = gt.T; // a strided (non-contiguous) gradient
        }
        else
        {
            using var r = Tensor.RandN(shape, new Generator(seed));
            g = r.To(p.DType);
        }
        p.Grad = g.DetachFromScope();
        return g.ToDoubleArray();
    }

    public static void AssertClose(double[] expected, Tensor actual, double rtol, double atol) =>
        TestSupport.AssertClose(expected, actual.ToDoubleArray(), rtol, atol);
}

/// <summary>y = tanh(x) as a module, for test models.</summary>
internal sealed class TanhLayer : Module<Tensor, Tensor>
{
    protected override Tensor OnForward(Tensor input) => input.Tanh();
}
