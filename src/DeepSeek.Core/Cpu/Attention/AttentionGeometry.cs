// Index arithmetic shared by the attention kernels: batch/head/row strides of q, k, v and dst (heads-first [B, H, L, E] or
// sequence-first [B, L, H, E]) and of the mask broadcast to [B, H, L, S] (NumPy rules: dims aligned on the right, size-1
// and missing dims get stride 0), so views, either layout and broadcast masks are used in place instead of being copied.
namespace DeepSeek.Backends.Cpu.Attention;

/// <summary>Sizes and element strides of one attention call (q, k, v have unit stride in their last dim).</summary>
internal readonly struct AttentionGeometry
{
    public readonly int B, H, Hk, L, S, E, Ev;
    public readonly long QB, QH, QL, KB, KH, KS, VB, VH, VS;
    public readonly long MB, MH, ML, MS;
    public readonly long DB, DH, DL;

    private AttentionGeometry(Tensor q, Tensor k, Tensor v, Tensor? mask, bool sequenceFirst)
    {
        bool four = q.Rank == 4;
        int o = four ? 1 : 0;
        // positions of the head and sequence dims
        int hd = sequenceFirst ? 2 : o, sd = sequenceFirst ? 1 : o + 1;
        B = four ? q.ShapeArray[0] : 1;
        H = q.ShapeArray[hd];
        Hk = k.ShapeArray[hd];
        L = q.ShapeArray[sd];
        E = q.ShapeArray[^1];
        S = k.ShapeArray[sd];
        Ev = v.ShapeArray[^1];
        (QB, QH, QL) = (four ? q.StridesArray[0] : 0, q.StridesArray[hd], q.StridesArray[sd]);
        (KB, KH, KS) = (four ? k.StridesArray[0] : 0, k.StridesArray[hd], k.StridesArray[sd]);
        (VB, VH, VS) = (four ? v.StridesArray[0] : 0, v.StridesArray[hd], v.StridesArray[sd]);
        (DB, DH, DL) = sequenceFirst ? ((long)L * H * Ev, (long)Ev, (long)H * Ev) : ((long)H * L * Ev, (long)L * Ev, (long)Ev);
        if (mask is null) return;
        // right-align the mask against [B, H, L, S] (rank-3 calls have no B)
        Span<long> st = stackalloc long[4];
        Span<int> want = [B, H, L, S];
        int first = four ? 0 : 1;
        for (int d = 3, m = mask.Rank - 1; d >= first; d--, m--)
        {
            if (m < 0) { st[d] = 0; continue; }
            int size = mask.ShapeArray[m];
            if (size == want[d]) st[d] = size == 1 ? 0 : mask.StridesArray[m];
            else if (size == 1) st[d] = 0;
            else throw new ShapeMismatchException($"Attention: mask {mask.Shape} does not broadcast to the scores [{B}, {H}, {L}, {S}].");
        }
        (MB, MH, ML, MS) = (st[0], st[1], st[2], st[3]);
    }

    /// <summary>The geometry of (q, k, v, mask); shapes were checked by the op layer, the mask's broadcast is checked here.</summary>
    public static AttentionGeometry Of(Tensor q, Tensor k, Tensor v, Tensor? mask, bool sequenceFirst)
    {
        if (q.Rank is not (3 or 4) || k.Rank != q.Rank || v.Rank != q.Rank || sequenceFirst && q.Rank != 4)
            throw new ShapeMismatchException($"Attention: q, k and v must all be {(sequenceFirst ? "[B, L, H, E]" : "[B, H, L, E] or [H, L, E]")}, got {q.Shape}, {k.Shape}, {v.Shape}.");
        if (mask is not null && mask.Rank > q.Rank)
            throw new ShapeMismatchException($"Attention: mask {mask.Shape} has more dims than q {q.Shape}.");
        return new AttentionGeometry(q, k, v, mask, sequenceFirst);
    }

    /// <summary>The kv head that query head <paramref name="h"/> reads (grouped-query attention).</summary>
    public int KvHead(int h) => h / (H / Hk);

    /// <summary>Last key index + 1 that query row <paramref name="i"/> may see.</summary>
    public int KeyEnd(int i, bool causal) => causal ? Math.Min(S, i + 1) : S;
}
