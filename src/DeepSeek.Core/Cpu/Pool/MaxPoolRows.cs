// Fast F32 max pooling (any kernel, stride, padding, dilation; no indices): per output row the window's input rows are
// reduced by a vertical SIMD max into a scratch row framed by −∞ (the padding, which never wins), then each output is
// the max of kw scratch columns — 8 outputs per vector, stride 2 picking even lanes with a shuffle. Vector256.Max and
// MathF.Max are IEEE 754-2019 maximum, so NaN propagates as in the reference.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Pool;

internal static unsafe class MaxPoolRows
{
    private const int Slack = 16; // −∞ floats past the scratch row: vector reads of the last outputs' odd lanes

    /// <summary>True when <see cref="Run"/> applies: F32, unit column stride, AVX2.</summary>
    public static bool Supports(Tensor x) => x.DType == DType.F32 && x.StridesArray[3] == 1 && SimdInfo.UseAvx2 && Avx2.IsSupported;

    /// <summary>dst = MaxPool2d(x) with the geometry of <paramref name="p"/> (dst contiguous [N, C, OH, OW]).</summary>
    public static void Run(Tensor x, Pool2dParams p, Tensor dst)
    {
        if (dst.Numel == 0) return;
        int n = x.ShapeArray[0], c = x.ShapeArray[1], oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        var body = new Body
        {
            X = (nint)CpuBackend.Ptr<float>(x), Dst = (nint)CpuBackend.Ptr<float>(dst),
            SN = x.StridesArray[0], SC = x.StridesArray[1], SH = x.StridesArray[2],
            C = c, H = x.ShapeArray[2], W = x.ShapeArray[3], OH = oh, OW = ow, P = p,
            Wt = (ow - 1) * p.StrideW + (p.KernelW - 1) * p.DilationW + 1,
        };
        long planes = (long)n * c;
        body.Split = new PlaneRowSplit(planes, oh, (long)ow * p.KernelW + (long)body.W * p.KernelH);
        if (body.Split.Chunks == 1) body.Run(0);
        else WorkerPool.Shared.Run(body.Split.Chunks, ref body);
    }

    private struct Body : IChunkBody
    {
        public nint X, Dst;
        public long SN, SC, SH;
        public int C, H, W, OH, OW, Wt;
        public PlaneRowSplit Split;
        public Pool2dParams P;

        public readonly void Run(int chunk)
        {
            var (s, e) = Split.Range(chunk);
            if (e <= s) return;
            var buf = PackBuffers.Rent(Wt + Slack, 0);
            try
            {
                float* t = buf.A;
                new Span<float>(t, Wt + Slack).Fill(float.NegativeInfinity);
                for (long u = s; u < e; u++) Item(u, t);
            }
            finally { PackBuffers.Return(buf); }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Item(long u, float* t)
        {
            var (plane, oy0, oy1) = Split.Item(u, OH);
            float* src = (float*)X + plane / C * SN + plane % C * SC;
            float* o = (float*)Dst + plane * OH * OW;
            int copyW = Math.Clamp(Wt - P.PadLeft, 0, W);
            float* row = t + P.PadLeft; // t[PadLeft + ix] = column ix; the frame stays −∞
            for (int y = oy0; y < oy1; y++)
            {
                float* oy = o + (long)y * OW;
                int first = -1;
                for (int i = 0; i < P.KernelH; i++)
                {
                    int iy = y * P.StrideH - P.PadTop + i * P.DilationH;
                    if ((uint)iy >= (uint)H) continue;
                    float* r = src + iy * SH;
                    if (first < 0) { new ReadOnlySpan<float>(r, copyW).CopyTo(new Span<float>(row, copyW)); first = iy; }
                    else MaxInto(row, r, copyW);
                }
                if (first < 0 || copyW == 0) { new Span<float>(oy, OW).Fill(float.NegativeInfinity); continue; }
                Horizontal(t, oy);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 loops
        private readonly void Horizontal(float* t, float* oy)
        {
            int kw = P.KernelW, dw = P.DilationW, sw = P.StrideW, xo = 0;
            if (sw == 1)
                for (; xo + 8 <= OW; xo += 8)
                {
                    var m = Vector256.Load(t + xo);
                    for (int j = 1; j < kw; j++) m = Vector256.Max(m, Vector256.Load(t + xo + j * dw));
                    m.Store(oy + xo);
                }
            else if (sw == 2)
                for (; xo + 8 <= OW; xo += 8)
                {
                    var m = Even(t + 2 * xo);
                    for (int j = 1; j < kw; j++) m = Vector256.Max(m, Even(t + 2 * xo + j * dw));
                    m.Store(oy + xo);
                }
            for (; xo < OW; xo++)
            {
                float* q = t + xo * sw;
                float m = q[0];
                for (int j = 1; j < kw; j++) m = MathF.Max(m, q[j * dw]);
                oy[xo] = m;
            }
        }
    }

    // Elements 0, 2, …, 14 of the 16 floats at p.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Even(float* p)
    {
        var s = Avx.Shuffle(Vector256.Load(p), Vector256.Load(p + 8), 0b10_00_10_00); // [a0 a2 b0 b2 | a4 a6 b4 b6]
        return Avx2.Permute4x64(s.AsDouble(), 0b11_01_10_00).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 loops
    private static void MaxInto(float* acc, float* r, int n)
    {
        int i = 0;
        for (; i + 8 <= n; i += 8) Vector256.Max(Vector256.Load(acc + i), Vector256.Load(r + i)).Store(acc + i);
        for (; i < n; i++) acc[i] = MathF.Max(acc[i], r[i]);
    }
}
