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
        int n = x.ShapeArray[0], c = x.ShapeArray[1], oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        var body = new Body
        {
            X = (nint)CpuBackend.Ptr<float>(x), Dst = (nint)CpuBackend.Ptr<float>(dst),
            SN = x.StridesArray[0], SC = x.StridesArray[1], SH = x.StridesArray[2],
            C = c, H = x.ShapeArray[2], W = x.ShapeArray[3], OH = oh, OW = ow, P = p,
            Wt = (ow - 1) * p.StrideW + p.KernelW,
        };
        long planes = (long)n * c;
        body.Split = new PlaneRowSplit(planes, oh, (long)ow * p.KernelW + (long)body.W * p.KernelH);
        if (body.Split.Chunks == 1) body.Run(0);
        else WorkerPool.Shared.Run(body.Split.Chunks, ref body);
    }

    // Divisor factor of a window starting at s (input coordinates) along an axis of size len with end padding padEnd.
    private static int Factor(int s, int k, int len, int padEnd, bool includePad) =>
        includePad ? Math.Min(s + k, len + padEnd) - s : Math.Max(0, Math.Min(s + k, len) - Math.Max(s, 0));

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
            var buf = PackBuffers.Rent(Wt + Slack, OW);
            try
            {
                float* t = buf.A, inv = buf.B;
                new Span<float>(t, Wt + Slack).Clear();
                for (int xo = 0; xo < OW; xo++)
                    inv[xo] = 1f / Factor(xo * P.StrideW - P.PadLeft, P.KernelW, W, P.PadRight, P.CountIncludePad);
                for (long u = s; u < e; u++) Item(u, t, inv);
            }
            finally { PackBuffers.Return(buf); }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Item(long u, float* t, float* inv)
        {
            var (plane, oy0, oy1) = Split.Item(u, OH);
            float* src = (float*)X + plane / C * SN + plane % C * SC;
            float* o = (float*)Dst + plane * OH * OW;
            int copyW = Math.Clamp(Wt - P.PadLeft, 0, W);
            float* row = t + P.PadLeft; // t[PadLeft + ix] = column ix; the frame stays 0
            for (int y = oy0; y < oy1; y++)
            {
                int hs = y * P.StrideH - P.PadTop;
                int y0 = Math.Max(0, hs), y1 = Math.Min(H, hs + P.KernelH);
                if (y1 <= y0 || copyW == 0) new Span<float>(row, copyW).Clear();
                else
                {
                    new ReadOnlySpan<float>(src + y0 * SH, copyW).CopyTo(new Span<float>(row, copyW));
                    for (int iy = y0 + 1; iy < y1; iy++) AddInto(row, src + iy * SH, copyW);
                }
                float rowInv = 1f / Factor(hs, P.KernelH, H, P.PadBottom, P.CountIncludePad);
                Horizontal(t, o + (long)y * OW, inv, rowInv);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 loops
        private readonly void Horizontal(float* t, float* oy, float* inv, float rowInv)
        {
            int kw = P.KernelW, sw = P.StrideW, xo = 0;
            var ri = Vector256.Create(rowInv);
            if (sw == 1)
                for (; xo + 8 <= OW; xo += 8)
                {
                    var m = Vector256.Load(t + xo);
                    for (int j = 1; j < kw; j++) m += Vector256.Load(t + xo + j);
                    (m * ri * Vector256.Load(inv + xo)).Store(oy + xo);
                }
            else if (sw == 2)
                for (; xo + 8 <= OW; xo += 8)
                {
                    var m = Even(t + 2 * xo);
                    for (int j = 1; j < kw; j++) m += Even(t + 2 * xo + j);
                    (m * ri * Vector256.Load(inv + xo)).Store(oy + xo);
                }
            for (; xo < OW; xo++)
            {
                float* q = t + xo * sw;
                float m = q[0];
                for (int j = 1; j < kw; j++) m += q[j];
                oy[xo] = m * rowInv * inv[xo];
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
    private static void AddInto(float* acc, float* r, int n)
    {
        int i = 0;
        for (; i + 8 <= n; i += 8) (Vector256.Load(acc + i) + Vector256.Load(r + i)).Store(acc + i);
        for (; i < n; i++) acc[i] += r[i];
    }
}
