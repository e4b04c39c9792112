// Convolution as GEMM: per image and group, out[Cout/g, OH·OW] = W[Cout/g, Cin/g·kh·kw] · im2col(x) (1×1 stride-1
// unpadded convs skip im2col: the input plane already is the B matrix). Transposed convolution is the adjoint:
// col = Wᵀ · x, then col2im scatter-adds into the output. Work is split over (image, group) units.
using System.Numerics;
using System.Numerics.Tensors;
using DeepSeek.Memory;

namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe class ConvGemm
{
    /// <summary>Forward convolution (any strides on x, w and bias). T is float or double.</summary>
    public static void Conv2d<T>(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], cin = x.ShapeArray[1], h = x.ShapeArray[2], wd = x.ShapeArray[3];
        int cout = w.ShapeArray[0], kh = w.ShapeArray[2], kw = w.ShapeArray[3];
        int oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        int g = p.Groups, cig = cin / g, cog = cout / g;
        if (dst.Numel == 0) return;
        using var wc = w.Contiguous();
        long sN = x.StridesArray[0], sC = x.StridesArray[1], sH = x.StridesArray[2], sW = x.StridesArray[3];
        long k = (long)cig * kh * kw, ohw = (long)oh * ow;
        bool direct = kh == 1 && kw == 1 && p.StrideH == 1 && p.StrideW == 1 && p.PadTop == 0 && p.PadLeft == 0
            && p.PadBottom == 0 && p.PadRight == 0 && sW == 1 && (h == 1 || sH == wd);
        long colBytes = direct ? 0 : k * ohw * sizeof(T);
        nint xp = (nint)CpuBackend.Ptr<T>(x), wp = (nint)CpuBackend.Ptr<T>(wc), dp = (nint)CpuBackend.Ptr<T>(dst);
        nint bp = bias is null ? 0 : (nint)CpuBackend.Ptr<T>(bias);
        long sb = bias?.StridesArray[0] ?? 0;
        CpuParallel.For((long)n * g, cog * k * ohw, (s, e) =>
        {
            Storage? buf = colBytes > 0 ? CpuBackend.Instance.Pool.Allocate(colBytes) : null;
            try
            {
                T* col = buf is null ? null : (T*)buf.Handle;
                for (long u = s; u < e; u++)
                {
                    int b = (int)(u / g), gi = (int)(u % g);
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
                    T* c = (T*)dp + ((long)b * cout + (long)gi * cog) * ohw;
                    NNGemm.Run(false, cog, (int)ohw, (int)k, (T*)wp + gi * cog * k, k, mat, ldb, c, ohw);
                    if (bp != 0) AddBias(c, cog, ohw, (T*)bp + gi * cog * sb, sb);
                }
            }
            finally { buf?.Release(); }
        });
    }

    /// <summary>Transposed convolution via GEMM + col2im. T is float or double.</summary>
    public static void ConvTranspose2d<T>(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], cin = x.ShapeArray[1], h = x.ShapeArray[2], wd = x.ShapeArray[3];
        int kh = w.ShapeArray[2], kw = w.ShapeArray[3];
        int cout = dst.ShapeArray[1], oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        int g = p.Groups, cig = cin / g, cog = cout / g;
        if (dst.Numel == 0) return;
        long sW0 = x.StridesArray[3], sH0 = x.StridesArray[2];
        bool planeOk = sW0 == 1 && (h == 1 || sH0 == wd);
        using Tensor? xc = planeOk ? null : x.Contiguous();
        var xv = xc ?? x;
        using var wc = w.Contiguous();
        long sN = xv.StridesArray[0], sC = xv.StridesArray[1];
        long m = (long)cog * kh * kw, hw = (long)h * wd, ohw = (long)oh * ow;
        long colBytes = m * hw * sizeof(T);
        nint xp = (nint)CpuBackend.Ptr<T>(xv), wp = (nint)CpuBackend.Ptr<T>(wc), dp = (nint)CpuBackend.Ptr<T>(dst);
        nint bp = bias is null ? 0 : (nint)CpuBackend.Ptr<T>(bias);
        long sb = bias?.StridesArray[0] ?? 0;
        CpuParallel.For((long)n * g, m * hw * cig + m * hw, (s, e) =>
        {
            Storage buf = CpuBackend.Instance.Pool.Allocate(Math.Max(colBytes, 1));
            try
            {
                T* col = (T*)buf.Handle;
                for (long u = s; u < e; u++)
                {
                    int b = (int)(u / g), gi = (int)(u % g);
                    T* c = (T*)dp + ((long)b * cout + (long)gi * cog) * ohw;
                    for (int co = 0; co < cog; co++)
                    {
                        T bv = bp == 0 ? T.Zero : ((T*)bp)[(gi * cog + co) * sb];
                        new Span<T>(c + co * ohw, (int)ohw).Fill(bv);
                    }
                    if (hw == 0) continue;
                    T* xg = (T*)xp + b * sN + gi * cig * sC;
                    NNGemm.Run(true, (int)m, (int)hw, cig, (T*)wp + gi * cig * m, m, xg, sC, col, hw);
                    Im2Col.Col2Im(col, cog, h, wd, kh, kw, p, oh, ow, c);
                }
            }
            finally { buf.Release(); }
        });
    }

    private static void AddBias<T>(T* c, int rows, long len, T* bias, long sb) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var row = new Span<T>(c + r * len, (int)len);
            TensorPrimitives.Add(row, bias[r * sb], row);
        }
    }
}
