namespace DeepSeek.Tests.Linalg;

/// <summary>Independent torch.matmul reference in double: promotes 1-d operands, broadcasts batch dims with naive loops.</summary>
internal static class MatMulReference
{
    public static (double[] Values, int[] Shape) MatMul(double[] a, int[] aShape, double[] b, int[] bShape)
    {
        bool aVec = aShape.Length == 1, bVec = bShape.Length == 1;
        var sa = aVec ? new[] { 1, aShape[0] } : aShape;
        var sb = bVec ? new[] { bShape[0], 1 } : bShape;
        int m = sa[^2], k = sa[^1], n = sb[^1];
        Assert.Equal(k, sb[^2]);
        int batchRank = Math.Max(sa.Length, sb.Length) - 2;
        var batch = new int[batchRank];
        for (int i = 0; i < batchRank; i++)
        {
            int da = Dim(sa, sa.Length - 2 - batchRank + i), db = Dim(sb, sb.Length - 2 - batchRank + i);
            batch[i] = Math.Max(da, db);
        }
        long batchCount = batch.Aggregate(1L, (x, y) => x * y);
        var outv = new double[batchCount * m * n];
        var idx = new int[batchRank];
        for (long bi = 0; bi < batchCount; bi++)
        {
            long rem = bi;
            for (int d = batchRank - 1; d >= 0; d--) { idx[d] = (int)(rem % batch[d]); rem /= batch[d]; }
            long oa = Offset(sa, idx, batchRank) * m * k, ob = Offset(sb, idx, batchRank) * k * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double acc = 0;
                    for (int p = 0; p < k; p++) acc += a[oa + (long)i * k + p] * b[ob + (long)p * n + j];
                    outv[(bi * m + i) * n + j] = acc;
                }
        }
        var shape = new List<int>(batch);
        if (!aVec) shape.Add(m);
        if (!bVec) shape.Add(n);
        return (outv, shape.ToArray());
    }

    private static int Dim(int[] s, int i) => i < 0 ? 1 : s[i];

    // Flat batch index of an operand whose batch dims right-align with the broadcast batch (size-1 dims broadcast).
    private static long Offset(int[] s, int[] idx, int batchRank)
    {
        int own = s.Length - 2;
        long off = 0;
        for (int d = 0; d < own; d++)
        {
            int bd = d + batchRank - own;
            off = off * s[d] + (s[d] == 1 ? 0 : idx[bd]);
        }
        return off;
    }

    public static double[] Linear(double[] x, int rows, int inF, double[] w, int outF, double[]? bias)
    {
        var y = new double[(long)rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double acc = bias?[o] ?? 0;
                for (int p = 0; p < inF; p++) acc += x[(long)r * inF + p] * w[(long)o * inF + p];
                y[(long)r * outF + o] = acc;
            }
        return y;
    }
}
