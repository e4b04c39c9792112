// FlashAttention forward pass on the CPU (Dao et al. 2022, "FlashAttention", Alg. 1; the online-softmax recurrence of
// Milakov & Gimelshein 2018): per (batch, head, block of 32 query rows) and block of 128 keys, S = Q·Kᵀ, scale + mask,
// running max m and sum ℓ, O ← O·e^(m_old − m_new) + e^(S − m_new)·V, and O/ℓ at the end. Only a 32×128 score tile is live.
using System.Runtime.InteropServices;

namespace DeepSeek.Backends.Cpu.Attention;

internal static unsafe class FlashAttentionF32
{
    /// <summary>Query rows per work item.</summary>
    public const int BlockQ = 32;

    /// <summary>Keys per score tile.</summary>
    public const int BlockK = 128;

    // Kᵀ of a whole head stays packed across the query blocks of a work chunk while it fits in this many floats (L2-sized).
    private const int HeadCacheFloats = 64 * 1024;

    private const int Panel = AttentionTiles.Panel;

    private static int RoundUp(int n, int m) => (n + m - 1) / m * m;

    /// <summary>Runs the kernel; q, k, v have unit stride in their last dim, dst rows are addressed by the geometry's D strides.</summary>
    public static void Run(nint q, nint k, nint v, nint mask, nint dst, AttentionGeometry g, AttentionParams p)
    {
        int qBlocks = (g.L + BlockQ - 1) / BlockQ;
        long items = (long)g.B * g.H * qBlocks;
        long workPerItem = 2L * Math.Min(BlockQ, g.L) * g.S * (g.E + g.Ev);
        var body = new Blocks { Q = q, K = k, V = v, Mask = mask, Dst = dst, G = g, P = p, QBlocks = qBlocks };
        CpuParallel.For(items, workPerItem, ref body);
    }

    // Work items are (batch, head, query block); each chunk owns one workspace for its items.
    private struct Blocks : IRangeBody
    {
        public nint Q, K, V, Mask, Dst;
        public AttentionGeometry G;
        public AttentionParams P;
        public int QBlocks;

        public readonly void Run(long start, long end)
        {
            var w = new Workspace(G);
            try
            {
                for (long it = start; it < end; it++)
                {
                    int qb = (int)(it % QBlocks);
                    long bh = it / QBlocks;
                    RunBlock(ref w, (float*)Q, (float*)K, (float*)V, (float*)Mask, (float*)Dst, G, P, (int)(bh / G.H), (int)(bh % G.H), qb * BlockQ);
                }
            }
            finally
            {
                w.Dispose();
            }
        }
    }

    private static void RunBlock(ref Workspace w, float* q, float* k, float* v, float* mask, float* dst, in AttentionGeometry g, AttentionParams p,
        int b, int h, int i0)
    {
        int rows = Math.Min(BlockQ, g.L - i0), hk = g.KvHead(h), evPad = w.EvPad;
        float* qBase = q + b * g.QB + h * g.QH + i0 * g.QL;
        float* kBase = k + b * g.KB + hk * g.KH;
        float* vBase = v + b * g.VB + hk * g.VH;
        float* mBase = mask == null ? null : mask + b * g.MB + h * g.MH + i0 * g.ML;
        float* s = w.Scores, o = w.Out, mx = w.Max, l = w.Sum;
        for (int r = 0; r < rows; r++) { mx[r] = float.NegativeInfinity; l[r] = 0; }
        new Span<float>(o, rows * evPad).Clear();
        w.SelectHead(((long)b << 32) | (uint)hk);
        float scale = (float)p.Scale;
        int kEnd = p.IsCausal ? Math.Min(g.S, i0 + rows) : g.S;
        for (int j0 = 0; j0 < kEnd; j0 += BlockK)
        {
            int nk = Math.Min(BlockK, kEnd - j0), nkPad = RoundUp(nk, Panel);
            float* kt = w.PackedKeys(kBase, g, j0, nk);

            // S = Q·Kᵀ over the tile
            int r = 0;
            for (; r + 4 <= rows; r += 4)
                for (int c = 0; c < nkPad; c += Panel) AttentionTiles.QkTile4(qBase + r * g.QL, g.QL, kt + c, w.Ldt, g.E, s + r * BlockK + c, BlockK);
            for (; r < rows; r++)
                for (int c = 0; c < nkPad; c += Panel) AttentionTiles.QkTile1(qBase + r * g.QL, kt + c, w.Ldt, g.E, s + r * BlockK + c);

            // online softmax: P = e^(S − m_new), ℓ and O rescaled by e^(m_old − m_new)
            for (r = 0; r < rows; r++)
            {
                float* sr = s + r * BlockK;
                int valid = p.IsCausal ? Math.Clamp(i0 + r - j0 + 1, 0, nk) : nk;
                float rowMax = AttentionRowOps.ScaleMaskMax(sr, valid, scale, mBase == null ? null : mBase + r * g.ML + j0 * g.MS, g.MS);
                float mOld = mx[r], mNew = MathF.Max(mOld, rowMax);
                if (float.IsNegativeInfinity(mNew))
                {
                    new Span<float>(sr, nk).Clear(); // everything so far is masked: this tile adds nothing
                    continue;
                }
                float sum = AttentionRowOps.ExpSum(sr, valid, mNew);
                if (valid < nk) new Span<float>(sr + valid, nk - valid).Clear();
                float corr = MathF.Exp(mOld - mNew);
                if (corr != 1f) AttentionRowOps.Scale(o + r * evPad, evPad, corr);
                l[r] = l[r] * corr + sum;
                mx[r] = mNew;
            }

            // O += P·V
            float* vb = w.Values(vBase, g, j0, nk, out long ldv);
            r = 0;
            for (; r + 4 <= rows; r += 4)
                for (int c = 0; c < evPad; c += Panel) AttentionTiles.PvTile4(s + r * BlockK, BlockK, nk, vb + c, ldv, o + r * evPad + c, evPad);
            for (; r < rows; r++)
                for (int c = 0; c < evPad; c += Panel) AttentionTiles.PvTile1(s + r * BlockK, nk, vb + c, ldv, o + r * evPad + c);
        }
        float empty = p.ZeroMaskedRows ? 0f : float.NaN;
        for (int r = 0; r < rows; r++)
        {
            float* d = dst + b * g.DB + h * g.DH + (i0 + r) * g.DL;
            if (l[r] == 0) new Span<float>(d, g.Ev).Fill(empty);
            else AttentionRowOps.ScaleInto(o + r * evPad, d, g.Ev, 1f / l[r]);
        }
    }

