// Implicit im2col (the "indirect"/implicit-GEMM convolution of cuDNN and Chellapilla et al. 2006 without the column
// buffer): the GEMM's B micro-panels are packed straight from the (zero-padded) input planes. Row k = (c, i, j) of a
// panel holds NR output pixels' taps x[c, oy·sh + i·dh, ox·sw + j·dw]; pixels of one output row at stride 1 are one
// contiguous copy, other panels are gathered through per-pixel offsets computed once per panel.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu.Conv;

/// <summary>Where a convolution reads its input: planes already padded (every tap lands inside), with their strides.</summary>
internal readonly unsafe struct ConvSource(float* data, long channelStride, long rowStride, int channels, int kh, int kw,
    int dh, int dw, int sh, int sw, int oh, int ow)
{
    /// <summary>Channel 0, padded row 0, padded column 0.</summary>
    public readonly float* Data = data;
    public readonly long ChannelStride = channelStride, RowStride = rowStride;
    public readonly int Channels = channels, Kh = kh, Kw = kw, Dh = dh, Dw = dw, Sh = sh, Sw = sw, Oh = oh, Ow = ow;

    /// <summary>GEMM depth Cin/g·kh·kw.</summary>
    public int K => Channels * Kh * Kw;

    /// <summary>Output pixels OH·OW (GEMM columns).</summary>
    public int N => Oh * Ow;
}

internal static unsafe class ConvPackB
{
    /// <summary>
    /// Packs B panels [<paramref name="p0"/>, <paramref name="p1"/>) of <paramref name="nr"/> output pixels, each K×nr
    /// (row k holds the nr pixels' values), one after another into <paramref name="dst"/>. Lanes past the last pixel
    /// repeat it (their C columns are discarded).
    /// </summary>
    public static void Pack(in ConvSource s, int nr, int p0, int p1, float* dst)
    {
        int n = s.N, k = s.K;
        int* offs = stackalloc int[nr];
        bool gather = Avx2.IsSupported && SimdInfo.UseAvx2;
        int gv = gather ? nr & ~7 : 0;
        for (int panel = p0; panel < p1; panel++)
        {
            int q0 = panel * nr, cols = Math.Min(nr, n - q0);
            for (int t = 0; t < nr; t++)
            {
                int q = q0 + Math.Min(t, cols - 1);
                int oy = q / s.Ow, ox = q - oy * s.Ow;
                offs[t] = (int)(oy * s.Sh * s.RowStride + (long)ox * s.Sw);
            }
            bool contiguous = s.Sw == 1 && cols == nr && offs[nr - 1] - offs[0] == nr - 1;
            float* d = dst + (long)(panel - p0) * k * nr;
            for (int ch = 0; ch < s.Channels; ch++)
                for (int i = 0; i < s.Kh; i++)
                {
                    float* rowBase = s.Data + ch * s.ChannelStride + (long)i * s.Dh * s.RowStride;
                    for (int j = 0; j < s.Kw; j++, d += nr)
                    {
                        float* src = rowBase + j * s.Dw;
                        if (contiguous) Copy(src + offs[0], d, nr);
                        else
                        {
                            int t = 0;
                            for (; t < gv; t += 8) Avx2.GatherVector256(src, Vector256.Load(offs + t), 4).Store(d + t);
                            for (; t < nr; t++) d[t] = src[offs[t]];
                        }
                    }
                }
        }
    }

    private static void Copy(float* src, float* dst, int count)
    {
        int t = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; t + 16 <= count; t += 16) Vector512.Store(Vector512.Load(src + t), dst + t);
        for (; t + 8 <= count; t += 8) Vector256.Store(Vector256.Load(src + t), dst + t);
        for (; t < count; t++) dst[t] = src[t];
    }

    /// <summary>
    /// Copies <paramref name="channels"/> planes of a strided input into zero-padded planes [channels, H + pt + pb, W + pl + pr]
    /// at <paramref name="dst"/>, so every tap of the convolution reads inside.
    /// </summary>
    public static void PadPlanes(float* x, long sC, long sH, long sW, int channels, int h, int w, in Conv2dParams p, float* dst)
    {
        int hp = h + p.PadTop + p.PadBottom, wp = w + p.PadLeft + p.PadRight;
        long plane = (long)hp * wp;
        for (int c = 0; c < channels; c++)
        {
            float* d = dst + c * plane;
            new Span<float>(d, p.PadTop * wp).Clear();
            new Span<float>(d + (long)(p.PadTop + h) * wp, p.PadBottom * wp).Clear();
            for (int y = 0; y < h; y++)
            {
                float* row = d + (long)(y + p.PadTop) * wp;
                new Span<float>(row, p.PadLeft).Clear();
                new Span<float>(row + p.PadLeft + w, p.PadRight).Clear();
                float* src = x + c * sC + y * sH;
                if (sW == 1) new ReadOnlySpan<float>(src, w).CopyTo(new Span<float>(row + p.PadLeft, w));
                else for (int i = 0; i < w; i++) row[p.PadLeft + i] = src[i * sW];
            }
        }
    }
}
