// Convolution weight gradient by the forward pass's im2col lowering (Chellapilla et al. 2006): per image and group,
// dW[Cout/g, Cin/g·kh·kw] += dY[Cout/g, OH·OW] · im2col(x)ᵀ. Images are split into chunks that accumulate into their
// own buffers, summed in chunk order afterwards, so the result does not depend on thread timing.
using System.Numerics;
using System.Numerics.Tensors;
using DeepSeek.Memory;

namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe class ConvBackward
{
    /// <summary>See <see cref="INNKernels.Conv2dBackwardWeight"/>. T is float or double.</summary>
    public static void Weight<T>(Tensor x, Tensor gradOut, Conv2dParams p, Tensor gradWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], cin = x.ShapeArray[1], h = x.ShapeArray[2], wd = x.ShapeArray[3];
        int cout = gradWeight.ShapeArray[0], kh = gradWeight.ShapeArray[2], kw = gradWeight.ShapeArray[3];
        int oh = gradOut.ShapeArray[2], ow = gradOut.ShapeArray[3];
        int g = p.Groups, cig = cin / g, cog = cout / g;
        long k = (long)cig * kh * kw, ohw = (long)oh * ow, wsize = cout * k;
        T* gwp = CpuBackend.Ptr<T>(gradWeight);
        new Span<T>(gwp, (int)wsize).Clear();
        if (n == 0 || ohw == 0 || wsize == 0) return;
        using Tensor? gc = gradOut.IsContiguous ? null : gradOut.Contiguous();
        var gv = gc ?? gradOut;
        long sN = x.StridesArray[0], sC = x.StridesArray[1], sH = x.StridesArray[2], sW = x.StridesArray[3];
        bool direct = kh == 1 && kw == 1 && p.StrideH == 1 && p.StrideW == 1 && p.PadTop == 0 && p.PadLeft == 0
            && sW == 1 && (h == 1 || sH == wd) && oh == h && ow == wd;
        long colBytes = direct ? 0 : k * ohw * sizeof(T);
        nint xp = (nint)CpuBackend.Ptr<T>(x), gp = (nint)CpuBackend.Ptr<T>(gv), wp = (nint)gwp;
        int chunks = CpuParallel.Chunks(n, wsize * ohw * 2);
        Storage? part = chunks > 1 ? CpuBackend.Instance.Pool.Allocate((chunks - 1) * wsize * sizeof(T)) : null;
        try
        {
            nint pp = part is null ? 0 : part.Handle;
            void Chunk(int c)
            {
                long s = n * (long)c / chunks, e = n * (long)(c + 1) / chunks;
                T* acc = c == 0 ? (T*)wp : (T*)pp + (c - 1) * wsize;
                if (c > 0) new Span<T>(acc, (int)wsize).Clear();
                Storage? buf = colBytes > 0 ? CpuBackend.Instance.Pool.Allocate(colBytes) : null;
                try
                {
                    T* col = buf is null ? null : (T*)buf.Handle;
                    for (long b = s; b < e; b++)
                        for (int gi = 0; gi < g; gi++)
                        {
                            T* xg = (T*)xp + b * sN + gi * cig * sC;
                            T* mat;
                            long ldb;
                            if (direct) { mat = xg; ldb = sC; }
                            else
                            {
                                Im2Col.Run(xg, sC, sH, sW, cig, h, wd, kh, kw, p, oh, ow, col);
                                mat = col;
                                ldb = ohw;
                            }
                            T* dy = (T*)gp + (b * cout + (long)gi * cog) * ohw;
                            NNGemmNT.RunAccumulate(cog, (int)k, (int)ohw, dy, ohw, mat, ldb, acc + gi * cog * k, k);
                        }
                }
                finally { buf?.Release(); }
            }
            if (chunks <= 1) Chunk(0);
            else
            {
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, Chunk);
                var dst = new Span<T>((T*)wp, (int)wsize);
                for (int c = 1; c < chunks; c++) TensorPrimitives.Add(dst, new ReadOnlySpan<T>((T*)pp + (c - 1) * wsize, (int)wsize), dst);
            }
        }
        finally { part?.Release(); }
    }

    /// <summary>Naive reference of <see cref="Weight{T}"/> (direct 7-loop sum in double, any strides).</summary>
    internal static void WeightReference<T>(Tensor x, Tensor gradOut, Conv2dParams p, Tensor gradWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], cin = x.ShapeArray[1], h = x.ShapeArray[2], wd = x.ShapeArray[3];
        int cout = gradWeight.ShapeArray[0], kh = gradWeight.ShapeArray[2], kw = gradWeight.ShapeArray[3];
        int oh = gradOut.ShapeArray[2], ow = gradOut.ShapeArray[3];
        int g = p.Groups, cig = cin / g, cog = cout / g;
        T* xp = CpuBackend.Ptr<T>(x), gp = CpuBackend.Ptr<T>(gradOut), wp = CpuBackend.Ptr<T>(gradWeight);
        long[] xs = x.StridesArray, gs = gradOut.StridesArray;
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < cig; ci++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                    {
                        double acc = 0;
                        int xc = co / cog * cig + ci;
                        for (int b = 0; b < n; b++)
                            for (int y = 0; y < oh; y++)
                            {
                                int iy = y * p.StrideH - p.PadTop + i * p.DilationH;
                                if ((uint)iy >= (uint)h) continue;
                                for (int xo = 0; xo < ow; xo++)
                                {
                                    int ix = xo * p.StrideW - p.PadLeft + j * p.DilationW;
                                    if ((uint)ix >= (uint)wd) continue;
                                    acc += double.CreateTruncating(gp[b * gs[0] + co * gs[1] + y * gs[2] + xo * gs[3]])
                                        * double.CreateTruncating(xp[b * xs[0] + xc * xs[1] + iy * xs[2] + ix * xs[3]]);
                                }
                            }
                        wp[((long)(co * cig + ci) * kh + i) * kw + j] = T.CreateTruncating(acc);
                    }
    }
}
