// Direct convolution for few input channels (RGB stems: MobileNetV3's 3→16 3×3/2, ResNet's 3→64 7×7/2), where im2col's
// depth Cin·kh·kw (27, 147) is too short for the GEMM to pay off: 16 output pixels of a row ride in the lanes of a
// 512-bit vector and every input vector load feeds 16 output channels (16 accumulators). A band of input rows is first
// split into its column phases mod the stride with zero padding, so every tap is one contiguous load.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Conv;

[SkipLocalsInit]
internal static unsafe partial class SmallCinConv
{
    /// <summary>Most input channels the direct kernel takes.</summary>
    public const int MaxCin = 4;

    private const int G = 16; // output channels per accumulator set and pixels per vector

    /// <summary>True when PackedWeights.ForConv keeps the weight plain ([Cout, Cin·kh·kw]) for this kernel.</summary>
    public static bool KeepsPlain(int groups, int cinPerGroup) => groups == 1 && cinPerGroup <= MaxCin && SimdInfo.UseAvx512;

    /// <summary>True when <see cref="Run"/> applies to input <paramref name="x"/> with a weight of <paramref name="cin"/> input channels.</summary>
    public static bool Supports(Tensor x, int cin, in Conv2dParams p) =>
        x.DType == DType.F32 && p.Groups == 1 && cin <= MaxCin && x.ShapeArray[1] == cin && x.StridesArray[3] == 1
        && SimdInfo.UseAvx512 && Avx512F.IsSupported && p.StrideW <= 4;

    /// <summary>
    /// dst = act(conv(x, w) + bias + residual) with <paramref name="w"/> contiguous [Cout, Cin, kh, kw]; dst contiguous,
    /// residual contiguous with dst's shape or null.
    /// </summary>
    public static void Run(Tensor x, float* w, int cout, int kh, int kw, Tensor? bias, Conv2dParams p, Tensor dst, Tensor? residual, Epilogue e)
    {
        if (dst.Numel == 0) return;
        int n = x.ShapeArray[0], cin = x.ShapeArray[1], oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        int taps = cin * kh * kw, groups = (cout + G - 1) / G, s = p.StrideW;
        int wph = (ow + G - 1) / G * G + ((kw - 1) * p.DilationW) / s + 1 + G; // phase row: every output lane's reads, plus slack
        // bands of output rows: enough work items for every thread, each band's input phases a few tens of KB
        int rows = Math.Max(1, Math.Min(oh, 8192 / Math.Max(1, cin * p.StrideH * s * wph)));
        int threads = DeepSeekOptions.Threads;
        if (threads > 1) rows = Math.Max(1, Math.Min(rows, (int)((long)oh * n / (8L * threads))));
        var body = new Body
        {
            X = (nint)CpuBackend.Ptr<float>(x), Dst = (nint)CpuBackend.Ptr<float>(dst),
            Residual = residual is null ? 0 : (nint)CpuBackend.Ptr<float>(residual),
            SN = x.StridesArray[0], SC = x.StridesArray[1], SH = x.StridesArray[2],
            Cin = cin, Cout = cout, H = x.ShapeArray[2], W = x.ShapeArray[3], OH = oh, OW = ow, KH = kh, KW = kw, Taps = taps,
            P = p, Wph = wph, Rows = rows, Bands = (oh + rows - 1) / rows, Act = e.Activation, Alpha = e.Alpha, Beta = e.Beta,
        };
        body.BandRows = (rows - 1) * p.StrideH + (kh - 1) * p.DilationH + 1;
        body.Items = checked(n * body.Bands);
        var wbuf = PackBuffers.Rent((long)groups * (taps + 1) * G, 0);
        try
        {
            // weights as [group][tap][16 channels] then [group][16] biases, zero past Cout
            float* wg = wbuf.A;
            new Span<float>(wg, groups * (taps + 1) * G).Clear();
            for (int co = 0; co < cout; co++)
                for (int t = 0; t < taps; t++) wg[((long)(co / G) * taps + t) * G + co % G] = w[(long)co * taps + t];
            float* bg = wg + (long)groups * taps * G;
            if (bias is not null)
            {
                float* bp = CpuBackend.Ptr<float>(bias);
                long sb = bias.StridesArray[0];
                for (int co = 0; co < cout; co++) bg[co] = bp[co * sb];
            }
            body.Wg = (nint)wg;
            body.Bg = (nint)bg;
            int chunks = CpuParallel.Chunks(body.Items, (long)rows * ow * taps * cout);
            body.Chunks = Math.Min(body.Items, chunks); // one per thread: the pool starts a worker per chunk
            if (body.Chunks == 1) body.Run(0);
            else WorkerPool.Shared.Run(body.Chunks, ref body);
        }
        finally { PackBuffers.Return(wbuf); }
    }

