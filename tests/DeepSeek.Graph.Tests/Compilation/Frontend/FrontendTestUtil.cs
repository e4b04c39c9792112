namespace DeepSeek.Graph.Tests.Compilation.Frontend;

using Shape = DeepSeek.Shape;

internal static class FrontendTestUtil
{
    /// <summary>Asserts same shape and elements within a relative tolerance (compiled vs eager).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double tol = 1e-6)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        Assert.Equal(expected.DType, actual.DType);
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tol * (1 + Math.Abs(e[i])), $"[{i}]: {a[i]} vs eager {e[i]}");
    }

    /// <summary>A [rows, cols] F32 tensor of normal samples shifted so its mean is about <paramref name="mean"/>.</summary>
    public static Tensor WithMean(double mean, ulong seed, int rows = 4, int cols = 3) =>
        Tensor.RandN(new Shape(rows, cols), new Generator(seed), mean: mean, std: 0.1);
}
