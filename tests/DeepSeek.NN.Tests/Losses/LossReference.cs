namespace DeepSeek.NN.Tests.Losses;

/// <summary>Naive double-precision references for the classification losses, written from torch's documented formulas.</summary>
internal static class LossReference
{
    /// <summary>
    /// Cross-entropy over x laid out [N, C, D] (D = product of the trailing dims) with class targets [N, D]; returns the
    /// per-element losses and the reduced value for <paramref name="reduction"/>.
    /// </summary>
    public static (double[] PerElement, double Reduced) CrossEntropy(double[] x, long[] t, int n, int c, int d, double[]? w,
        long ignore, Reduction reduction, double eps, bool logSoftmax = true)
    {
        var per = new double[n * d];
        double nllSum = 0, smoothSum = 0, wSum = 0, perSum = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                var logp = new double[c];
                double max = double.NegativeInfinity;
                for (int k = 0; k < c; k++) max = Math.Max(max, x[(i * c + k) * d + j]);
                double z = 0;
                for (int k = 0; k < c; k++) z += Math.Exp(x[(i * c + k) * d + j] - max);
                for (int k = 0; k < c; k++) logp[k] = logSoftmax ? x[(i * c + k) * d + j] - max - Math.Log(z) : x[(i * c + k) * d + j];
                long tg = t[i * d + j];
                if (tg == ignore) { per[i * d + j] = 0; continue; }
                double wt = w?[tg] ?? 1;
                double nll = -wt * logp[tg];
                double smooth = 0;
                for (int k = 0; k < c; k++) smooth -= (w?[k] ?? 1) * logp[k];
                per[i * d + j] = (1 - eps) * nll + eps / c * smooth;
                nllSum += nll; smoothSum += smooth; wSum += wt; perSum += per[i * d + j];
            }
        double reduced = reduction switch
        {
            Reduction.Sum => perSum,
            Reduction.Mean => (1 - eps) * nllSum / wSum + eps / c * smoothSum / wSum,
            _ => double.NaN,
        };
        return (per, reduced);
    }
}
