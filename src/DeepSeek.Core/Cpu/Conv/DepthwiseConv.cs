// Depthwise 2-d convolution (groups = Cin = Cout, MobileNet's "depthwise separable" layer, Howard et al. 2017): entry
// points, dispatch and the scalar reference. The vector kernel (channel-blocked, any stride, dilation and padding) is in
// DepthwiseConvBlocked.cs; an optional epilogue (residual + activation) runs on each output band while it is in cache.
using DeepSeek.Backends.Cpu.Threading;
using DeepSeek.Memory;

namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe partial class DepthwiseConv
{
    /// <summary>True when the fast path applies: F32, one filter per channel, AVX2 or better.</summary>
    public static bool Supports(Tensor x, Tensor w, in Conv2dParams p) => Supports(x, w.ShapeArray[0], w.ShapeArray[1], p);

    /// <summary>As <see cref="Supports(Tensor, Tensor, in Conv2dParams)"/> for a weight [<paramref name="cout"/>, <paramref name="cinPerGroup"/>, kh, kw].</summary>
    public static bool Supports(Tensor x, int cout, int cinPerGroup, in Conv2dParams p) =>
        x.DType == DType.F32 && SimdInfo.UseAvx2 && p.Groups > 1 && p.Groups == x.ShapeArray[1]
        && cout == p.Groups && cinPerGroup == 1;

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
        var body = new Blocked
        {
            X = (nint)CpuBackend.Ptr<float>(x), W = (nint)weights, Dst = (nint)CpuBackend.Ptr<float>(dst),
            Bias = bias is null ? 0 : (nint)CpuBackend.Ptr<float>(bias), BiasStride = bias?.StridesArray[0] ?? 0,
            Residual = residual is null ? 0 : (nint)CpuBackend.Ptr<float>(residual),
            SN = x.StridesArray[0], SC = x.StridesArray[1], SH = x.StridesArray[2], SW = x.StridesArray[3],
            N = n, C = c, H = h, Wd = wd, OH = oh, OW = ow, KH = kh, KW = kw, StrH = p.StrideH, StrW = p.StrideW,
            DilH = p.DilationH, DilW = p.DilationW, PadT = p.PadTop, PadL = p.PadLeft,
            Act = epilogue.Activation, Alpha = epilogue.Alpha, Beta = epilogue.Beta,
            Blocks = (c + Lanes - 1) / Lanes,
            Wp = (ow - 1) * p.StrideW + (kw - 1) * p.DilationW + 1,
        };
        // bands of output rows: small enough that the transposed input stays cache-resident, and enough work items that
        // every thread gets a share at batch 1 (a band's extra halo rows cost less than an idle core)
        long rowFloats = (long)body.Wp * Lanes;
        int bandCap = (int)Math.Max(kh, ScratchBudget / rowFloats);
        int rowsFit = Math.Max(1, (bandCap - (kh - 1) * p.DilationH - 1) / p.StrideH + 1);
        int parts = (oh + rowsFit - 1) / rowsFit;
        long blockItems = (long)n * body.Blocks;
        int threads = DeepSeekOptions.Threads;
        if (threads > 1 && blockItems < 8L * threads) parts = Math.Max(parts, (int)Math.Min(oh, (8L * threads + blockItems - 1) / blockItems));
        body.RowsPerPart = (oh + parts - 1) / parts;
        body.Parts = (oh + body.RowsPerPart - 1) / body.RowsPerPart;
        body.Items = checked((int)(blockItems * body.Parts));
        int bandRows = (body.RowsPerPart - 1) * p.StrideH + (kh - 1) * p.DilationH + 1;
        body.InFloats = bandRows * rowFloats + SlackFloats;
        body.OutFloats = ((long)body.RowsPerPart * ow + Lanes) * Lanes + (long)kh * kw * (Lanes + 1); // outputs, weights, tap offsets
        body.Chunks = CpuParallel.Chunks(body.Items, (long)body.RowsPerPart * ow * kh * kw * Lanes + bandRows * rowFloats);
        // one chunk per thread (the pool starts a worker per chunk); the pool's dynamic claims let the caller take a late worker's share
        body.Chunks = Math.Min(body.Items, body.Chunks);
        if (body.Chunks <= 1) { body.Chunks = 1; body.Run(0); }
        else WorkerPool.Shared.Run(body.Chunks, ref body);
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
