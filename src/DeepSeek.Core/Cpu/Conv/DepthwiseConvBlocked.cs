// Channel-blocked depthwise convolution: 8 channels ride in the lanes of a 256-bit vector, so a 7×7 or 14×14 plane
// wastes no lanes and every tap is one FMA with a per-tap weight vector. Each work item (batch, 8-channel block, band of
// output rows) transposes its input band into a zero-padded [rows][cols][8] scratch (8×8 register transposes), runs
// eight output pixels at once (eight independent FMA chains hide the FMA latency), then transposes back into NCHW with
// the epilogue (residual, activation) applied on the way out.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Conv;

[SkipLocalsInit]
internal static unsafe partial class DepthwiseConv
{
    private const int Lanes = 8;
    private const long ScratchBudget = 16 * 1024; // input floats per band: keeps scratch + output in L1/L2
    private const int SlackFloats = 16 * Lanes;   // zeros past the band: a row kernel's last segment reads up to 14 pixels beyond

    /// <summary>Geometry and operands of one depthwise call, shared by every work item.</summary>
    private struct Blocked : IChunkBody
    {
        public nint X, W, Bias, Dst, Residual;
        public long SN, SC, SH, SW, BiasStride;
        public int N, C, H, Wd, OH, OW, KH, KW, StrH, StrW, DilH, DilW, PadT, PadL;
        public int Blocks, Parts, RowsPerPart, Wp, Items, Chunks;
        public EpilogueActivation Act;
        public float Alpha, Beta;
        public long InFloats, OutFloats;

