// Max pooling over NCHW planes: the fast F32 path without indices is MaxPoolRows (vertical SIMD max into a −∞-framed
// row, then vector maxima along it); the generic path is the scalar reference. Both clip windows to the input, so
// padding never wins, and NaN propagates.
using System.Numerics;

namespace DeepSeek.Backends.Cpu.Pool;

internal static unsafe class MaxPool
{
    /// <summary>Runs the fastest applicable path.</summary>
    public static void Run<T>(Tensor x, Pool2dParams p, Tensor dst, Tensor? indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && indices is null && dst.IsContiguous && MaxPoolRows.Supports(x))
            MaxPoolRows.Run(x, p, dst);
        else
            Reference<T>(x, p, dst, indices);
    }

    /// <summary>Scalar reference (any dtype of the two, strided input, optional I64 indices).</summary>
    internal static void Reference<T>(Tensor x, Pool2dParams p, Tensor dst, Tensor? indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = x.ShapeArray[1], h = x.ShapeArray[2], w = x.ShapeArray[3];
        int oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        long sN = x.StridesArray[0], sC = x.StridesArray[1], sH = x.StridesArray[2], sW = x.StridesArray[3];
        nint xp = (nint)CpuBackend.Ptr<T>(x), dp = (nint)CpuBackend.Ptr<T>(dst);
        nint ip = indices is null ? 0 : (nint)CpuBackend.Ptr<long>(indices);
        CpuParallel.For(dst.Numel / Math.Max(1L, (long)oh * ow), (long)oh * ow * p.KernelH * p.KernelW, (s, e) =>
        {
            for (long u = s; u < e; u++)
            {
                T* plane = (T*)xp + u / c * sN + u % c * sC;
                T* o = (T*)dp + u * oh * ow;
                long* oi = ip == 0 ? null : (long*)ip + u * oh * ow;
                for (int y = 0; y < oh; y++)
                    for (int xo = 0; xo < ow; xo++)
                    {
                        T best = T.NegativeInfinity;
                        long bi = -1;
                        for (int i = 0; i < p.KernelH; i++)
                        {
                            int iy = y * p.StrideH - p.PadTop + i * p.DilationH;
                            if ((uint)iy >= (uint)h) continue;
                            for (int j = 0; j < p.KernelW; j++)
                            {
                                int ix = xo * p.StrideW - p.PadLeft + j * p.DilationW;
                                if ((uint)ix >= (uint)w) continue;
                                T v = plane[iy * sH + ix * sW];
                                if (v > best || T.IsNaN(v) || bi < 0)
                                {
                                    best = v;
                                    bi = (long)iy * w + ix;
                                    if (T.IsNaN(v)) goto done;
                                }
                            }
                        }
                    done:
                        o[y * ow + xo] = best;
                        if (oi != null) oi[y * ow + xo] = bi;
                    }
            }
        });
    }
}
