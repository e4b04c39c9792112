// Fast F32 average pooling (any kernel, stride and padding; PyTorch/ONNX divisor rules): per output row the window's
// input rows are summed by SIMD adds into a scratch row framed by zeros, then each output is the sum of kw scratch
// columns (8 per vector, stride 2 picking even lanes) times 1/divisor. The divisor factors into a row part and a column
// part (window clipped to the padded input with count_include_pad, else to the input), so the column part is computed
// once per chunk.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Pool;

internal static unsafe class AvgPoolRows
{
    private const int Slack = 16; // zeros past the scratch row: vector reads of the last outputs' odd lanes

    /// <summary>True when <see cref="Run"/> applies: F32, unit column stride, AVX2, no dilation.</summary>
    public static bool Supports(Tensor x, in Pool2dParams p) =>
        x.DType == DType.F32 && x.StridesArray[3] == 1 && p.DilationH == 1 && p.DilationW == 1 && SimdInfo.UseAvx2 && Avx2.IsSupported;

    /// <summary>dst = AvgPool2d(x) with the geometry and divisor rule of <paramref name="p"/> (dst contiguous [N, C, OH, OW]).</summary>
    public static void Run(Tensor x, Pool2dParams p, Tensor dst)
    {
        if (dst.Numel == 0) return;
        int ow = dst.ShapeArray[3];
        var body = new Body { G = new PoolRowsGeometry(x, p, dst, (ow - 1) * p.StrideW + p.KernelW) };
        if (body.G.Split.Chunks == 1) body.Run(0);
        else WorkerPool.Shared.Run(body.G.Split.Chunks, ref body);
    }

    // Divisor factor of a window starting at s (input coordinates) along an axis of size len with end padding padEnd.
    private static int Factor(int s, int k, int len, int padEnd, bool includePad) =>
        includePad ? Math.Min(s + k, len + padEnd) - s : Math.Max(0, Math.Min(s + k, len) - Math.Max(s, 0));

    private struct Body : IChunkBody
    {
        public PoolRowsGeometry G;

        public readonly void Run(int chunk)
        {
            var (s, e) = G.Split.Range(chunk);
            if (e <= s) return;
            var buf = PackBuffers.Rent(G.Wt + Slack, G.OW);
            try
            {
                float* t = buf.A, inv = buf.B;
                new Span<float>(t, G.Wt + Slack).Clear();
                for (int xo = 0; xo < G.OW; xo++)
                    inv[xo] = 1f / Factor(xo * G.P.StrideW - G.P.PadLeft, G.P.KernelW, G.W, G.P.PadRight, G.P.CountIncludePad);
                for (long u = s; u < e; u++) Item(u, t, inv);
            }
            finally { PackBuffers.Return(buf); }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Item(long u, float* t, float* inv)
        {
            var (plane, oy0, oy1) = G.Split.Item(u, G.OH);
            var (srcPlane, outPlane) = G.Planes(plane);
            float* src = (float*)srcPlane, o = (float*)outPlane;
            int copyW = Math.Clamp(G.Wt - G.P.PadLeft, 0, G.W);
            float* row = t + G.P.PadLeft; // t[PadLeft + ix] = column ix; the frame stays 0
            for (int y = oy0; y < oy1; y++)
            {
                int hs = y * G.P.StrideH - G.P.PadTop;
                int y0 = Math.Max(0, hs), y1 = Math.Min(G.H, hs + G.P.KernelH);
                if (y1 <= y0 || copyW == 0) new Span<float>(row, copyW).Clear();
                else
                {
                    new ReadOnlySpan<float>(src + y0 * G.SH, copyW).CopyTo(new Span<float>(row, copyW));
                    for (int iy = y0 + 1; iy < y1; iy++) AddInto(row, src + iy * G.SH, copyW);
                }
                float rowInv = 1f / Factor(hs, G.P.KernelH, G.H, G.P.PadBottom, G.P.CountIncludePad);
                Horizontal(t, o + (long)y * G.OW, inv, rowInv);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 loops
        private readonly void Horizontal(float* t, float* oy, float* inv, float rowInv)
        {
            int kw = G.P.KernelW, sw = G.P.StrideW, xo = 0;
            var ri = Vector256.Create(rowInv);
            if (sw == 1)
                for (; xo + 8 <= G.OW; xo += 8)
                {
                    var m = Vector256.Load(t + xo);
                    for (int j = 1; j < kw; j++) m += Vector256.Load(t + xo + j);
                    (m * ri * Vector256.Load(inv + xo)).Store(oy + xo);
                }
            else if (sw == 2)
                for (; xo + 8 <= G.OW; xo += 8)
                {
                    var m = PoolRowsGeometry.Even(t + 2 * xo);
                    for (int j = 1; j < kw; j++) m += PoolRowsGeometry.Even(t + 2 * xo + j);
                    (m * ri * Vector256.Load(inv + xo)).Store(oy + xo);
                }
            for (; xo < G.OW; xo++)
            {
                float* q = t + xo * sw;
                float m = q[0];
                for (int j = 1; j < kw; j++) m += q[j];
                oy[xo] = m * rowInv * inv[xo];
            }
        }
    }


    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 loops
    private static void AddInto(float* acc, float* r, int n)
    {
        int i = 0;
        for (; i + 8 <= n; i += 8) (Vector256.Load(acc + i) + Vector256.Load(r + i)).Store(acc + i);
        for (; i < n; i++) acc[i] += r[i];
    }
}
