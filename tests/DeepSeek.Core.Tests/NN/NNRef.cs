namespace DeepSeek.Tests.NN;

/// <summary>Naive double-precision references for the NN ops, written independently of the kernels.</summary>
internal static class NNRef
{
    public static Tensor Randn(ulong seed, params int[] shape) => Tensor.RandN(new Shape(shape), new Generator(seed));

    /// <summary>Values of <paramref name="t"/> in a new tensor of <paramref name="dtype"/> (rounded as the dtype requires).</summary>
    public static Tensor As(Tensor t, DType dtype) => t.To(dtype);

    /// <summary>Direct 7-loop convolution; x [N,C,H,W], w [Cout, C/g, kh, kw] (row-major values).</summary>
    public static double[] Conv2d(double[] x, int n, int c, int h, int w, double[] wt, int cout, int kh, int kw, double[]? bias,
        int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw, int g, out int oh, out int ow)
    {
        oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1;
        ow = (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
        int cig = c / g, cog = cout / g;
        var y = new double[n * cout * oh * ow];
        for (int b = 0; b < n; b++)
            for (int co = 0; co < cout; co++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double acc = bias?[co] ?? 0;
                        int gi = co / cog;
                        for (int ci = 0; ci < cig; ci++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++)
                                {
                                    int iy = oy * sh - pt + i * dh, ix = ox * sw - pl + j * dw;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    acc += x[((b * c + gi * cig + ci) * h + iy) * w + ix] * wt[((co * cig + ci) * kh + i) * kw + j];
                                }
                        y[((b * cout + co) * oh + oy) * ow + ox] = acc;
                    }
        return y;
    }

    /// <summary>Transposed convolution by scatter; w [Cin, Cout/g, kh, kw].</summary>
    public static double[] ConvTranspose2d(double[] x, int n, int cin, int h, int w, double[] wt, int cog, int kh, int kw, double[]? bias,
        int s, int pad, int outPad, int dil, int g, out int oh, out int ow)
    {
        oh = (h - 1) * s - 2 * pad + dil * (kh - 1) + outPad + 1;
        ow = (w - 1) * s - 2 * pad + dil * (kw - 1) + outPad + 1;
        int cout = cog * g, cig = cin / g;
        var y = new double[n * cout * oh * ow];
        for (int b = 0; b < n; b++)
            for (int co = 0; co < cout; co++)
                for (int i = 0; i < oh * ow; i++) y[(b * cout + co) * oh * ow + i] = bias?[co] ?? 0;
        for (int b = 0; b < n; b++)
            for (int ci = 0; ci < cin; ci++)
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < w; ix++)
                    {
                        double v = x[((b * cin + ci) * h + iy) * w + ix];
                        int gi = ci / cig;
                        for (int co = 0; co < cog; co++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++)
                                {
                                    int oy = iy * s - pad + i * dil, ox = ix * s - pad + j * dil;
                                    if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                                    y[((b * cout + gi * cog + co) * oh + oy) * ow + ox] += v * wt[((ci * cog + co) * kh + i) * kw + j];
                                }
                    }
        return y;
    }

    /// <summary>PyTorch's pooling output size.</summary>
    public static int PoolOut(int size, int k, int s, int p, int d, bool ceil)
    {
        double v = (size + 2 * p - d * (k - 1) - 1) / (double)s;
        int o = (int)(ceil ? Math.Ceiling(v) : Math.Floor(v)) + 1;
        if (ceil && (o - 1) * s >= size + p) o--;
        return o;
    }

    /// <summary>Direct max pooling; returns values and flat h·W+w indices.</summary>
    public static (double[] Y, long[] I) MaxPool(double[] x, int nc, int h, int w, int k, int s, int p, int d, bool ceil, out int oh, out int ow)
    {
        oh = PoolOut(h, k, s, p, d, ceil);
        ow = PoolOut(w, k, s, p, d, ceil);
        var y = new double[nc * oh * ow];
        var idx = new long[y.Length];
        for (int u = 0; u < nc; u++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    double best = double.NegativeInfinity;
                    long bi = -1;
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                        {
                            int iy = oy * s - p + i * d, ix = ox * s - p + j * d;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            double v = x[(u * h + iy) * w + ix];
                            if (bi < 0 || v > best) { best = v; bi = iy * w + ix; }
                        }
                    y[(u * oh + oy) * ow + ox] = best;
                    idx[(u * oh + oy) * ow + ox] = bi;
                }
        return (y, idx);
    }

    /// <summary>Direct average pooling with PyTorch's divisor rules.</summary>
    public static double[] AvgPool(double[] x, int nc, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, bool ceil, bool includePad, out int oh, out int ow)
    {
        oh = PoolOut(h, kh, sh, ph, 1, ceil);
        ow = PoolOut(w, kw, sw, pw, 1, ceil);
        var y = new double[nc * oh * ow];
        for (int u = 0; u < nc; u++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int hs = oy * sh - ph, ws = ox * sw - pw;
                    int he = Math.Min(hs + kh, h + ph), we = Math.Min(ws + kw, w + pw);
                    int size = (he - hs) * (we - ws);
                    hs = Math.Max(hs, 0); ws = Math.Max(ws, 0); he = Math.Min(he, h); we = Math.Min(we, w);
                    double acc = 0;
                    for (int iy = hs; iy < he; iy++)
                        for (int ix = ws; ix < we; ix++) acc += x[(u * h + iy) * w + ix];
                    y[(u * oh + oy) * ow + ox] = acc / (includePad ? size : (he - hs) * (we - ws));
                }
        return y;
    }

    /// <summary>Direct adaptive average pooling.</summary>
    public static double[] Adaptive(double[] x, int nc, int h, int w, int oh, int ow)
    {
        var y = new double[nc * oh * ow];
        for (int u = 0; u < nc; u++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int y0 = (int)Math.Floor(oy * (double)h / oh), y1 = (int)Math.Ceiling((oy + 1) * (double)h / oh);
                    int x0 = (int)Math.Floor(ox * (double)w / ow), x1 = (int)Math.Ceiling((ox + 1) * (double)w / ow);
                    double acc = 0;
                    for (int iy = y0; iy < y1; iy++)
                        for (int ix = x0; ix < x1; ix++) acc += x[(u * h + iy) * w + ix];
                    y[(u * oh + oy) * ow + ox] = acc / ((y1 - y0) * (x1 - x0));
                }
        return y;
    }

    /// <summary>Normalises each of <paramref name="sets"/> (lists of flat indices) with its own mean/biased variance.</summary>
    public static (double Mean, double Var, double Unbiased) Stats(double[] x, IReadOnlyList<int> set)
    {
        double mean = set.Sum(i => x[i]) / set.Count;
        double sq = set.Sum(i => (x[i] - mean) * (x[i] - mean));
        return (mean, sq / set.Count, set.Count > 1 ? sq / (set.Count - 1) : double.NaN);
    }
}
