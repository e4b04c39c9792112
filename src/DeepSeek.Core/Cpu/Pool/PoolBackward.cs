// Pooling backward passes (the adjoints of the forward kernels): max pooling scatters each output gradient to the
// argmax its forward pass recorded; average pooling spreads g/divisor over the window with the forward's divisor and
// clipping; adaptive pooling spreads g/|cell| over the cell floor(i·H/O) … ceil((i+1)·H/O) − 1. Parallel over planes.
using System.Numerics;

namespace DeepSeek.Backends.Cpu.Pool;

internal static unsafe class PoolBackward
{
    /// <summary>See <see cref="INNKernels.MaxPool2dBackward"/> (gradOut and indices may be strided).</summary>
    public static void Max<T>(Tensor gradOut, Tensor indices, Tensor gradInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = gradOut.ShapeArray[1], oh = gradOut.ShapeArray[2], ow = gradOut.ShapeArray[3];
        long hw = (long)gradInput.ShapeArray[2] * gradInput.ShapeArray[3];
        long[] gs = gradOut.StridesArray, ist = indices.StridesArray;
        nint gp = (nint)CpuBackend.Ptr<T>(gradOut), ip = (nint)CpuBackend.Ptr<long>(indices), dp = (nint)CpuBackend.Ptr<T>(gradInput);
        long planes = (long)gradInput.ShapeArray[0] * c;
        CpuParallel.For(planes, hw + (long)oh * ow, (s, e) =>
        {
            for (long u = s; u < e; u++)
            {
                T* gpl = (T*)gp + u / c * gs[0] + u % c * gs[1];
                long* ipl = (long*)ip + u / c * ist[0] + u % c * ist[1];
                T* d = (T*)dp + u * hw;
                new Span<T>(d, (int)hw).Clear();
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++)
                    {
                        long idx = ipl[y * ist[2] + x * ist[3]];
                        if ((ulong)idx < (ulong)hw) d[idx] += gpl[y * gs[2] + x * gs[3]];
                    }
            }
        });
    }

    /// <summary>See <see cref="INNKernels.AvgPool2dBackward"/> (gradOut may be strided).</summary>
    public static void Avg<T>(Tensor gradOut, Pool2dParams p, Tensor gradInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = gradOut.ShapeArray[1], oh = gradOut.ShapeArray[2], ow = gradOut.ShapeArray[3];
        int h = gradInput.ShapeArray[2], w = gradInput.ShapeArray[3];
        long[] gs = gradOut.StridesArray;
        nint gp = (nint)CpuBackend.Ptr<T>(gradOut), dp = (nint)CpuBackend.Ptr<T>(gradInput);
        long planes = (long)gradInput.ShapeArray[0] * c;
        CpuParallel.For(planes, (long)h * w + (long)oh * ow * p.KernelH * p.KernelW, (s, e) =>
        {
            for (long u = s; u < e; u++)
            {
                T* gpl = (T*)gp + u / c * gs[0] + u % c * gs[1];
                T* d = (T*)dp + u * h * w;
                new Span<T>(d, h * w).Clear();
                for (int y = 0; y < oh; y++)
                    for (int xo = 0; xo < ow; xo++)
                    {
                        int div = AvgPool.Divisor(p, y, xo, h, w, out int y0, out int y1, out int x0, out int x1);
                        if (div == 0) continue;
                        T v = gpl[y * gs[2] + xo * gs[3]] / T.CreateTruncating(div);
                        for (int iy = y0; iy < y1; iy++)
                        {
                            T* row = d + (long)iy * w;
                            for (int ix = x0; ix < x1; ix++) row[ix] += v;
                        }
                    }
            }
        });
    }

    /// <summary>See <see cref="INNKernels.AdaptiveAvgPool2dBackward"/> (gradOut may be strided).</summary>
    public static void Adaptive<T>(Tensor gradOut, Tensor gradInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = gradOut.ShapeArray[1], oh = gradOut.ShapeArray[2], ow = gradOut.ShapeArray[3];
        int h = gradInput.ShapeArray[2], w = gradInput.ShapeArray[3];
        long[] gs = gradOut.StridesArray;
        nint gp = (nint)CpuBackend.Ptr<T>(gradOut), dp = (nint)CpuBackend.Ptr<T>(gradInput);
        long planes = (long)gradInput.ShapeArray[0] * c;
        CpuParallel.For(planes, 2L * h * w + (long)oh * ow, (s, e) =>
        {
            for (long u = s; u < e; u++)
            {
                T* gpl = (T*)gp + u / c * gs[0] + u % c * gs[1];
                T* d = (T*)dp + u * h * w;
                new Span<T>(d, h * w).Clear();
                for (int y = 0; y < oh; y++)
                {
                    int y0 = (int)((long)y * h / oh), y1 = (int)(((long)(y + 1) * h + oh - 1) / oh);
                    for (int xo = 0; xo < ow; xo++)
                    {
                        int x0 = (int)((long)xo * w / ow), x1 = (int)(((long)(xo + 1) * w + ow - 1) / ow);
                        T v = gpl[y * gs[2] + xo * gs[3]] / T.CreateTruncating((y1 - y0) * (x1 - x0));
                        for (int iy = y0; iy < y1; iy++)
                        {
                            T* row = d + (long)iy * w;
                            for (int ix = x0; ix < x1; ix++) row[ix] += v;
                        }
                    }
                }
            }
        });
    }
}
