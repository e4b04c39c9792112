namespace DeepSeek.NN.Tests.Layers;

/// <summary>Naive double-precision references for the layer tests (plain loops over flat row-major arrays).</summary>
internal static class Naive
{
    /// <summary>2-d convolution: x [n, ci, h, w], weight [co, ci/g, kh, kw].</summary>
    public static double[] Conv2d(double[] x, int n, int ci, int h, int w, double[] wt, int co, int kh, int kw, double[]? b,
        int sh, int sw, int ph, int pw, int dh, int dw, int g, out int oh, out int ow)
    {
        oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        int cig = ci / g, cog = co / g;
        var y = new double[n * co * oh * ow];
        for (int b0 = 0; b0 < n; b0++)
            for (int o = 0; o < co; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double s = b?[o] ?? 0;
                        int grp = o / cog;
                        for (int c = 0; c < cig; c++)
                            for (int u = 0; u < kh; u++)
                                for (int v = 0; v < kw; v++)
                                {
                                    int yy = i * sh - ph + u * dh, xx = j * sw - pw + v * dw;
                                    if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                                    s += x[((b0 * ci + grp * cig + c) * h + yy) * w + xx] * wt[((o * cig + c) * kh + u) * kw + v];
                                }
                        y[((b0 * co + o) * oh + i) * ow + j] = s;
                    }
        return y;
    }

    /// <summary>Transposed 2-d convolution (scatter form): x [n, ci, h, w], weight [ci, co/g, kh, kw].</summary>
    public static double[] ConvTranspose2d(double[] x, int n, int ci, int h, int w, double[] wt, int co, int kh, int kw, double[]? b,
        int s, int p, int op, int g, out int oh, out int ow)
    {
        oh = (h - 1) * s - 2 * p + kh + op;
        ow = (w - 1) * s - 2 * p + kw + op;
        int cig = ci / g, cog = co / g;
        var y = new double[n * co * oh * ow];
        for (int b0 = 0; b0 < n; b0++)
        {
            for (int o = 0; o < co; o++)
                for (int k = 0; k < oh * ow; k++) y[(b0 * co + o) * oh * ow + k] = b?[o] ?? 0;
            for (int c = 0; c < ci; c++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                        for (int oc = 0; oc < cog; oc++)
                            for (int u = 0; u < kh; u++)
                                for (int v = 0; v < kw; v++)
                                {
                                    int yy = i * s - p + u, xx = j * s - p + v;
                                    if (yy < 0 || yy >= oh || xx < 0 || xx >= ow) continue;
                                    int o = (c / cig) * cog + oc;
                                    y[((b0 * co + o) * oh + yy) * ow + xx] += x[((b0 * ci + c) * h + i) * w + j] * wt[((c * cog + oc) * kh + u) * kw + v];
                                }
        }
        return y;
    }

    /// <summary>Normalises each of <paramref name="groups"/> contiguous blocks of <paramref name="len"/> values.</summary>
    public static double[] NormalizeBlocks(double[] x, int len, double eps)
    {
        var y = new double[x.Length];
        for (int start = 0; start < x.Length; start += len)
        {
            double mean = 0, var = 0;
            for (int i = 0; i < len; i++) mean += x[start + i];
            mean /= len;
            for (int i = 0; i < len; i++) var += (x[start + i] - mean) * (x[start + i] - mean);
            var /= len;
            for (int i = 0; i < len; i++) y[start + i] = (x[start + i] - mean) / Math.Sqrt(var + eps);
        }
        return y;
    }

    /// <summary>Row-major [m, k]·[n, k]ᵀ + b.</summary>
    public static double[] Linear(double[] x, int m, int k, double[] w, int n, double[]? b, int wOffsetRows = 0)
    {
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = b?[wOffsetRows + j] ?? 0;
                for (int t = 0; t < k; t++) s += x[i * k + t] * w[(wOffsetRows + j) * k + t];
                y[i * n + j] = s;
            }
        return y;
    }

    /// <summary>
    /// Attention for one head: q [l, e], k [s, e], v [s, ev], optional additive mask [l, s] → (output [l, ev], weights [l, s]).
    /// </summary>
    public static (double[] Out, double[] W) Attention(double[] q, double[] k, double[] v, int l, int s, int e, int ev, double[]? mask, double scale)
    {
        var w = new double[l * s];
        var o = new double[l * ev];
        for (int i = 0; i < l; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < s; j++)
            {
                double d = 0;
                for (int t = 0; t < e; t++) d += q[i * e + t] * k[j * e + t];
                w[i * s + j] = d * scale + (mask?[i * s + j] ?? 0);
                max = Math.Max(max, w[i * s + j]);
            }
            double z = 0;
            for (int j = 0; j < s; j++) z += w[i * s + j] = Math.Exp(w[i * s + j] - max);
            for (int j = 0; j < s; j++) w[i * s + j] /= z;
            for (int t = 0; t < ev; t++)
            {
                double acc = 0;
                for (int j = 0; j < s; j++) acc += w[i * s + j] * v[j * ev + t];
                o[i * ev + t] = acc;
            }
        }
        return (o, w);
    }
}
