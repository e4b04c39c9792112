using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.Nn;

using Shape = DeepSeek.Shape;

public sealed class AttentionTests
{
    // Naive attention over [B, H, S, D] doubles; query i sees key j when allowed(b, i, j).
    private static double[] Naive(double[] q, double[] k, double[] v, int b, int hq, int hkv, int sq, int t, int d, double scale, Func<int, int, int, bool> allowed)
    {
        var y = new double[b * hq * sq * d];
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < hq; h++)
            {
                int kh = h / (hq / hkv);
                for (int i = 0; i < sq; i++)
                {
                    var s = new double[t];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < t; j++)
                    {
                        if (!allowed(bi, i, j)) { s[j] = double.NegativeInfinity; continue; }
                        for (int c = 0; c < d; c++) s[j] += q[((bi * hq + h) * sq + i) * d + c] * k[((bi * hkv + kh) * t + j) * d + c] * scale;
                        max = Math.Max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < t; j++) { s[j] = double.IsNegativeInfinity(max) ? 0 : Math.Exp(s[j] - max); z += s[j]; }
                    for (int j = 0; j < t; j++)
                        for (int c = 0; c < d; c++)
                            if (z > 0) y[((bi * hq + h) * sq + i) * d + c] += s[j] / z * v[((bi * hkv + kh) * t + j) * d + c];
                }
            }
        return y;
    }

    [Fact]
    public void CausalGqaWithPastIsBottomRightAligned()
    {
        int b = 2, hq = 4, hkv = 2, sq = 3, past = 2, d = 4, t = sq + past;
        using var q = RandN(70, b, hq, sq, d);
        using var k = RandN(71, b, hkv, sq, d);
        using var v = RandN(72, b, hkv, sq, d);
        using var pk = RandN(73, b, hkv, past, d);
        using var pv = RandN(74, b, hkv, past, d);
        var outs = Run("Attention", 23, [q, k, v, null, pk, pv], [("is_causal", 1)], outputs: 3);
        using var kt = Tensor.Concat([pk, k], 2);
        using var vt = Tensor.Concat([pv, v], 2);
        var e = Naive(q.ToDoubleArray(), kt.ToDoubleArray(), vt.ToDoubleArray(), b, hq, hkv, sq, t, d, 1 / Math.Sqrt(d), (_, i, j) => j <= i + past);
        AssertClose(outs[0], [b, hq, sq, d], e);
        AssertClose(outs[1], [b, hkv, t, d], kt.ToDoubleArray());
        AssertClose(outs[2], [b, hkv, t, d], vt.ToDoubleArray());
    }

    [Fact]
    public void ThreeDInputsWithBoolMaskAndFullyMaskedRow()
    {
        int b = 1, h = 2, sq = 2, t = 3, d = 2;
        using var q = RandN(75, b, sq, h * d);
        using var k = RandN(76, b, t, h * d);
        using var v = RandN(77, b, t, h * d);
        using var mask = Tensor.FromArray(new bool[] { true, false, true, false, false, false }, 2, 3);
        var y = Run("Attention", 23, [q, k, v, mask], [("q_num_heads", h), ("kv_num_heads", h), ("scale", 0.5f)])[0];
        using var q4 = q.Reshape(b, sq, h, d).Permute(0, 2, 1, 3).Contiguous();
        using var k4 = k.Reshape(b, t, h, d).Permute(0, 2, 1, 3).Contiguous();
        using var v4 = v.Reshape(b, t, h, d).Permute(0, 2, 1, 3).Contiguous();
        var e4 = Naive(q4.ToDoubleArray(), k4.ToDoubleArray(), v4.ToDoubleArray(), b, h, h, sq, t, d, 0.5, (_, i, j) => i == 0 && j != 1);
        // Back to [B, S, H·D]: row 1 is fully masked → zeros.
        var e = new double[e4.Length];
        for (int hh = 0; hh < h; hh++)
            for (int i = 0; i < sq; i++)
                for (int c = 0; c < d; c++) e[(i * h + hh) * d + c] = e4[(hh * sq + i) * d + c];
        AssertClose(y, [b, sq, h * d], e);
        Assert.Throws<ModelFormatException>(() => Run("Attention", 23, [q, k, v]));
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 2)]
    public void RotaryEmbeddingMatchesNaive(bool interleaved, int rotDim)
    {
        int b = 1, s = 3, h = 2, hs = 4;
        using var x = RandN(80, b, h, s, hs);
        using var cos = RandN(81, 5, hs / 2);
        using var sin = RandN(82, 5, hs / 2);
        using var pos = Tensor.FromArray(new long[] { 4, 0, 2 }, 1, 3);
        var y = Run("RotaryEmbedding", 23, [x, cos, sin, pos], [("interleaved", interleaved ? 1 : 0), ("rotary_embedding_dim", rotDim)])[0];
        var xd = x.ToDoubleArray();
        var cd = cos.ToDoubleArray();
        var sd = sin.ToDoubleArray();
        int rot = rotDim == 0 ? hs : rotDim, half = rot / 2;
        var e = (double[])xd.Clone();
        long[] p = [4, 0, 2];
        for (int hh = 0; hh < h; hh++)
            for (int i = 0; i < s; i++)
            {
                int o = (hh * s + i) * hs;
                for (int j = 0; j < half; j++)
                {
                    int a = interleaved ? o + 2 * j : o + j, c = interleaved ? o + 2 * j + 1 : o + j + half;
                    double co = cd[p[i] * (hs / 2) + j], si = sd[p[i] * (hs / 2) + j];
                    e[a] = co * xd[a] - si * xd[c];
                    e[c] = si * xd[a] + co * xd[c];
                }
            }
        AssertClose(y, [b, h, s, hs], e);
    }
}
