// im2col / col2im (Chellapilla et al., "High Performance Convolutional Neural Networks for Document Processing", 2006):
// im2col lays every receptive field out as a column so a convolution becomes one GEMM; col2im is its adjoint,
// a scatter-add used by the transposed convolution. Valid output ranges per tap are computed once, not tested per pixel.
namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe class Im2Col
{
    /// <summary>
    /// Writes col[(c·kh + i)·kw + j, oh·OW + ow] = x[c, oh·sh − pt + i·dh, ow·sw − pl + j·dw] (0 outside the input)
    /// for <paramref name="channels"/> planes of a strided input (element strides sC, sH, sW).
    /// </summary>
    public static void Run<T>(T* x, long sC, long sH, long sW, int channels, int h, int w,
        int kh, int kw, in Conv2dParams p, int oh, int ow, T* col) where T : unmanaged
    {
        long ohw = (long)oh * ow;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    T* row = col + ((long)(c * kh + i) * kw + j) * ohw;
                    int off = j * p.DilationW - p.PadLeft;
                    ValidRange(off, p.StrideW, w, ow, out int lo, out int hi);
                    for (int y = 0; y < oh; y++)
                    {
                        T* dst = row + (long)y * ow;
                        int ih = y * p.StrideH - p.PadTop + i * p.DilationH;
                        if ((uint)ih >= (uint)h)
                        {
                            new Span<T>(dst, ow).Clear();
                            continue;
                        }
                        T* src = x + c * sC + ih * sH;
                        if (lo > 0) new Span<T>(dst, lo).Clear();
                        if (p.StrideW == 1 && sW == 1)
                            new ReadOnlySpan<T>(src + lo + off, hi - lo).CopyTo(new Span<T>(dst + lo, hi - lo));
                        else
                            for (int o = lo; o < hi; o++) dst[o] = src[(long)(o * p.StrideW + off) * sW];
                        if (hi < ow) new Span<T>(dst + hi, ow - hi).Clear();
                    }
                }
    }

    /// <summary>
    /// Adjoint of <see cref="Run"/> for the transposed convolution: out[c, ih·sh − pt + i·dh, iw·sw − pl + j·dw] +=
    /// col[(c·kh + i)·kw + j, ih·W + iw], dropping positions outside the contiguous output planes [channels, OH, OW].
    /// </summary>
    public static void Col2Im<T>(T* col, int channels, int h, int w, int kh, int kw, in Conv2dParams p,
        int oh, int ow, T* output) where T : unmanaged, System.Numerics.IAdditionOperators<T, T, T>
    {
        long hw = (long)h * w;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    T* row = col + ((long)(c * kh + i) * kw + j) * hw;
                    int off = j * p.DilationW - p.PadLeft;
                    // input columns iw whose output column iw·sw + off lands in [0, OW)
                    ValidRange(off, p.StrideW, ow, w, out int lo, out int hi);
                    for (int y = 0; y < h; y++)
                    {
                        int oy = y * p.StrideH - p.PadTop + i * p.DilationH;
                        if ((uint)oy >= (uint)oh) continue;
                        T* src = row + (long)y * w;
                        T* dst = output + ((long)c * oh + oy) * ow;
                        for (int x = lo; x < hi; x++) dst[x * p.StrideW + off] += src[x];
                    }
                }
    }

    /// <summary>Output columns o in [lo, hi) with 0 ≤ o·stride + off &lt; size.</summary>
    internal static void ValidRange(int off, int stride, int size, int outSize, out int lo, out int hi)
    {
        lo = Math.Clamp(CeilDiv(-off, stride), 0, outSize);
        hi = Math.Clamp(FloorDiv(size - 1 - off, stride) + 1, lo, outSize);
    }

    internal static int CeilDiv(int a, int b) => -FloorDiv(-a, b);

    internal static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
