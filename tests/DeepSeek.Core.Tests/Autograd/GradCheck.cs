namespace DeepSeek.Tests.Autograd;

/// <summary>
/// Finite-difference gradient check in F64: the analytic gradient of L = Σ f(inputs) · w (w fixed random
/// weights) from Backward() is compared with central differences (L(x + h) − L(x − h)) / 2h per element.
/// Shared with the NN tests (linked into that project).
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double rtol = 1e-5, double atol = 1e-7, ulong seed = 99)
    {
        using var scope = Tensor.NewScope();
        var values = inputs.Select(t => t.ToDoubleArray()).ToArray();
        var shapes = inputs.Select(t => t.Shape).ToArray();
        // floating inputs are checked in F64; integer inputs (indices, labels) keep their dtype and get no gradient
        var dtypes = inputs.Select(t => t.DType.IsFloatingPoint() ? DType.F64 : t.DType).ToArray();
        var leaves = values.Select((v, i) => Tensor.FromDoubles(v, shapes[i], dtypes[i]).RequireGrad(inputs[i].RequiresGrad)).ToArray();
        var output = f(leaves);
        var w = Tensor.RandN(output.Shape, new Generator(seed), dtype: DType.F64);
        var loss = (output * w).Sum();
        loss.Backward();
        var wv = w.ToDoubleArray();
        for (int i = 0; i < leaves.Length; i++)
        {
            if (!leaves[i].RequiresGrad) continue;
            Assert.True(leaves[i].Grad is not null, $"input {i} received no gradient");
            var analytic = leaves[i].Grad!.ToDoubleArray();
            var numeric = new double[analytic.Length];
            for (int j = 0; j < numeric.Length; j++)
            {
                numeric[j] = (Eval(f, values, shapes, dtypes, i, j, eps, wv) - Eval(f, values, shapes, dtypes, i, j, -eps, wv)) / (2 * eps);
            }
            TestUtil.AssertClose(numeric, analytic, rtol, atol + 1e-6 * numeric.Select(Math.Abs).DefaultIfEmpty(0).Max());
        }
    }

    private static double Eval(Func<Tensor[], Tensor> f, double[][] values, Shape[] shapes, DType[] dtypes, int which, int index, double delta, double[] w)
    {
        using var noGrad = Tensor.NoGrad();
        using var scope = Tensor.NewScope();
        var xs = new Tensor[values.Length];
        for (int k = 0; k < values.Length; k++)
        {
            var v = (double[])values[k].Clone();
            if (k == which) v[index] += delta;
            xs[k] = Tensor.FromDoubles(v, shapes[k], dtypes[k]);
        }
        var y = f(xs).ToDoubleArray();
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += y[i] * w[i];
        return s;
    }

    /// <summary>F64 leaf with seeded normal values, requiring grad.</summary>
    public static Tensor Input(ulong seed, params int[] shape) =>
        Tensor.RandN(new Shape(shape), new Generator(seed), dtype: DType.F64).RequireGrad();

    /// <summary>F64 leaf with uniform values in [low, high), requiring grad.</summary>
    public static Tensor Uniform(ulong seed, double low, double high, params int[] shape) =>
        Tensor.Rand(new Shape(shape), new Generator(seed), low, high, DType.F64).RequireGrad();
}