    /// <summary>Per-thread buffers: packed Kᵀ (a whole head when it fits), the score tile, O, m, ℓ and padded V rows.</summary>
    private struct Workspace : IDisposable
    {
        private readonly float* _mem;
        private readonly float* _kt;
        private readonly float* _vp;
        private readonly bool _wholeHead;
        private readonly int _e, _ev;
        private long _head = -1;
        private int _packedBlocks;

        public Workspace(in AttentionGeometry g)
        {
            _e = g.E;
            _ev = g.Ev;
            EvPad = RoundUp(Math.Max(g.Ev, 1), Panel);
            int headCols = RoundUp(Math.Max(g.S, 1), Panel);
            _wholeHead = (long)g.E * headCols <= HeadCacheFloats;
            Ldt = _wholeHead ? headCols : BlockK;
            bool packV = g.Ev % Panel != 0;
            long kt = (long)Math.Max(g.E, 1) * Ldt, scores = (long)BlockQ * BlockK, o = (long)BlockQ * EvPad, vp = packV ? (long)BlockK * EvPad : 0;
            long total = kt + scores + o + 2 * BlockQ + vp;
            _mem = (float*)NativeMemory.AlignedAlloc((nuint)(total * sizeof(float)), 64);
            _kt = _mem;
            Scores = _kt + kt;
            Out = Scores + scores;
            Max = Out + o;
            Sum = Max + BlockQ;
            _vp = packV ? Sum + BlockQ : null;
        }

        public int EvPad { get; }
        public int Ldt { get; }
        public float* Scores { get; }
        public float* Out { get; }
        public float* Max { get; }
        public float* Sum { get; }

        /// <summary>Keeps the packed keys when the next block reads the same (batch, kv head).</summary>
        public void SelectHead(long head)
        {
            if (head == _head) return;
            _head = head;
            _packedBlocks = 0;
        }

        /// <summary>Kᵀ of keys [j0, j0 + n) as a d-major panel with row stride <see cref="Ldt"/>.</summary>
        public float* PackedKeys(float* kHead, in AttentionGeometry g, int j0, int n)
        {
            int nPad = RoundUp(n, Panel);
            if (!_wholeHead)
            {
                AttentionTiles.PackTransposed(kHead + j0 * g.KS, g.KS, n, nPad, _e, _kt, Ldt);
                return _kt;
            }
            int block = j0 / BlockK;
            // blocks are requested in order, so a longer request (a later causal query block) extends the packed prefix
            for (; _packedBlocks <= block; _packedBlocks++)
            {
                int s0 = _packedBlocks * BlockK, len = Math.Min(BlockK, g.S - s0);
                AttentionTiles.PackTransposed(kHead + s0 * g.KS, g.KS, len, RoundUp(len, Panel), _e, _kt + s0, Ldt);
            }
            return _kt + j0;
        }

        /// <summary>Rows [j0, j0 + n) of V: in place when Ev is a multiple of 64, else copied zero-padded to <see cref="EvPad"/>.</summary>
        public float* Values(float* vHead, in AttentionGeometry g, int j0, int n, out long ldv)
        {
            if (_vp == null)
            {
                ldv = g.VS;
                return vHead + j0 * g.VS;
            }
            for (int j = 0; j < n; j++)
            {
                var dstRow = new Span<float>(_vp + (long)j * EvPad, EvPad);
                new ReadOnlySpan<float>(vHead + (j0 + j) * g.VS, _ev).CopyTo(dstRow);
                dstRow[_ev..].Clear();
            }
            ldv = EvPad;
            return _vp;
        }

        public readonly void Dispose() => NativeMemory.AlignedFree(_mem);
    }
}