    private struct Body : IChunkBody
    {
        public nint X, Dst, Residual, Wg, Bg;
        public long SN, SC, SH;
        public int Cin, Cout, H, W, OH, OW, KH, KW, Taps, Wph, Rows, Bands, BandRows, Items, Chunks;
        public Conv2dParams P;
        public EpilogueActivation Act;
        public float Alpha, Beta;

        public readonly void Run(int chunk)
        {
            long s = (long)Items * chunk / Chunks, e = (long)Items * (chunk + 1) / Chunks;
            if (e <= s) return;
            int sw = P.StrideW;
            long phaseFloats = (long)Cin * BandRows * sw * Wph;
            var buf = PackBuffers.Rent(phaseFloats + (long)(sw * Wph + 2 * G), (long)G * G + Taps);
            try
            {
                int* toff = (int*)(buf.B + G * G);
                for (int ci = 0, t = 0; ci < Cin; ci++)
                    for (int i = 0; i < KH; i++)
                        for (int j = 0; j < KW; j++)
                        {
                            int c = j * P.DilationW;
                            toff[t++] = ((ci * BandRows + i * P.DilationH) * sw + c % sw) * Wph + c / sw;
                        }
                for (long u = s; u < e; u++) Item((int)u, buf.A, buf.A + phaseFloats, toff, buf.B);
            }
            finally { PackBuffers.Return(buf); }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Item(int u, float* ph, float* rowTmp, int* toff, float* acc)
        {
            int b = u / Bands, oy0 = u % Bands * Rows, oy1 = Math.Min(OH, oy0 + Rows);
            int sw = P.StrideW, iyStart = oy0 * P.StrideH - P.PadTop;
            int padded = sw * Wph; // padded row length split into sw phases of Wph
            for (int ci = 0; ci < Cin; ci++)
                for (int r = 0; r < BandRows; r++)
                {
                    float* dstRow = ph + (long)(ci * BandRows + r) * padded;
                    int iy = iyStart + r;
                    if ((uint)iy >= (uint)H) { new Span<float>(dstRow, padded).Clear(); continue; }
                    float* src = (float*)X + b * SN + ci * SC + iy * SH;
                    // zero-padded row: column c of the padded row is input column c − PadLeft
                    float* t = sw == 1 ? dstRow : rowTmp;
                    int left = Math.Min(P.PadLeft, padded), copy = Math.Clamp(padded - P.PadLeft, 0, W);
                    new Span<float>(t, left).Clear();
                    new ReadOnlySpan<float>(src, copy).CopyTo(new Span<float>(t + P.PadLeft, copy));
                    if (padded > P.PadLeft + copy) new Span<float>(t + P.PadLeft + copy, padded - P.PadLeft - copy).Clear();
                    if (sw > 1) SplitPhases(t, dstRow, sw, Wph);
                }
            float* wg = (float*)Wg, bg = (float*)Bg;
            for (int g0 = 0; g0 < Cout; g0 += G)
            {
                int cnt = Math.Min(G, Cout - g0);
                float* wgr = wg + (long)(g0 / G) * Taps * G;
                for (int oy = oy0; oy < oy1; oy++)
                {
                    float* rb = ph + (long)(oy - oy0) * P.StrideH * padded;
                    for (int ox = 0; ox < OW; ox += G)
                    {
                        Acc16(rb + ox, toff, Taps, wgr, bg + g0, acc);
                        Store(acc, b, g0, cnt, oy, ox, Math.Min(G, OW - ox));
                    }
                }
            }
        }

        // acc [16 channels][16 pixels] → dst with residual and activation; only the cnt channels and len pixels that exist
        private readonly void Store(float* acc, int b, int g0, int cnt, int oy, int ox, int len)
        {
            switch (Act)
            {
                case EpilogueActivation.None: Store<ActNone>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.Relu: Store<ActRelu>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.Clip: Store<ActClip>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.LeakyRelu: Store<ActLeakyRelu>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.Sigmoid: Store<ActSigmoid>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.HardSigmoid: Store<ActHardSigmoid>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.HardSwish: Store<ActHardSwish>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.Silu: Store<ActSilu>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.Tanh: Store<ActTanh>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.Gelu: Store<ActGelu>(acc, b, g0, cnt, oy, ox, len); break;
                case EpilogueActivation.GeluTanh: Store<ActGeluTanh>(acc, b, g0, cnt, oy, ox, len); break;
                default: throw new ArgumentOutOfRangeException(nameof(Act), Act, "SmallCinConv: unknown epilogue activation");
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Store<TAct>(float* acc, int b, int g0, int cnt, int oy, int ox, int len) where TAct : IEpilogueAct
        {
            long plane = (long)OH * OW;
            for (int g = 0; g < cnt; g++)
            {
                long at = (b * (long)Cout + g0 + g) * plane + (long)oy * OW + ox;
                float* d = (float*)Dst + at;
                float* z = Residual == 0 ? null : (float*)Residual + at;
                var v = Vector512.Load(acc + g * G);
                if (len == G)
                {
                    if (z != null) v += Vector512.Load(z);
                    TAct.V512(v, Alpha, Beta).Store(d);
                }
                else
                    for (int i = 0; i < len; i++) d[i] = TAct.Scalar(acc[g * G + i] + (z == null ? 0f : z[i]), Alpha, Beta);
            }
        }
    }

    // row[k·sw + q] → dst[q·wph + k] for the sw phases q (stride 2 with two-source permutes, else scalar)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 loops
    private static void SplitPhases(float* row, float* dst, int sw, int wph)
    {
        int k = 0;
        if (sw == 2)
        {
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            for (; k + G <= wph; k += G)
            {
                var a = Vector512.Load(row + 2 * k);
                var c = Vector512.Load(row + 2 * k + G);
                Avx512F.PermuteVar16x32x2(a, even, c).Store(dst + k);
                Avx512F.PermuteVar16x32x2(a, odd, c).Store(dst + wph + k);
            }
        }
        for (; k < wph; k++)
            for (int q = 0; q < sw; q++) dst[q * wph + k] = row[k * sw + q];
    }

    // acc[g] = Σ_t v_t · w[t][g] over the taps, v_t the 16 pixels at base + toff[t]; acc[g] starts at bias[g].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Acc16(float* b, int* toff, int taps, float* w, float* bias, float* o)
    {
        var a0 = Vector512.Create(bias[0]); var a1 = Vector512.Create(bias[1]); var a2 = Vector512.Create(bias[2]); var a3 = Vector512.Create(bias[3]); var a4 = Vector512.Create(bias[4]); var a5 = Vector512.Create(bias[5]); var a6 = Vector512.Create(bias[6]); var a7 = Vector512.Create(bias[7]); var a8 = Vector512.Create(bias[8]); var a9 = Vector512.Create(bias[9]); var a10 = Vector512.Create(bias[10]); var a11 = Vector512.Create(bias[11]); var a12 = Vector512.Create(bias[12]); var a13 = Vector512.Create(bias[13]); var a14 = Vector512.Create(bias[14]); var a15 = Vector512.Create(bias[15]);
        for (int t = 0; t < taps; t++, w += 16)
        {
            var v = Vector512.Load(b + toff[t]);
            a0 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[0]), a0);
            a1 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[1]), a1);
            a2 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[2]), a2);
            a3 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[3]), a3);
            a4 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[4]), a4);
            a5 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[5]), a5);
            a6 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[6]), a6);
            a7 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[7]), a7);
            a8 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[8]), a8);
            a9 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[9]), a9);
            a10 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[10]), a10);
            a11 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[11]), a11);
            a12 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[12]), a12);
            a13 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[13]), a13);
            a14 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[14]), a14);
            a15 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[15]), a15);
        }
        a0.Store(o + 0); a1.Store(o + 16); a2.Store(o + 32); a3.Store(o + 48);
        a4.Store(o + 64); a5.Store(o + 80); a6.Store(o + 96); a7.Store(o + 112);
        a8.Store(o + 128); a9.Store(o + 144); a10.Store(o + 160); a11.Store(o + 176);
        a12.Store(o + 192); a13.Store(o + 208); a14.Store(o + 224); a15.Store(o + 240);
    }
}
