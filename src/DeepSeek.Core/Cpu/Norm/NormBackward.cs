// Backward of batch, layer and group normalization (Ioffe & Szegedy 2015, §3; Ba et al. 2016; Wu & He 2018). Statistics are
// recomputed from x (two-pass, as the forward), then per normalisation set dx = γ·r·(dy − mean(dy) − x̂·mean(dy·x̂)) (training
// statistics) or dx = γ·r·dy (constant statistics); dγ = Σ dy·x̂, dβ = Σ dy, summed in a fixed order for determinism.
using System.Numerics;

namespace DeepSeek.Backends.Cpu.Norm;

internal static unsafe class NormBackward
{
    private static double At<T>(Tensor? t, long i, double missing) where T : unmanaged, IFloatingPointIeee754<T> =>
        t is null ? missing : double.CreateTruncating(CpuBackend.Ptr<T>(t)[i * t.StridesArray[0]]);

    /// <summary>See <see cref="INNKernels.BatchNormBackward"/>.</summary>
    public static void BatchNorm<T>(Tensor x, Tensor gradOut, Tensor? weight, Tensor? runningMean, Tensor? runningVar, bool training,
        double eps, Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], c = x.ShapeArray[1], l = x.ShapeArray[2];
        using Tensor? xc = x.IsContiguous ? null : x.Contiguous();
        using Tensor? gc = gradOut.IsContiguous ? null : gradOut.Contiguous();
        nint xp = (nint)CpuBackend.Ptr<T>(xc ?? x), gp = (nint)CpuBackend.Ptr<T>(gc ?? gradOut);
        nint dxp = gradInput is null ? 0 : (nint)CpuBackend.Ptr<T>(gradInput);
        nint dwp = gradWeight is null ? 0 : (nint)CpuBackend.Ptr<T>(gradWeight), dbp = gradBias is null ? 0 : (nint)CpuBackend.Ptr<T>(gradBias);
        var gamma = new double[c];
        var mean = new double[c];
        var var = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            gamma[ch] = At<T>(weight, ch, 1);
            if (!training)
            {
                mean[ch] = At<T>(runningMean, ch, 0);
                var[ch] = At<T>(runningVar, ch, 1);
            }
        }
        long count = (long)n * l;
        CpuParallel.For(c, count * 6, (s, e) =>
        {
            for (long ch = s; ch < e; ch++)
            {
                T* xb = (T*)xp + ch * l, gb = (T*)gp + ch * l;
                long planeStride = (long)c * l;
                double mu = mean[ch], v = var[ch];
                if (training)
                {
                    double sum = 0;
                    for (int b = 0; b < n; b++) sum += NormMath.Sum(xb + b * planeStride, l);
                    mu = sum / count;
                    double sq = 0;
                    for (int b = 0; b < n; b++) sq += NormMath.SumSqDev(xb + b * planeStride, l, mu);
                    v = sq / count;
                }
                double r = 1 / Math.Sqrt(v + eps);
                double sg = 0, sgx = 0;
                for (int b = 0; b < n; b++)
                {
                    NormGradMath.Stats(xb + b * planeStride, gb + b * planeStride, l, mu, out double a1, out double a2);
                    sg += a1;
                    sgx += a2;
                }
                if (dwp != 0) ((T*)dwp)[ch] = T.CreateTruncating(sgx * r);
                if (dbp != 0) ((T*)dbp)[ch] = T.CreateTruncating(sg);
                if (dxp == 0) continue;
                double a = gamma[ch] * r;
                double bc = training ? -gamma[ch] * r * r * r * sgx / count : 0;
                double cc = training ? -gamma[ch] * r * sg / count : 0;
                for (int b = 0; b < n; b++)
                    NormGradMath.Affine(xb + b * planeStride, gb + b * planeStride, (T*)dxp + ch * l + b * planeStride, l, a, bc, mu, cc);
            }
        });
    }

    /// <summary>See <see cref="INNKernels.LayerNormBackward"/>.</summary>
    public static void LayerNorm<T>(Tensor x, Tensor gradOut, Tensor? weight, double eps, Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = x.ShapeArray[0], k = x.ShapeArray[1];
        using Tensor? xc = x.IsContiguous ? null : x.Contiguous();
        using Tensor? gc = gradOut.IsContiguous ? null : gradOut.Contiguous();
        using Tensor? wc = weight is null || weight.IsContiguous ? null : weight.Contiguous();
        nint xp = (nint)CpuBackend.Ptr<T>(xc ?? x), gp = (nint)CpuBackend.Ptr<T>(gc ?? gradOut);
        nint wp = weight is null ? 0 : (nint)CpuBackend.Ptr<T>(wc ?? weight);
        nint dxp = gradInput is null ? 0 : (nint)CpuBackend.Ptr<T>(gradInput);
        var mean = new double[m];
        var rstd = new double[m];
        CpuParallel.For(m, (long)k * 6, (s, e) =>
        {
            T[]? tmp = wp != 0 && dxp != 0 ? new T[k] : null;
            fixed (T* tp = tmp)
                for (long row = s; row < e; row++)
                {
                    T* xr = (T*)xp + row * k, gr = (T*)gp + row * k;
                    double mu = NormMath.Sum(xr, k) / k;
                    double r = 1 / Math.Sqrt(NormMath.SumSqDev(xr, k, mu) / k + eps);
                    mean[row] = mu;
                    rstd[row] = r;
                    if (dxp == 0) continue;
                    T* gg = gr;
                    if (tp != null)
                    {
                        for (int i = 0; i < k; i++) tp[i] = gr[i] * ((T*)wp)[i];
                        gg = tp;
                    }
                    NormGradMath.Stats(xr, gg, k, mu, out double sg, out double sgx);
                    NormGradMath.Affine(xr, gg, (T*)dxp + row * k, k, r, -r * r * r * sgx / k, mu, -r * sg / k);
                }
        });
        if (gradWeight is null && gradBias is null) return;
        nint dwp = gradWeight is null ? 0 : (nint)CpuBackend.Ptr<T>(gradWeight), dbp = gradBias is null ? 0 : (nint)CpuBackend.Ptr<T>(gradBias);
        const int ColBlock = 256;
        CpuParallel.For((k + ColBlock - 1) / ColBlock, (long)m * ColBlock * 3, (s, e) =>
        {
            var dw = new double[ColBlock];
            var db = new double[ColBlock];
            for (long blk = s; blk < e; blk++)
            {
                int k0 = (int)blk * ColBlock, len = Math.Min(ColBlock, k - k0);
                Array.Clear(dw);
                Array.Clear(db);
                for (int row = 0; row < m; row++)
                {
                    T* xr = (T*)xp + (long)row * k + k0, gr = (T*)gp + (long)row * k + k0;
                    double mu = mean[row], r = rstd[row];
                    for (int i = 0; i < len; i++)
                    {
                        double gv = double.CreateTruncating(gr[i]);
                        db[i] += gv;
                        dw[i] += gv * (double.CreateTruncating(xr[i]) - mu) * r;
                    }
                }
                for (int i = 0; i < len; i++)
                {
                    if (dwp != 0) ((T*)dwp)[k0 + i] = T.CreateTruncating(dw[i]);
                    if (dbp != 0) ((T*)dbp)[k0 + i] = T.CreateTruncating(db[i]);
                }
            }
        });
    }

    /// <summary>See <see cref="INNKernels.GroupNormBackward"/>.</summary>
    public static void GroupNorm<T>(Tensor x, int groups, Tensor gradOut, Tensor? weight, double eps, Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], c = x.ShapeArray[1], l = x.ShapeArray[2];
        int cg = c / groups;
        using Tensor? xc = x.IsContiguous ? null : x.Contiguous();
        using Tensor? gc = gradOut.IsContiguous ? null : gradOut.Contiguous();
        nint xp = (nint)CpuBackend.Ptr<T>(xc ?? x), gp = (nint)CpuBackend.Ptr<T>(gc ?? gradOut);
        nint dxp = gradInput is null ? 0 : (nint)CpuBackend.Ptr<T>(gradInput);
        var gamma = new double[c];
        for (int ch = 0; ch < c; ch++) gamma[ch] = At<T>(weight, ch, 1);
        var pg = new double[(long)n * c];
        var pgx = new double[(long)n * c];
        var rstd = new double[(long)n * groups];
        long count = (long)cg * l;
        CpuParallel.For((long)n * groups, count * 8, (s, e) =>
        {
            for (long u = s; u < e; u++)
            {
                long off = u * count;
                T* xg = (T*)xp + off, gg = (T*)gp + off;
                double mu = NormMath.Sum(xg, count) / count;
                double r = 1 / Math.Sqrt(NormMath.SumSqDev(xg, count, mu) / count + eps);
                rstd[u] = r;
                int c0 = (int)(u % groups) * cg;
                long nc0 = u / groups * c + c0;
                double s1 = 0, s2 = 0;
                for (int j = 0; j < cg; j++)
                {
                    NormGradMath.Stats(xg + (long)j * l, gg + (long)j * l, l, mu, out double a1, out double a2);
                    pg[nc0 + j] = a1;
                    pgx[nc0 + j] = a2;
                    s1 += gamma[c0 + j] * a1;
                    s2 += gamma[c0 + j] * a2;
                }
                if (dxp == 0) continue;
                double bc = -r * r * r * s2 / count, cc = -r * s1 / count;
                for (int j = 0; j < cg; j++)
                    NormGradMath.Affine(xg + (long)j * l, gg + (long)j * l, (T*)dxp + off + (long)j * l, l, gamma[c0 + j] * r, bc, mu, cc);
            }
        });
        for (int ch = 0; ch < c; ch++)
        {
            double dw = 0, db = 0;
            for (int b = 0; b < n; b++)
            {
                dw += pgx[(long)b * c + ch] * rstd[(long)b * groups + ch / cg];
                db += pg[(long)b * c + ch];
            }
            if (gradWeight is not null) CpuBackend.Ptr<T>(gradWeight)[ch] = T.CreateTruncating(dw);
            if (gradBias is not null) CpuBackend.Ptr<T>(gradBias)[ch] = T.CreateTruncating(db);
        }
    }
}
