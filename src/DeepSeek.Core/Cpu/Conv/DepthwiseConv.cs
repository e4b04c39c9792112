// Depthwise 2-d convolution (groups = Cin = Cout, MobileNet's "depthwise separable" layer, Howard et al. 2017):
// each plane is copied once into a zero-padded scratch plane, so every tap is in range, then each output row is
// accumulated 16 (AVX-512) or 8 (AVX2) columns at a time with FMAs; stride 2 deinterleaves even columns by permutes.
// An optional epilogue (residual + activation) runs on each output row while it is in L1.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Threading;
using DeepSeek.Memory;

namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe class DepthwiseConv
{
    private const int Slack = 64; // floats readable past a padded row (vector over-reads at the right edge)

    /// <summary>True when the fast path applies: F32, one filter per channel, horizontal stride 1 or 2, a SIMD level.</summary>
    public static bool Supports(Tensor x, Tensor w, in Conv2dParams p) => Supports(x, w.ShapeArray[0], w.ShapeArray[1], p);

    /// <summary>As <see cref="Supports(Tensor, Tensor, in Conv2dParams)"/> for a weight [<paramref name="cout"/>, <paramref name="cinPerGroup"/>, kh, kw].</summary>
    public static bool Supports(Tensor x, int cout, int cinPerGroup, in Conv2dParams p) =>
        x.DType == DType.F32 && SimdInfo.UseAvx2 && p.Groups > 1 && p.Groups == x.ShapeArray[1]
        && cout == p.Groups && cinPerGroup == 1 && (p.StrideW == 1 || p.StrideW == 2);

    /// <summary>The vectorised depthwise convolution (caller checked <see cref="Supports(Tensor, Tensor, in Conv2dParams)"/>).</summary>
    public static void Run(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst) => Run(x, w, bias, p, dst, null, default);

    /// <summary>
    /// As <see cref="Run(Tensor, Tensor, Tensor?, Conv2dParams, Tensor)"/>, then y = act(y + residual) per output row;
    /// <paramref name="residual"/> is contiguous with dst's shape, or null.
    /// </summary>
    public static void Run(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst, Tensor? residual, Epilogue epilogue)
    {
        using var wc = w.Contiguous();
        Run(x, CpuBackend.Ptr<float>(wc), w.ShapeArray[2], w.ShapeArray[3], bias, p, dst, residual, epilogue);
    }

    /// <summary>The same with the weight as contiguous [C, kh·kw] floats at <paramref name="weights"/>.</summary>
    public static void Run(Tensor x, float* weights, int kh, int kw, Tensor? bias, Conv2dParams p, Tensor dst, Tensor? residual, Epilogue epilogue)
    {
        int n = x.ShapeArray[0], c = x.ShapeArray[1], h = x.ShapeArray[2], wd = x.ShapeArray[3];
        int oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        if (dst.Numel == 0) return;
        long sN = x.StridesArray[0], sC = x.StridesArray[1], sH = x.StridesArray[2], sW = x.StridesArray[3];
        int hp = h + p.PadTop + p.PadBottom, rs = wd + p.PadLeft + p.PadRight + Slack;
        long planeBytes = ((long)hp * rs + Slack) * sizeof(float);
        nint xp = (nint)CpuBackend.Ptr<float>(x), wp = (nint)weights, dp = (nint)CpuBackend.Ptr<float>(dst);
        nint bp = bias is null ? 0 : (nint)CpuBackend.Ptr<float>(bias);
        long sb = bias?.StridesArray[0] ?? 0;
        nint rp = residual is null ? 0 : (nint)CpuBackend.Ptr<float>(residual);
        bool post = epilogue.Activation != EpilogueActivation.None || residual is not null;
        var act = epilogue.Activation;
        float ea = epilogue.Alpha, eb = epilogue.Beta;
        bool avx512 = SimdInfo.UseAvx512;
        // static split of the planes over the kernel worker pool (not the runtime pool: right after a GEMM its workers are
        // still spinning and a second thread set competes with them)
        long planes = (long)n * c;
        int chunks = CpuParallel.Chunks(planes, (long)oh * ow * kh * kw + (long)h * wd);
        void Body(long s, long e)
        {
            var buf = PackBuffers.Rent(0, planeBytes / sizeof(float)); // reusable native scratch: no tensor-pool traffic per call
            try
            {
                float* plane = buf.B;
                new Span<byte>(plane, (int)planeBytes).Clear();
                for (long u = s; u < e; u++)
                {
                    int b = (int)(u / c), ch = (int)(u % c);
                    float* src = (float*)xp + b * sN + ch * sC;
                    for (int y = 0; y < h; y++)
                    {
                        float* row = plane + (long)(y + p.PadTop) * rs + p.PadLeft;
                        float* sr = src + y * sH;
                        if (sW == 1) new ReadOnlySpan<float>(sr, wd).CopyTo(new Span<float>(row, wd));
                        else for (int i = 0; i < wd; i++) row[i] = sr[i * sW];
                    }
                    float bv = bp == 0 ? 0f : ((float*)bp)[ch * sb];
                    float* wk = (float*)wp + (long)ch * kh * kw;
                    float* outPlane = (float*)dp + u * oh * ow;
                    var ep = post ? new GemmEpilogue(null, GemmBias.None, rp == 0 ? null : (float*)rp + u * oh * ow, ow, act, ea, eb) : default;
                    for (int oy = 0; oy < oh; oy++)
                    {
                        OutputRow(plane + (long)oy * p.StrideH * rs, rs, wk, kh, kw, p.DilationH, p.DilationW, p.StrideW, bv,
                            outPlane + (long)oy * ow, ow, avx512);
                        if (post) ep.Apply(outPlane + (long)oy * ow, ow, oy, 0, 1, ow);
                    }
                }
            }
            finally { PackBuffers.Return(buf); }
        }
        if (chunks <= 1) Body(0, planes);
        else WorkerPool.Shared.Run(chunks, t => Body(planes * t / chunks, planes * (t + 1) / chunks));
    }

    private static void OutputRow(float* inRow, int rs, float* wk, int kh, int kw, int dh, int dw, int sw, float bias,
        float* o, int ow, bool avx512)
    {
        int x = 0;
        if (avx512 && Avx512F.IsSupported)
        {
            for (; x + 16 <= ow; x += 16) Row16(inRow, rs, wk, kh, kw, dh, dw, sw, bias, x).Store(o + x);
            if (x < ow)
            {
                // the tail (7×7 and 14×14 planes are mostly tail): compute 16 lanes — the padded plane's slack makes the
                // over-read safe — and keep the ones that exist
                var full = Row16(inRow, rs, wk, kh, kw, dh, dw, sw, bias, x);
                float* tmp = stackalloc float[16];
                full.Store(tmp);
                new ReadOnlySpan<float>(tmp, ow - x).CopyTo(new Span<float>(o + x, ow - x));
                return;
            }
        }
        if (Avx2.IsSupported)
        {
            for (; x + 8 <= ow; x += 8)
            {
                var acc = Vector256.Create(bias);
                for (int i = 0; i < kh; i++)
                {
                    float* r = inRow + (long)i * dh * rs + x * sw;
                    for (int j = 0; j < kw; j++)
                    {
                        var wv = Vector256.Create(wk[i * kw + j]);
                        Vector256<float> v;
                        if (sw == 1) v = Vector256.Load(r + j * dw);
                        else
                        {
                            // [a0 a2 b0 b2 | a4 a6 b4 b6] → [a0 a2 a4 a6 b0 b2 b4 b6]
                            var sh = Avx.Shuffle(Vector256.Load(r + j * dw), Vector256.Load(r + j * dw + 8), 0b10_00_10_00);
                            v = Avx2.Permute4x64(sh.AsDouble(), 0b11_01_10_00).AsSingle();
                        }
                        acc = Vector256.FusedMultiplyAdd(v, wv, acc);
                    }
                }
                acc.Store(o + x);
            }
        }
        for (; x < ow; x++)
        {
            float acc = bias;
            for (int i = 0; i < kh; i++)
            {
                float* r = inRow + (long)i * dh * rs + x * sw;
                for (int j = 0; j < kw; j++) acc = MathF.FusedMultiplyAdd(r[j * dw], wk[i * kw + j], acc);
            }
            o[x] = acc;
        }
    }

    // 16 output columns starting at x of one output row (stride 1, or 2 with even lanes picked by a two-source permute).
    private static Vector512<float> Row16(float* inRow, int rs, float* wk, int kh, int kw, int dh, int dw, int sw, float bias, int x)
    {
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var acc = Vector512.Create(bias);
        for (int i = 0; i < kh; i++)
        {
            float* r = inRow + (long)i * dh * rs + x * sw;
            for (int j = 0; j < kw; j++)
            {
                var wv = Vector512.Create(wk[i * kw + j]);
                Vector512<float> v = sw == 1
                    ? Vector512.Load(r + j * dw)
                    : Avx512F.PermuteVar16x32x2(Vector512.Load(r + j * dw), even, Vector512.Load(r + j * dw + 16));
                acc = Vector512.FusedMultiplyAdd(v, wv, acc);
            }
        }
        return acc;
    }

    /// <summary>Scalar reference: direct depthwise convolution on the strided input, double accumulation.</summary>
    internal static void Reference(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst)
    {
        int n = x.ShapeArray[0], c = x.ShapeArray[1], h = x.ShapeArray[2], wd = x.ShapeArray[3];
        int kh = w.ShapeArray[2], kw = w.ShapeArray[3];
        int oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        var xs = x.StridesArray;
        var ws = w.StridesArray;
        float* xp = CpuBackend.Ptr<float>(x), wp = CpuBackend.Ptr<float>(w), dp = CpuBackend.Ptr<float>(dst);
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double acc = bias is null ? 0 : CpuBackend.Ptr<float>(bias)[ch * bias.StridesArray[0]];
                        for (int i = 0; i < kh; i++)
                        {
                            int iy = oy * p.StrideH - p.PadTop + i * p.DilationH;
                            if ((uint)iy >= (uint)h) continue;
                            for (int j = 0; j < kw; j++)
                            {
                                int ix = ox * p.StrideW - p.PadLeft + j * p.DilationW;
                                if ((uint)ix >= (uint)wd) continue;
                                acc += (double)xp[b * xs[0] + ch * xs[1] + iy * xs[2] + ix * xs[3]] * wp[ch * ws[0] + i * ws[2] + j * ws[3]];
                            }
                        }
                        dp[((long)(b * c + ch) * oh + oy) * ow + ox] = (float)acc;
                    }
    }
}
