// Building blocks of the normalization backward kernels. With x̂ = (x − μ)·r, every input gradient of batch/layer/group
// norm is an affine map dx = a·dy + b·(x − μ) + c per normalisation set, whose coefficients need Σ dy and Σ dy·(x − μ)
// (Ioffe & Szegedy 2015, §3). F32 sums run in float lanes within 2048-element blocks flushed into doubles.
using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Norm;

internal static unsafe class NormGradMath
{
    private const int Block = 2048;

    /// <summary>Σ g and Σ g·(x − mean) over n contiguous elements, in double.</summary>
    public static void Stats<T>(T* x, T* g, long n, double mean, out double sumG, out double sumGX) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && SimdInfo.UseAvx2) StatsF32((float*)x, (float*)g, n, mean, out sumG, out sumGX);
        else StatsReference(x, g, n, mean, out sumG, out sumGX);
    }

    /// <summary>Scalar reference of <see cref="Stats"/>.</summary>
    internal static void StatsReference<T>(T* x, T* g, long n, double mean, out double sumG, out double sumGX) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sg = 0, sgx = 0;
        for (long i = 0; i < n; i++)
        {
            double gv = double.CreateTruncating(g[i]);
            sg += gv;
            sgx += gv * (double.CreateTruncating(x[i]) - mean);
        }
        sumG = sg;
        sumGX = sgx;
    }

    private static void StatsF32(float* x, float* g, long n, double mean, out double sumG, out double sumGX)
    {
        double sg = 0, sgx = 0;
        float mh = (float)mean, ml = (float)(mean - mh);
        for (long start = 0; start < n; start += Block)
        {
            int len = (int)Math.Min(Block, n - start);
            float* xq = x + start, gq = g + start;
            int i = 0;
            float bg = 0, bgx = 0;
            if (SimdInfo.UseAvx512 && Vector512.IsHardwareAccelerated)
            {
                Vector512<float> vh = Vector512.Create(mh), vl = Vector512.Create(ml), a = default, b = default;
                for (; i + 16 <= len; i += 16)
                {
                    var gv = Vector512.Load(gq + i);
                    a += gv;
                    b = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xq + i) - vh - vl, b);
                }
                bg += Vector512.Sum(a);
                bgx += Vector512.Sum(b);
            }
            {
                Vector256<float> vh = Vector256.Create(mh), vl = Vector256.Create(ml), a = default, b = default;
                for (; i + 8 <= len; i += 8)
                {
                    var gv = Vector256.Load(gq + i);
                    a += gv;
                    b = Vector256.FusedMultiplyAdd(gv, Vector256.Load(xq + i) - vh - vl, b);
                }
                bg += Vector256.Sum(a);
                bgx += Vector256.Sum(b);
            }
            for (; i < len; i++)
            {
                bg += gq[i];
                bgx += gq[i] * (xq[i] - mh - ml);
            }
            sg += bg;
            sgx += bgx;
        }
        sumG = sg;
        sumGX = sgx;
    }

    /// <summary>dx = a·g + b·(x − mean) + c over n contiguous elements.</summary>
    public static void Affine<T>(T* x, T* g, T* dx, long n, double a, double b, double mean, double c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && SimdInfo.UseAvx2) AffineF32((float*)x, (float*)g, (float*)dx, n, a, b, mean, c);
        else AffineReference(x, g, dx, n, a, b, mean, c);
    }

    /// <summary>Scalar reference of <see cref="Affine"/> (double arithmetic, one rounding).</summary>
    internal static void AffineReference<T>(T* x, T* g, T* dx, long n, double a, double b, double mean, double c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (long i = 0; i < n; i++)
            dx[i] = T.CreateTruncating(a * double.CreateTruncating(g[i]) + b * (double.CreateTruncating(x[i]) - mean) + c);
    }

    private static void AffineF32(float* x, float* g, float* dx, long n, double a, double b, double mean, double c)
    {
        float mh = (float)mean, ml = (float)(mean - mh), af = (float)a, bf = (float)b, cf = (float)c;
        long i = 0;
        if (SimdInfo.UseAvx512 && Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vh = Vector512.Create(mh), vl = Vector512.Create(ml), va = Vector512.Create(af), vb = Vector512.Create(bf), vc = Vector512.Create(cf);
            for (; i + 16 <= n; i += 16)
                Vector512.FusedMultiplyAdd(va, Vector512.Load(g + i), Vector512.FusedMultiplyAdd(vb, Vector512.Load(x + i) - vh - vl, vc)).Store(dx + i);
        }
        {
            Vector256<float> vh = Vector256.Create(mh), vl = Vector256.Create(ml), va = Vector256.Create(af), vb = Vector256.Create(bf), vc = Vector256.Create(cf);
            for (; i + 8 <= n; i += 8)
                Vector256.FusedMultiplyAdd(va, Vector256.Load(g + i), Vector256.FusedMultiplyAdd(vb, Vector256.Load(x + i) - vh - vl, vc)).Store(dx + i);
        }
        for (; i < n; i++) dx[i] = MathF.FusedMultiplyAdd(af, g[i], MathF.FusedMultiplyAdd(bf, x[i] - mh - ml, cf));
    }
}