        public void Run(int chunk)
        {
            long s = (long)Items * chunk / Chunks, e = (long)Items * (chunk + 1) / Chunks;
            if (e <= s) return;
            var buf = PackBuffers.Rent(InFloats, OutFloats);
            try
            {
                int cleared = -1;
                for (long u = s; u < e; u++) Item((int)u, buf.A, buf.B, ref cleared);
            }
            finally { PackBuffers.Return(buf); }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Item(int u, float* inBuf, float* outBuf, ref int cleared)
        {
            // bands vary slowest, so consecutive items share the band geometry and its zero padding is written once
            int part = u / (N * Blocks), blk = u % (N * Blocks) % Blocks, b = u % (N * Blocks) / Blocks;
            int c0 = blk * Lanes, valid = Math.Min(Lanes, C - c0);
            int oy0 = part * RowsPerPart, oy1 = Math.Min(OH, oy0 + RowsPerPart), rows = oy1 - oy0;
            if (rows <= 0) return;
            int iyStart = oy0 * StrH - PadT, bandRows = (rows - 1) * StrH + (KH - 1) * DilH + 1;
            if (cleared != part)
            {
                ClearFrame(inBuf, iyStart, bandRows);
                cleared = part;
            }
            int taps = KH * KW;
            float** src = stackalloc float*[Lanes];
            for (int k = 0; k < Lanes; k++) src[k] = (float*)X + b * SN + Math.Min(c0 + k, C - 1) * SC;
            FillBand(src, inBuf, iyStart, bandRows);

            // weights as [tap][8 channels] (lanes past the last channel repeat it: their outputs are never stored)
            float* wv = outBuf + OutFloats - (long)taps * (Lanes + 1); // [tap][8] weights, then the tap offsets, past the outputs
            for (int k = 0; k < Lanes; k++) src[k] = (float*)W + (long)Math.Min(c0 + k, C - 1) * taps;
            TransposeIn(src, 0, taps, taps, taps, wv);
            float* bv = stackalloc float[Lanes];
            for (int k = 0; k < Lanes; k++) bv[k] = Bias == 0 || k >= valid ? 0f : ((float*)Bias)[(c0 + k) * BiasStride];
            Compute(inBuf, outBuf, rows, wv, taps, Vector256.Load(bv));

            long plane = (long)OH * OW, off = oy0 * OW;
            float** dst = stackalloc float*[Lanes];
            float** res = stackalloc float*[Lanes];
            for (int k = 0; k < Lanes; k++)
            {
                long pk = (b * (long)C + Math.Min(c0 + k, C - 1)) * plane + off;
                dst[k] = (float*)Dst + pk;
                res[k] = Residual == 0 ? null : (float*)Residual + pk;
            }
            int count = rows * OW;
            float a = Alpha, be = Beta;
            switch (Act)
            {
                case EpilogueActivation.None: TransposeOut<ActNone>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.Relu: TransposeOut<ActRelu>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.Clip: TransposeOut<ActClip>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.LeakyRelu: TransposeOut<ActLeakyRelu>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.Sigmoid: TransposeOut<ActSigmoid>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.HardSigmoid: TransposeOut<ActHardSigmoid>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.HardSwish: TransposeOut<ActHardSwish>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.Silu: TransposeOut<ActSilu>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.Tanh: TransposeOut<ActTanh>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.Gelu: TransposeOut<ActGelu>(outBuf, dst, res, valid, count, a, be); break;
                case EpilogueActivation.GeluTanh: TransposeOut<ActGeluTanh>(outBuf, dst, res, valid, count, a, be); break;
                default: throw new ArgumentOutOfRangeException(nameof(Act), Act, "DepthwiseConv: unknown epilogue activation");
            }
        }

        // Zeros wherever the band's windows leave the input (rows above/below it, columns left/right of it, the slack);
        // FillBand overwrites everything else, so this holds for every item of the same band geometry.
        private readonly void ClearFrame(float* buf, int iyStart, int bandRows)
        {
            int copyW = Math.Clamp(Wp - PadL, 0, Wd), left = Math.Min(PadL, Wp);
            int iyLo = Math.Max(0, iyStart), iyHi = Math.Min(H, iyStart + bandRows);
            for (int r = 0; r < bandRows; r++)
            {
                int iy = iyStart + r;
                float* row = buf + (long)r * Wp * Lanes;
                if (iy < iyLo || iy >= iyHi || copyW == 0) { new Span<float>(row, Wp * Lanes).Clear(); continue; }
                new Span<float>(row, left * Lanes).Clear();
                if (Wp > PadL + copyW) new Span<float>(row + (PadL + copyW) * Lanes, (Wp - PadL - copyW) * Lanes).Clear();
            }
            new Span<float>(buf + (long)bandRows * Wp * Lanes, SlackFloats).Clear();
        }

        // The band's input rows iyStart … iyStart+bandRows-1 as [r][cx][8]; the zero padding around them is already there.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void FillBand(float** src, float* buf, int iyStart, int bandRows)
        {
            int copyW = Math.Clamp(Wp - PadL, 0, Wd);
            int iyLo = Math.Max(0, iyStart), iyHi = Math.Min(H, iyStart + bandRows);
            if (iyHi <= iyLo || copyW == 0) return;
            float* first = buf + ((long)(iyLo - iyStart) * Wp + PadL) * Lanes;
            if (SW == 1 && SH == Wd && copyW == Wd)
                TransposeIn(src, (long)iyLo * SH, (iyHi - iyLo) * Wd, Wd, Wp, first); // whole rows are contiguous
            else if (SW == 1)
                for (int iy = iyLo; iy < iyHi; iy++)
                    TransposeIn(src, iy * SH, copyW, copyW, Wp, first + (long)(iy - iyLo) * Wp * Lanes);
            else
                for (int iy = iyLo; iy < iyHi; iy++)
                {
                    float* d = first + (long)(iy - iyLo) * Wp * Lanes;
                    for (int ix = 0; ix < copyW; ix++)
                        for (int k = 0; k < Lanes; k++) d[ix * Lanes + k] = src[k][iy * SH + ix * SW];
                }
        }

        // Output pixels of the band as [pixel][8]: eight per kernel call, either a row segment through a register-blocked row
        // kernel (a segment past the row's end computes junk pixels that the next segment or the slack overwrites) or, for
        // other shapes, eight pixels anywhere in the band through per-pixel pointers.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Compute(float* inBuf, float* outBuf, int rows, float* wv, int taps, Vector256<float> bias)
        {
            if (HasRowKernel(KW, StrW, DilW))
            {
                long pitch = (long)DilH * Wp * Lanes;
                for (int r = 0; r < rows; r++)
                    for (int ox = 0; ox < OW; ox += Lanes)
                        RowKernel(KW, StrW, inBuf + ((long)r * StrH * Wp + (long)ox * StrW) * Lanes, pitch, KH, wv, bias,
                            outBuf + ((long)r * OW + ox) * Lanes);
                return;
            }
            int* toff = (int*)(wv + taps * Lanes);
            for (int i = 0, t = 0; i < KH; i++)
                for (int j = 0; j < KW; j++) toff[t++] = (i * DilH * Wp + j * DilW) * Lanes;
            nint* p = stackalloc nint[Lanes];
            int count = rows * OW, oyl = 0, x = 0;
            for (int q = 0; q < count; q += Lanes)
            {
                int n = Math.Min(Lanes, count - q);
                for (int j = 0; j < Lanes; j++)
                {
                    if (j < n)
                    {
                        p[j] = (nint)(inBuf + ((long)oyl * StrH * Wp + (long)x * StrW) * Lanes);
                        if (++x == OW) { x = 0; oyl++; }
                    }
                    else p[j] = p[n - 1];
                }
                Acc8(p, wv, toff, taps, bias, outBuf + (long)q * Lanes);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Acc8(nint* p, float* wv, int* toff, int taps, Vector256<float> bias, float* o)
    {
        float* p0 = (float*)p[0], p1 = (float*)p[1], p2 = (float*)p[2], p3 = (float*)p[3];
        float* p4 = (float*)p[4], p5 = (float*)p[5], p6 = (float*)p[6], p7 = (float*)p[7];
        Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int t = 0; t < taps; t++)
        {
            var w = Vector256.Load(wv + t * Lanes);
            int off = toff[t];
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(p0 + off), w, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(p1 + off), w, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(p2 + off), w, a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Load(p3 + off), w, a3);
            a4 = Vector256.FusedMultiplyAdd(Vector256.Load(p4 + off), w, a4);
            a5 = Vector256.FusedMultiplyAdd(Vector256.Load(p5 + off), w, a5);
            a6 = Vector256.FusedMultiplyAdd(Vector256.Load(p6 + off), w, a6);
            a7 = Vector256.FusedMultiplyAdd(Vector256.Load(p7 + off), w, a7);
        }
        a0.Store(o); a1.Store(o + 8); a2.Store(o + 16); a3.Store(o + 24);
        a4.Store(o + 32); a5.Store(o + 40); a6.Store(o + 48); a7.Store(o + 56);
    }

    // count pixels of eight channel rows (src[k] + off + i) into [pixel][8] at dst, rows of w pixels with a pitch of wp.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeIn(float** src, long off, int count, int w, int wp, float* dst)
    {
        float* s0 = src[0] + off, s1 = src[1] + off, s2 = src[2] + off, s3 = src[3] + off;
        float* s4 = src[4] + off, s5 = src[5] + off, s6 = src[6] + off, s7 = src[7] + off;
        long skip = (long)(wp - w) * Lanes;
        float* d = dst;
        int x = 0, i = 0;
        for (; i + Lanes <= count; i += Lanes)
        {
            Transpose8(Vector256.Load(s0 + i), Vector256.Load(s1 + i), Vector256.Load(s2 + i), Vector256.Load(s3 + i),
                Vector256.Load(s4 + i), Vector256.Load(s5 + i), Vector256.Load(s6 + i), Vector256.Load(s7 + i),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
            if (x + Lanes < w)
            {
                o0.Store(d); o1.Store(d + 8); o2.Store(d + 16); o3.Store(d + 24);
                o4.Store(d + 32); o5.Store(d + 40); o6.Store(d + 48); o7.Store(d + 56);
                d += Lanes * Lanes;
                x += Lanes;
            }
            else
            {
                Put(o0, ref d, ref x, w, skip); Put(o1, ref d, ref x, w, skip); Put(o2, ref d, ref x, w, skip); Put(o3, ref d, ref x, w, skip);
                Put(o4, ref d, ref x, w, skip); Put(o5, ref d, ref x, w, skip); Put(o6, ref d, ref x, w, skip); Put(o7, ref d, ref x, w, skip);
            }
        }
        for (; i < count; i++)
        {
            d[0] = s0[i]; d[1] = s1[i]; d[2] = s2[i]; d[3] = s3[i]; d[4] = s4[i]; d[5] = s5[i]; d[6] = s6[i]; d[7] = s7[i];
            d += Lanes;
            if (++x == w) { x = 0; d += skip; }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector256<float> v, ref float* d, ref int x, int w, long skip)
    {
        v.Store(d);
        d += Lanes;
        if (++x == w) { x = 0; d += skip; }
    }

    // [pixel][8] at src back to the valid channel rows dst[k][0 … count), as act(v + residual) when res[k] is not null.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeOut<TAct>(float* src, float** dst, float** res, int valid, int count, float a, float b)
        where TAct : IEpilogueAct
    {
        int i = 0;
        bool hasRes = res[0] != null;
        var o = stackalloc Vector256<float>[Lanes];
        for (; i + Lanes <= count; i += Lanes)
        {
            float* s = src + (long)i * Lanes;
            Transpose8(Vector256.Load(s), Vector256.Load(s + 8), Vector256.Load(s + 16), Vector256.Load(s + 24),
                Vector256.Load(s + 32), Vector256.Load(s + 40), Vector256.Load(s + 48), Vector256.Load(s + 56),
                out o[0], out o[1], out o[2], out o[3], out o[4], out o[5], out o[6], out o[7]);
            for (int k = 0; k < valid; k++)
            {
                var v = hasRes ? o[k] + Vector256.Load(res[k] + i) : o[k];
                TAct.V256(v, a, b).Store(dst[k] + i);
            }
        }
        for (; i < count; i++)
            for (int k = 0; k < valid; k++)
            {
                float v = src[(long)i * Lanes + k];
                if (hasRes) v += res[k][i];
                dst[k][i] = TAct.Scalar(v, a, b);
            }
    }

    // 8×8 transpose: output j holds element j of every input row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3,
        out Vector256<float> o4, out Vector256<float> o5, out Vector256<float> o6, out Vector256<float> o7)
    {
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        o0 = Avx.Permute2x128(s0, s4, 0x20); o1 = Avx.Permute2x128(s1, s5, 0x20);
        o2 = Avx.Permute2x128(s2, s6, 0x20); o3 = Avx.Permute2x128(s3, s7, 0x20);
        o4 = Avx.Permute2x128(s0, s4, 0x31); o5 = Avx.Permute2x128(s1, s5, 0x31);
        o6 = Avx.Permute2x128(s2, s6, 0x31); o7 = Avx.Permute2x128(s3, s7, 0x31);
    }
}
