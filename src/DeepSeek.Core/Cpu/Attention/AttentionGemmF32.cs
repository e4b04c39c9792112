// F32 attention without AVX-512: per (batch, head, block of 64 query rows) the blocked SGEMM computes scale·Q·Kᵀ into a
// per-thread [64, S] tile, the rows get the mask and a stable softmax (max, e^(s − max), Σ), and a second SGEMM writes
// P·V — the ISA-tuned GEMM kernels do the flops, and only one tile of scores per thread is ever live.
using System.Runtime.InteropServices;
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Reduction;

namespace DeepSeek.Backends.Cpu.Attention;

internal static unsafe class AttentionGemmF32
{
    /// <summary>Query rows per work item.</summary>
    public const int BlockQ = 64;

    /// <summary>Runs the kernel; q, k, v have unit stride in their last dim, dst rows are addressed by the geometry's D strides.</summary>
    public static void Run(nint q, nint k, nint v, nint mask, nint dst, AttentionGeometry g, AttentionParams p)
    {
        int qBlocks = (g.L + BlockQ - 1) / BlockQ;
        long items = (long)g.B * g.H * qBlocks;
        var body = new Blocks { Q = q, K = k, V = v, Mask = mask, Dst = dst, G = g, P = p, QBlocks = qBlocks };
        CpuParallel.For(items, 2L * Math.Min(BlockQ, g.L) * g.S * (g.E + g.Ev), ref body);
    }

    // Work items are (batch, head, query block); each chunk owns one native score tile.
    private struct Blocks : IRangeBody
    {
        public nint Q, K, V, Mask, Dst;
        public AttentionGeometry G;
        public AttentionParams P;
        public int QBlocks;

        public readonly void Run(long start, long end)
        {
            var g = G;
            float* tile = (float*)NativeMemory.AlignedAlloc((nuint)((long)BlockQ * g.S * sizeof(float)), 64);
            try
            {
                for (long it = start; it < end; it++)
                {
                    int qb = (int)(it % QBlocks);
                    long bh = it / QBlocks;
                    Block((float*)Q, (float*)K, (float*)V, (float*)Mask, (float*)Dst, g, P, (int)(bh / g.H), (int)(bh % g.H), qb * BlockQ, tile);
                }
            }
            finally { NativeMemory.AlignedFree(tile); }
        }
    }

    private static void Block(float* q, float* k, float* v, float* mask, float* dst, in AttentionGeometry g, AttentionParams p, int b, int h, int i0, float* tile)
    {
        int rows = Math.Min(BlockQ, g.L - i0), hk = g.KvHead(h);
        int keys = p.IsCausal ? Math.Min(g.S, i0 + rows) : g.S;
        float* qb = q + b * g.QB + h * g.QH + i0 * g.QL;
        float* kb = k + b * g.KB + hk * g.KH;
        float* vb = v + b * g.VB + hk * g.VH;
        float* db = dst + b * g.DB + h * g.DH + i0 * g.DL;
        Sgemm.Run(false, true, rows, keys, g.E, (float)p.Scale, qb, g.QL, kb, g.KS, 0f, tile, keys, default, threads: 1);
        for (int r = 0; r < rows; r++)
        {
            float* s = tile + (long)r * keys;
            int valid = p.IsCausal ? Math.Min(keys, i0 + r + 1) : keys;
            if (mask != null)
            {
                float* m = mask + b * g.MB + h * g.MH + (i0 + r) * g.ML;
                for (int j = 0; j < valid; j++) s[j] += m[j * g.MS];
            }
            for (int j = valid; j < keys; j++) s[j] = float.NegativeInfinity;
            float max = float.NegativeInfinity;
            for (int j = 0; j < valid; j++) max = MathF.Max(max, s[j]);
            if (float.IsNegativeInfinity(max) && p.ZeroMaskedRows) new Span<float>(s, keys).Clear(); // the row's output becomes 0
            else SoftmaxKernel.RowF32(s, s, keys, log: false); // an all −∞ row gives NaN, as the unfused softmax does
        }
        Sgemm.Run(false, false, rows, g.Ev, keys, 1f, tile, keys, vb, g.VS, 0f, db, g.DL, default, threads: 1);
    }
}
