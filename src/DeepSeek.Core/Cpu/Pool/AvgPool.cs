// Average pooling (PyTorch semantics: with count_include_pad the divisor is the window clipped to the padded
// input, else the number of real cells) and adaptive average pooling (cell i spans floor(i·H/O) … ceil((i+1)·H/O)).
// The fast F32 path is AvgPoolRows (SIMD row sums into a zero-framed row, vector window sums along it); a 1×1 adaptive
// output of F32 planes is GlobalAvgPool.
using System.Numerics;

namespace DeepSeek.Backends.Cpu.Pool;

internal static unsafe class AvgPool
{
    /// <summary>Runs the fastest applicable path.</summary>
    public static void Run<T>(Tensor x, Pool2dParams p, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && dst.IsContiguous && AvgPoolRows.Supports(x, p)) AvgPoolRows.Run(x, p, dst);
        else Reference<T>(x, p, dst);
    }

    internal static int Divisor(in Pool2dParams p, int y, int xo, int h, int w, out int y0, out int y1, out int x0, out int x1)
    {
        int hs = y * p.StrideH - p.PadTop, ws = xo * p.StrideW - p.PadLeft;
        int he = Math.Min(hs + p.KernelH, h + p.PadBottom), we = Math.Min(ws + p.KernelW, w + p.PadRight);
        int padded = (he - hs) * (we - ws);
        y0 = Math.Max(hs, 0); y1 = Math.Min(he, h); x0 = Math.Max(ws, 0); x1 = Math.Min(we, w);
        return p.CountIncludePad ? padded : Math.Max(0, y1 - y0) * Math.Max(0, x1 - x0);
    }

    /// <summary>Scalar reference with double accumulation (strided input).</summary>
    internal static void Reference<T>(Tensor x, Pool2dParams p, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = x.ShapeArray[1], h = x.ShapeArray[2], w = x.ShapeArray[3];
        int oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        long sN = x.StridesArray[0], sC = x.StridesArray[1], sH = x.StridesArray[2], sW = x.StridesArray[3];
        nint xp = (nint)CpuBackend.Ptr<T>(x), dp = (nint)CpuBackend.Ptr<T>(dst);
        CpuParallel.For(dst.Numel / Math.Max(1L, (long)oh * ow), (long)oh * ow * p.KernelH * p.KernelW, (s, e) =>
        {
            for (long u = s; u < e; u++)
            {
                T* plane = (T*)xp + u / c * sN + u % c * sC;
                T* o = (T*)dp + u * oh * ow;
                for (int y = 0; y < oh; y++)
                    for (int xo = 0; xo < ow; xo++)
                    {
                        int div = Divisor(p, y, xo, h, w, out int y0, out int y1, out int x0, out int x1);
                        double acc = 0;
                        for (int iy = y0; iy < y1; iy++)
                            for (int ix = x0; ix < x1; ix++) acc += double.CreateTruncating(plane[iy * sH + ix * sW]);
                        o[y * ow + xo] = T.CreateTruncating(div == 0 ? double.NaN : acc / div);
                    }
            }
        });
    }

    /// <summary>Adaptive average pooling, double accumulation (strided input); a 1×1 output of F32 planes takes <see cref="GlobalAvgPool"/>.</summary>
    public static void Adaptive<T>(Tensor x, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && GlobalAvgPool.Supports(x, dst))
        {
            GlobalAvgPool.Run(x, dst);
            return;
        }
        AdaptiveGeneric<T>(x, dst);
    }

    // a separate method: the lambda's captured locals would otherwise put a closure allocation on the fast path above
    private static void AdaptiveGeneric<T>(Tensor x, Tensor dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = x.ShapeArray[1], h = x.ShapeArray[2], w = x.ShapeArray[3];
        int oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        long sN = x.StridesArray[0], sC = x.StridesArray[1], sH = x.StridesArray[2], sW = x.StridesArray[3];
        nint xp = (nint)CpuBackend.Ptr<T>(x), dp = (nint)CpuBackend.Ptr<T>(dst);
        CpuParallel.For(dst.Numel / Math.Max(1L, (long)oh * ow), (long)h * w + (long)oh * ow, (s, e) =>
        {
            for (long u = s; u < e; u++)
            {
                T* plane = (T*)xp + u / c * sN + u % c * sC;
                T* o = (T*)dp + u * oh * ow;
                for (int y = 0; y < oh; y++)
                {
                    int y0 = (int)((long)y * h / oh), y1 = (int)(((long)(y + 1) * h + oh - 1) / oh);
                    for (int xo = 0; xo < ow; xo++)
                    {
                        int x0 = (int)((long)xo * w / ow), x1 = (int)(((long)(xo + 1) * w + ow - 1) / ow);
                        double acc = 0;
                        for (int iy = y0; iy < y1; iy++)
                            for (int ix = x0; ix < x1; ix++) acc += double.CreateTruncating(plane[iy * sH + ix * sW]);
                        o[y * ow + xo] = T.CreateTruncating(acc / ((y1 - y0) * (x1 - x0)));
                    }
                }
            }
        });
    }
}
