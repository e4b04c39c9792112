namespace DeepSeek.Tests.Elementwise;

public sealed class TanhAccuracyTests
{
    [Fact]
    public void TanhIsAccurateNearZeroAndExactAtZero()
    {
        var xs = new float[] { 0f, -0f, 1e-7f, -3e-6f, 1e-4f, 0.01f, -0.2f, 0.29f, 0.31f, 0.7f, -2f, 5f };
        using var x = Tensor.FromArray(xs);
        var y = x.Tanh().ToArray<float>();
        Assert.Equal(0f, y[0]);
        for (int i = 0; i < xs.Length; i++)
        {
            double e = Math.Tanh(xs[i]);
            double tol = Math.Max(4e-7 * Math.Abs(e), 1e-30);
            Assert.True(Math.Abs(y[i] - e) <= tol, $"tanh({xs[i]}) = {y[i]}, expected {e}");
        }
    }
}
