// Implicit im2col (the "indirect"/implicit-GEMM convolution of cuDNN and Chellapilla et al. 2006 without the column
// buffer): the GEMM's micro-panels are packed straight from the (zero-padded) input planes. Row k = (c, i, j) of a
// panel holds its pixels' taps x[c, oy·sh + i·dh, ox·sw + j·dw]; the pixels split into runs along output rows, computed
// once per panel, and each run is one contiguous copy (stride 1) or an even-lane permute (stride 2) — no gathers.
using System.Runtime.CompilerServices;
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
    /// (row k holds the nr pixels' values), one after another into <paramref name="dst"/>. Lanes past the last pixel are 0.
    /// </summary>
    public static void Pack(in ConvSource s, int nr, int p0, int p1, float* dst)
    {
        // Panels go in groups, and within a group row k of every panel is written before row k + 1: the source is then
        // read a whole input row segment at a time (several panels wide) instead of one nr-pixel run per input row per
        // panel, which walked the input planes a page apart at every step.
        const int Group = 16;
        int n = s.N, k = s.K;
        // per panel of the group: its pixels as runs along output rows (first lane, source offset, length), at most nr
        int* runs = stackalloc int[Group * 3 * nr];
        int* runCount = stackalloc int[Group];
        bool avx512 = SimdInfo.UseAvx512 && Vector512.IsHardwareAccelerated;
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
        for (int g0 = p0; g0 < p1; g0 += Group)
        {
            int g1 = Math.Min(p1, g0 + Group);
            for (int panel = g0; panel < g1; panel++)
            {
                int q0 = panel * nr, cols = Math.Min(nr, n - q0), nRuns = 0;
                int* r = runs + (panel - g0) * 3 * nr;
                for (int t = 0; t < cols; nRuns++)
                {
                    int q = q0 + t, oy = q / s.Ow, ox = q - oy * s.Ow, len = Math.Min(cols - t, s.Ow - ox);
                    r[3 * nRuns] = t;
                    r[3 * nRuns + 1] = checked((int)(oy * s.Sh * s.RowStride + (long)ox * s.Sw));
                    r[3 * nRuns + 2] = len;
                    t += len;
                }
                runCount[panel - g0] = nRuns;
            }
            int row = 0;
            for (int ch = 0; ch < s.Channels; ch++)
                for (int i = 0; i < s.Kh; i++)
                {
                    float* rowBase = s.Data + ch * s.ChannelStride + (long)i * s.Dh * s.RowStride;
                    for (int j = 0; j < s.Kw; j++, row++)
                    {
                        float* src = rowBase + j * s.Dw;
                        for (int panel = g0; panel < g1; panel++)
                        {
                            float* d = dst + ((long)(panel - g0 + (g0 - p0)) * k + row) * nr;
                            int* r = runs + (panel - g0) * 3 * nr;
                            int nRuns = runCount[panel - g0], cols = Math.Min(nr, n - panel * nr);
                            for (int q = 0; q < nRuns; q++)
                            {
                                float* from = src + r[3 * q + 1];
                                float* to = d + r[3 * q];
                                int len = r[3 * q + 2];
                                if (s.Sw == 1) Copy(from, to, len);
                                else if (s.Sw == 2 && avx512) CopyEven(from, to, len, even);
                                else for (int t = 0; t < len; t++) to[t] = from[(long)t * s.Sw];
                            }
                            for (int t = cols; t < nr; t++) d[t] = 0;
                        }
                    }
                }
        }
    }

    // Runs are short (an output row of 7 or 14 pixels): two overlapping vectors cover any length from 4 to 32 without
    // reading or writing outside the run.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int count)
    {
        if (count >= 16 && Vector512.IsHardwareAccelerated)
        {
            for (int t = 0; t + 16 < count; t += 16) Vector512.Store(Vector512.Load(src + t), dst + t);
            Vector512.Store(Vector512.Load(src + count - 16), dst + count - 16);
        }
        else if (count >= 8)
        {
            for (int t = 0; t + 8 < count; t += 8) Vector256.Store(Vector256.Load(src + t), dst + t);
            Vector256.Store(Vector256.Load(src + count - 8), dst + count - 8);
        }
        else if (count >= 4)
        {
            Vector128.Store(Vector128.Load(src), dst);
            Vector128.Store(Vector128.Load(src + count - 4), dst + count - 4);
        }
        else
            for (int t = 0; t < count; t++) dst[t] = src[t];
    }

    // dst[t] = src[2t]: 16 at a time from two loads that end exactly at the last element read (no over-read).
    private static void CopyEven(float* src, float* dst, int count, Vector512<int> even)
    {
        int t = 0;
        for (; t + 16 <= count; t += 16)
        {
            float* s = src + 2 * t;
            Avx512F.PermuteVar16x32x2(Vector512.Load(s), even, Vector512.Load(s + 15)).Store(dst + t);
        }
        for (; t < count; t++) dst[t] = src[2 * t];
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
