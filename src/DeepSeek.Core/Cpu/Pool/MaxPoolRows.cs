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
        int ow = dst.ShapeArray[3];
        var body = new Body { G = new PoolRowsGeometry(x, p, dst, (ow - 1) * p.StrideW + (p.KernelW - 1) * p.DilationW + 1) };
        if (body.G.Split.Chunks == 1) body.Run(0);
        else WorkerPool.Shared.Run(body.G.Split.Chunks, ref body);
    }

    private struct Body : IChunkBody
    {
        public PoolRowsGeometry G;

        public readonly void Run(int chunk)
        {
            var (s, e) = G.Split.Range(chunk);
            if (e <= s) return;
            var buf = PackBuffers.Rent(G.Wt + Slack, 0);
            try
            {
                float* t = buf.A;
                new Span<float>(t, G.Wt + Slack).Fill(float.NegativeInfinity);
                for (long u = s; u < e; u++) Item(u, t);
            }
            finally { PackBuffers.Return(buf); }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Item(long u, float* t)
        {
            var (plane, oy0, oy1) = G.Split.Item(u, G.OH);
            var (srcPlane, outPlane) = G.Planes(plane);
            float* src = (float*)srcPlane, o = (float*)outPlane;
            int copyW = Math.Clamp(G.Wt - G.P.PadLeft, 0, G.W);
            float* row = t + G.P.PadLeft; // t[PadLeft + ix] = column ix; the frame stays −∞
            for (int y = oy0; y < oy1; y++)
            {
                float* oy = o + (long)y * G.OW;
                int first = -1;
                for (int i = 0; i < G.P.KernelH; i++)
                {
                    int iy = y * G.P.StrideH - G.P.PadTop + i * G.P.DilationH;
                    if ((uint)iy >= (uint)G.H) continue;
                    float* r = src + iy * G.SH;
                    if (first < 0) { new ReadOnlySpan<float>(r, copyW).CopyTo(new Span<float>(row, copyW)); first = iy; }
                    else MaxInto(row, r, copyW);
                }
                if (first < 0 || copyW == 0) { new Span<float>(oy, G.OW).Fill(float.NegativeInfinity); continue; }
                Horizontal(t, oy);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 loops
        private readonly void Horizontal(float* t, float* oy)
        {
            int kw = G.P.KernelW, dw = G.P.DilationW, sw = G.P.StrideW, xo = 0;
            if (sw == 1)
                for (; xo + 8 <= G.OW; xo += 8)
                {
                    var m = Vector256.Load(t + xo);
                    for (int j = 1; j < kw; j++) m = Vector256.Max(m, Vector256.Load(t + xo + j * dw));
                    m.Store(oy + xo);
                }
            else if (sw == 2)
                for (; xo + 8 <= G.OW; xo += 8)
                {
                    var m = PoolRowsGeometry.Even(t + 2 * xo);
                    for (int j = 1; j < kw; j++) m = Vector256.Max(m, PoolRowsGeometry.Even(t + 2 * xo + j * dw));
                    m.Store(oy + xo);
                }
            for (; xo < G.OW; xo++)
            {
                float* q = t + xo * sw;
                float m = q[0];
                for (int j = 1; j < kw; j++) m = MathF.Max(m, q[j * dw]);
                oy[xo] = m;
            }
        }
    }


    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 loops
    private static void MaxInto(float* acc, float* r, int n)
    {
        int i = 0;
        for (; i + 8 <= n; i += 8) Vector256.Max(Vector256.Load(acc + i), Vector256.Load(r + i)).Store(acc + i);
        for (; i < n; i++) acc[i] = MathF.Max(acc[i], r[i]);
    }
}
