// Batch (Ioffe & Szegedy 2015), layer (Ba et al. 2016) and group (Wu & He 2018) normalization. Each computes
// two-pass statistics per normalisation set (NormMath), then one fused pass y = (x − μ)·scale + shift (per
// channel) or ((x − μ)·rstd)·γ + β (per element). Parallel over channels, rows or (image, group) units; F32
// inference batch norm is one y = x·scale[c] + shift[c] pass per (image, channel) plane, parallel over planes.
using System.Numerics;

namespace DeepSeek.Backends.Cpu.Norm;

internal static unsafe class NormKernels
{
    /// <summary>Elements per thread below which the inference batch-norm pass (one read, one write per element) runs on one thread.</summary>
    internal const long StreamingMinWork = 256 * 1024;

    private static T At<T>(Tensor? t, long i) where T : unmanaged, IFloatingPointIeee754<T> =>
        t is null ? T.NaN : CpuBackend.Ptr<T>(t)[i * t.StridesArray[0]];

    /// <summary>Batch normalization over x [N, C, L] (see <see cref="INNKernels.BatchNorm"/>).</summary>
    public static void BatchNorm<T>(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, double momentum, double eps, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // [N, C, L], or [N, C, ...] read as L = the product of the trailing dims
        int n = x.ShapeArray[0], c = x.ShapeArray[1];
        int l = x.Rank == 3 ? x.ShapeArray[2] : (int)(x.Numel / Math.Max(1L, (long)n * c));
        using Tensor? xc = x.IsContiguous ? null : x.Contiguous();
        var xv = xc ?? x;
        if (!training && typeof(T) == typeof(float))
        {
            InferenceBatchNormF32(xv, runningMean!, runningVar!, weight, bias, eps, dst);
            return;
        }
        nint xp = (nint)CpuBackend.Ptr<T>(xv), dp = (nint)CpuBackend.Ptr<T>(dst);
        nint rmp = runningMean is null ? 0 : (nint)CpuBackend.Ptr<T>(runningMean);
        nint rvp = runningVar is null ? 0 : (nint)CpuBackend.Ptr<T>(runningVar);
        long rms = runningMean?.StridesArray[0] ?? 0, rvs = runningVar?.StridesArray[0] ?? 0;
        double[] scale = new double[c], shift = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            scale[ch] = weight is null ? 1 : double.CreateTruncating(At<T>(weight, ch));
            shift[ch] = bias is null ? 0 : double.CreateTruncating(At<T>(bias, ch));
        }
        long count = (long)n * l;
        CpuParallel.For(c, count * 4, (s, e) =>
        {
            for (long ch = s; ch < e; ch++)
            {
                T* basePtr = (T*)xp + ch * l;
                double mean, var;
                if (training)
                {
                    double sum = 0;
                    for (int b = 0; b < n; b++) sum += NormMath.Sum(basePtr + (long)b * c * l, l);
                    mean = sum / count;
                    double sq = 0;
                    for (int b = 0; b < n; b++) sq += NormMath.SumSqDev(basePtr + (long)b * c * l, l, mean);
                    var = sq / count;
                    if (rmp != 0)
                    {
                        T* r = (T*)rmp + ch * rms;
                        *r = T.CreateTruncating((1 - momentum) * double.CreateTruncating(*r) + momentum * mean);
                    }
                    if (rvp != 0)
                    {
                        T* r = (T*)rvp + ch * rvs;
                        double unbiased = count > 1 ? sq / (count - 1) : double.PositiveInfinity;
                        *r = T.CreateTruncating((1 - momentum) * double.CreateTruncating(*r) + momentum * unbiased);
                    }
                }
                else
                {
                    mean = double.CreateTruncating(((T*)rmp)[ch * rms]);
                    var = double.CreateTruncating(((T*)rvp)[ch * rvs]);
                }
                double rstd = 1 / Math.Sqrt(var + eps);
                double sc = scale[ch] * rstd;
                for (int b = 0; b < n; b++)
                {
                    long off = ((long)b * c + ch) * l;
                    NormMath.Normalize((T*)xp + off, (T*)dp + off, l, mean, sc, shift[ch]);
                }
            }
        });
    }

    /// <summary>
    /// Eval-mode batch norm of contiguous F32 x [N, C, L]: per channel scale = γ/√(var + ε) and shift = β − mean·scale
    /// in double (split into float head and tail), then one SIMD pass per plane, planes split over threads.
    /// </summary>
    private static void InferenceBatchNormF32(Tensor x, Tensor runningMean, Tensor runningVar, Tensor? weight, Tensor? bias, double eps, Tensor dst)
    {
        int n = x.ShapeArray[0], c = x.ShapeArray[1];
        long l = x.Numel / Math.Max(1L, (long)n * c);
        var bufs = Gemm.PackBuffers.Rent(4L * c, 0); // scale head, scale tail, shift head, shift tail (reused native scratch)
        try
        {
            float* coef = bufs.A;
            for (int ch = 0; ch < c; ch++)
            {
                double scale = (weight is null ? 1 : At<float>(weight, ch)) / Math.Sqrt(At<float>(runningVar, ch) + eps);
                double shift = (bias is null ? 0 : At<float>(bias, ch)) - At<float>(runningMean, ch) * scale;
                (coef[4 * ch], coef[4 * ch + 1]) = NormMath.Split(scale);
                (coef[4 * ch + 2], coef[4 * ch + 3]) = NormMath.Split(shift);
            }
            // a streaming pass: split only when each thread gets ≥ 2 MB to stream, far above the cost of waking a worker
            var body = new ScaleShiftPlanes { X = CpuBackend.Ptr<float>(x), Dst = CpuBackend.Ptr<float>(dst), Coef = coef, C = c, L = l };
            CpuParallel.For((long)n * c, l, ref body, minWorkPerThread: StreamingMinWork);
        }
        finally
        {
            Gemm.PackBuffers.Return(bufs);
        }
    }

    private struct ScaleShiftPlanes : IRangeBody
    {
        public float* X, Dst, Coef;
        public int C;
        public long L;

        public readonly void Run(long s, long e)
        {
            for (long plane = s; plane < e; plane++)
            {
                int ch = (int)(plane % C);
                long off = plane * L;
                float* k = Coef + 4 * ch;
                NormMath.ScaleShift(X + off, Dst + off, L, k[0], k[1], k[2], k[3]);
            }
        }
    }

    /// <summary>Layer normalization over the last dim of x [M, K] or, contiguous, [..., K] (see <see cref="INNKernels.LayerNorm"/>).</summary>
    public static void LayerNorm<T>(Tensor x, Tensor? weight, Tensor? bias, double eps, Tensor dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = x.ShapeArray[^1];
        long m = x.Rank == 2 ? x.ShapeArray[0] : x.Numel / Math.Max(1, k);
        using Tensor? xc = x.IsContiguous ? null : x.Contiguous();
        using Tensor? wc = weight is null || weight.IsContiguous ? null : weight.Contiguous();
        using Tensor? bc = bias is null || bias.IsContiguous ? null : bias.Contiguous();
        var xv = xc ?? x;
        var wv = wc ?? weight;
        var bv = bc ?? bias;
        var body = new LayerNormRows<T>
        {
            X = CpuBackend.Ptr<T>(xv), Dst = CpuBackend.Ptr<T>(dst),
            Gamma = wv is null ? null : CpuBackend.Ptr<T>(wv), Beta = bv is null ? null : CpuBackend.Ptr<T>(bv), K = k, Eps = eps,
        };
        CpuParallel.For(m, (long)k * 4, ref body);
    }

    private struct LayerNormRows<T> : IRangeBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, Dst, Gamma, Beta;
        public int K;
        public double Eps;

        public readonly void Run(long s, long e)
        {
            int k = K;
            for (long r = s; r < e; r++)
            {
                T* row = X + r * k;
                double mean = NormMath.Sum(row, k) / k;
                double var = NormMath.SumSqDev(row, k, mean) / k;
                double rstd = 1 / Math.Sqrt(var + Eps);
                NormMath.NormalizeRow(row, Dst + r * k, k, mean, rstd, Gamma, Beta);
            }
        }
    }

    /// <summary>Group normalization over x [N, C, L] (see <see cref="INNKernels.GroupNorm"/>).</summary>
    public static void GroupNorm<T>(Tensor x, int groups, Tensor? weight, Tensor? bias, double eps, Tensor dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], c = x.ShapeArray[1], l = x.ShapeArray[2];
        int cg = c / groups;
        using Tensor? xc = x.IsContiguous ? null : x.Contiguous();
        var xv = xc ?? x;
        nint xp = (nint)CpuBackend.Ptr<T>(xv), dp = (nint)CpuBackend.Ptr<T>(dst);
        double[] gamma = new double[c], beta = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            gamma[ch] = weight is null ? 1 : double.CreateTruncating(At<T>(weight, ch));
            beta[ch] = bias is null ? 0 : double.CreateTruncating(At<T>(bias, ch));
        }
        long count = (long)cg * l;
        CpuParallel.For((long)n * groups, count * 4, (s, e) =>
        {
            for (long u = s; u < e; u++)
            {
                long off = u * count; // (b·C + g·cg)·L
                T* p = (T*)xp + off;
                double mean = NormMath.Sum(p, count) / count;
                double var = NormMath.SumSqDev(p, count, mean) / count;
                double rstd = 1 / Math.Sqrt(var + eps);
                int c0 = (int)(u % groups) * cg;
                for (int j = 0; j < cg; j++)
                {
                    NormMath.Normalize(p + (long)j * l, (T*)dp + off + (long)j * l, l, mean, gamma[c0 + j] * rstd, beta[c0 + j]);
                }
            }
        });
    }
}
