using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.Nn;

using Shape = DeepSeek.Shape;

public sealed class NormTests
{
    // Normalizes groups of `inner` consecutive values (row-major) with the biased variance.
    private static double[] NormalizeRows(double[] x, int inner, double eps, out double[] mean, out double[] inv)
    {
        int rows = x.Length / inner;
        var y = new double[x.Length];
        mean = new double[rows];
        inv = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < inner; i++) m += x[r * inner + i];
            m /= inner;
            for (int i = 0; i < inner; i++) v += Math.Pow(x[r * inner + i] - m, 2);
            v /= inner;
            mean[r] = m;
            inv[r] = 1 / Math.Sqrt(v + eps);
            for (int i = 0; i < inner; i++) y[r * inner + i] = (x[r * inner + i] - m) * inv[r];
        }
        return y;
    }

    [Fact]
    public void BatchNormInference()
    {
        using var x = RandN(40, 2, 3, 2, 2);
        using var s = Tensor.FromArray(new float[] { 1, 2, 0.5f });
        using var b = Tensor.FromArray(new float[] { 0, 1, -1 });
        using var m = Tensor.FromArray(new float[] { 0.1f, -0.2f, 0.3f });
        using var v = Tensor.FromArray(new float[] { 1, 0.5f, 2 });
        var y = Run("BatchNormalization", 15, [x, s, b, m, v], [("epsilon", 1e-3f)])[0];
        var xd = x.ToDoubleArray();
        var e = new double[xd.Length];
        double[] sd = [1, 2, 0.5], bd = [0, 1, -1], md = [0.1f, -0.2f, 0.3f], vd = [1, 0.5f, 2];
        for (int i = 0; i < e.Length; i++)
        {
            int c = i / 4 % 3;
            e[i] = (xd[i] - md[c]) / Math.Sqrt(vd[c] + 1e-3f) * sd[c] + bd[c];
        }
        AssertClose(y, [2, 3, 2, 2], e);
    }

    [Fact]
    public void BatchNormTrainingModeUpdatesRunningStats()
    {
        using var x = Tensor.FromArray(new float[] { 1, 3, 2, 6, 5, 7, 4, 10 }, 2, 2, 2); // channel 0: 1,3,5,7; channel 1: 2,6,4,10
        using var s = Tensor.Ones(2);
        using var b = Tensor.Zeros(2);
        using var m = Tensor.Zeros(2);
        using var v = Tensor.Ones(2);
        var outs = Run("BatchNormalization", 15, [x, s, b, m, v], [("training_mode", 1), ("momentum", 0.9f), ("epsilon", 0f)], outputs: 3);
        // Channel 0: mean 4, var 5; channel 1: mean 5.5, var 8.75.
        AssertClose(outs[1], [2], [0.1 * 4, 0.1 * 5.5]);
        AssertClose(outs[2], [2], [0.9 + 0.1 * 5, 0.9 + 0.1 * 8.75]);
        AssertClose(outs[0], [2, 2, 2], [-3 / Math.Sqrt(5), -1 / Math.Sqrt(5), -3.5 / Math.Sqrt(8.75), 0.5 / Math.Sqrt(8.75),
            1 / Math.Sqrt(5), 3 / Math.Sqrt(5), -1.5 / Math.Sqrt(8.75), 4.5 / Math.Sqrt(8.75)]);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void LayerNormWithStatsOutputs(int axis, bool f16)
    {
        using var x0 = RandN(41, 2, 3, 4);
        using var x = f16 ? x0.To(DType.F16) : x0;
        int a = axis < 0 ? axis + 3 : axis;
        var normShape = new[] { 2, 3, 4 }[a..];
        using var scale0 = RandN(42, normShape);
        using var bias0 = RandN(43, normShape);
        using var scale = scale0.To(x.DType);
        using var bias = bias0.To(x.DType);
        var outs = Run("LayerNormalization", 17, [x, scale, bias], [("axis", axis), ("epsilon", 1e-4f)], outputs: 3);
        using var x32 = x.To(DType.F32);
        int inner = normShape.Aggregate(1, (p, v) => p * v);
        var n = NormalizeRows(x32.ToDoubleArray(), inner, 1e-4, out var mean, out var inv);
        using var s32 = scale.To(DType.F32);
        using var b32 = bias.To(DType.F32);
        var sd = s32.ToDoubleArray();
        var bd = b32.ToDoubleArray();
        var e = n.Select((v, i) => v * sd[i % inner] + bd[i % inner]).ToArray();
        double tol = f16 ? 5e-3 : 1e-4;
        AssertClose(outs[0], [2, 3, 4], e, tol, tol);
        var statShape = new[] { 2, 3, 4 }.Select((v, i) => i < a ? v : 1).ToArray();
        AssertClose(outs[1], statShape, mean, tol, tol);
        AssertClose(outs[2], statShape, inv, tol, tol);
        // Y only with a matching F32 scale takes Core's fused kernel: same values.
        if (!f16) AssertClose(Run("LayerNormalization", 17, [x, scale, bias], [("axis", axis), ("epsilon", 1e-4f)])[0], [2, 3, 4], e);
    }

    [Fact]
    public void InstanceAndGroupNorm()
    {
        using var x = RandN(44, 2, 4, 3);
        using var s = Tensor.FromArray(new float[] { 1, 2, 3, 4 });
        using var b = Tensor.FromArray(new float[] { 0, -1, 1, 0.5f });
        var y = Run("InstanceNormalization", 6, [x, s, b], [("epsilon", 1e-5f)])[0];
        var n = NormalizeRows(x.ToDoubleArray(), 3, 1e-5, out _, out _);
        AssertClose(y, [2, 4, 3], n.Select((v, i) => v * (1 + i / 3 % 4) + new[] { 0, -1, 1, 0.5 }[i / 3 % 4]).ToArray());

        // GroupNorm opset 21: per-channel scale; 2 groups of 2 channels × 3 = 6 values each.
        var g21 = Run("GroupNormalization", 21, [x, s, b], [("num_groups", 2), ("epsilon", 1e-5f)])[0];
        var ng = NormalizeRows(x.ToDoubleArray(), 6, 1e-5, out _, out _);
        AssertClose(g21, [2, 4, 3], ng.Select((v, i) => v * (1 + i / 3 % 4) + new[] { 0, -1, 1, 0.5 }[i / 3 % 4]).ToArray());
        // Opset 18: per-group scale [2].
        using var gs = Tensor.FromArray(new float[] { 2, -1 });
        using var gb = Tensor.FromArray(new float[] { 1, 0 });
        var g18 = Run("GroupNormalization", 18, [x, gs, gb], [("num_groups", 2), ("epsilon", 1e-5f)])[0];
        AssertClose(g18, [2, 4, 3], ng.Select((v, i) => i / 6 % 2 == 0 ? 2 * v + 1 : -v).ToArray());
        var ex = Assert.Throws<ShapeMismatchException>(() => Run("GroupNormalization", 21, [x, gs, gb], [("num_groups", 2)]));
        Assert.Contains("per channel", ex.Message);
    }

    [Fact]
    public void RmsLpMvnAndLrn()
    {
        using var x = Tensor.FromArray(new float[] { 3, 4, 1, -1, 2, 2 }, 1, 3, 2, 1);
        using var sc = Tensor.FromArray(new float[] { 1, 2 }, 2, 1);
        var rms = Run("RMSNormalization", 23, [x, sc], [("axis", 2), ("epsilon", 0f)])[0];
        // rows (3, 4): rms √12.5; (1, −1): 1; (2, 2): 2.
        AssertClose(rms, [1, 3, 2, 1], [3 / Math.Sqrt(12.5), 8 / Math.Sqrt(12.5), 1, -2, 1, 2]);

        using var v = Tensor.FromArray(new float[] { 3, 4, 1, -1 }, 2, 2);
        AssertClose(Run("LpNormalization", 1, [v], [("axis", 1), ("p", 2)])[0], [2, 2], [0.6, 0.8, 1 / Math.Sqrt(2), -1 / Math.Sqrt(2)]);
        AssertClose(Run("LpNormalization", 1, [v], [("axis", 0), ("p", 1)])[0], [2, 2], [0.75, 0.8, 0.25, -0.2]);

        using var m = Tensor.FromArray(new float[] { 1, 3, 5, 7 }, 1, 1, 2, 2);
        // mean 4, var 5 → (x − 4)/(√5 + 1e-9).
        AssertClose(Run("MeanVarianceNormalization", 13, [m])[0], [1, 1, 2, 2], [-3 / Math.Sqrt(5), -1 / Math.Sqrt(5), 1 / Math.Sqrt(5), 3 / Math.Sqrt(5)]);

        using var l = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4, 1, 1);
        var lrn = Run("LRN", 13, [l], [("size", 3), ("alpha", 0.3f), ("beta", 0.5f), ("bias", 2f)])[0];
        // Window for c: c−1..c+1 → sums of squares 5, 14, 29, 25.
        double[] sums = [5, 14, 29, 25];
        AssertClose(lrn, [1, 4, 1, 1], sums.Select((q, i) => (i + 1) / Math.Pow(2 + 0.3f / 3 * q, 0.5)).ToArray());
    }
}
