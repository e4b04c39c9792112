// Scaled dot-product attention (Vaswani et al. 2017, §3.2.1) as one fused kernel call for inference: the backend never
// materialises the [L, S] scores of all heads (FlashAttention, Dao et al. 2022). Recording autograd or a trace falls back
// to the composite MatMul → Mul → (mask) → Softmax → MatMul, whose pieces record themselves.
using DeepSeek.Backends;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// softmax(query·keyᵀ·scale + mask)·value, like torch.nn.functional.scaled_dot_product_attention (no dropout):
    /// query [..., H, L, E], key [..., Hk, S, E], value [..., Hk, S, Ev] → [..., H, L, Ev], where Hk divides H
    /// (grouped-query attention: query head h reads kv head h / (H / Hk)); other leading dims must match.
    /// <paramref name="attnMask"/> broadcasts to [..., H, L, S] and is Bool (true = take part, as torch) or additive (query's dtype).
    /// <paramref name="isCausal"/> lets query i see keys j ≤ i only (top-left aligned; combines with a mask).
    /// <paramref name="scale"/> defaults to 1/√E. A row with every key masked gives NaN (as softmax does), or zeros with
    /// <paramref name="zeroMaskedRows"/>. F16/BF16 compute in F32.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        double? scale = null, bool isCausal = false, bool zeroMaskedRows = false)
    {
        const string op = "ScaledDotProductAttention";
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        query.CheckAlive(op);
        OpChecks.Alive(op, key, value);
        OpChecks.Floating(op, query);
        foreach (var t in new[] { key, value })
        {
            OpChecks.SameDevice(op, query, t);
            OpChecks.SameDType(op, query, t);
        }
        int rank = query.Rank;
        if (rank < 2 || key.Rank != rank || value.Rank != rank)
            throw new ShapeMismatchException($"{op}: query, key and value need the same rank ≥ 2, got {query.Shape}, {key.Shape} and {value.Shape}.");
        int l = query.Size(-2), e = query.Size(-1), s = key.Size(-2);
        if (key.Size(-1) != e || value.Size(-2) != s)
            throw new ShapeMismatchException($"{op}: key must be [..., S, {e}] and value [..., S, Ev] with key's S, got query {query.Shape}, key {key.Shape}, value {value.Shape}.");
        for (int d = 0; d < rank - 2; d++)
        {
            int hq = query.Size(d), hk = key.Size(d);
            bool heads = d == rank - 3 && hk > 0 && hq % hk == 0;
            if ((hk != hq && !heads) || value.Size(d) != hk)
                throw new ShapeMismatchException($"{op}: leading dims of query {query.Shape}, key {key.Shape} and value {value.Shape} must match (key/value heads may divide the query heads).");
        }
        var outShape = query.ShapeArray[..^1].Append(value.Size(-1)).ToArray();
        var scoreShape = new Shape(query.ShapeArray[..^1].Append(s).ToArray());
        if (attnMask is not null)
        {
            attnMask.CheckAlive(op);
            OpChecks.SameDevice(op, query, attnMask);
            if (attnMask.DType != DType.Bool && attnMask.DType != query.DType)
                throw new DTypeMismatchException($"{op}: attnMask must be bool or {query.DType.Name()} (additive), got {attnMask.DType.Name()} with shape {attnMask.Shape}.");
            bool ok;
            try { ok = attnMask.Rank <= rank && Shape.Broadcast(scoreShape, attnMask.Shape, op) == scoreShape; }
            catch (ShapeMismatchException) { ok = false; }
            if (!ok) throw new ShapeMismatchException($"{op}: attnMask of shape {attnMask.Shape} does not broadcast to the attention scores {scoreShape}.");
        }
        double sc = scale ?? 1.0 / Math.Sqrt(e);
        if (Tracing.OpTrace.Current is not null || Autograd.GradMode.ShouldRecord([query, key, value, attnMask]))
            return CompositeAttention(query, key, value, attnMask, sc, isCausal, zeroMaskedRows);
        if (query.DType is DType.F16 or DType.BF16)
        {
            using var q32 = query.To(DType.F32);
            using var k32 = key.To(DType.F32);
            using var v32 = value.To(DType.F32);
            using var m32 = attnMask is null || attnMask.DType == DType.Bool ? null : attnMask.To(DType.F32);
            using var r32 = ScaledDotProductAttention(q32, k32, v32, m32 ?? attnMask, sc, isCausal, zeroMaskedRows);
            return r32.To(query.DType);
        }
        var dst = Empty(new Shape(outShape), query.DType, query.Device);
        if (dst.Numel == 0) return dst;
        using var negInf = attnMask is { DType: DType.Bool } ? Scalar(double.NegativeInfinity, query.DType, query.Device) : null;
        using var additive = negInf is null ? null : Where(attnMask!, 0.0, negInf);
        var mask = additive ?? attnMask;
        // the kernel takes [B, H, L, E] or [H, L, E]: fold extra leading dims into B, give 2-d inputs one head
        using var q4 = KernelView(query);
        using var k4 = KernelView(key);
        using var v4 = KernelView(value);
        using var d4 = KernelView(dst);
        using var m4 = mask is not null && rank > 4 ? mask.BroadcastTo(scoreShape).Reshape(q4.Size(0), q4.Size(1), l, s) : null;
        query.Backend.Attention(q4, k4, v4, m4 ?? mask, new AttentionParams(sc, isCausal, zeroMaskedRows), d4);
        return dst;
    }

    private static Tensor KernelView(Tensor t) => t.Rank switch
    {
        2 => t.Unsqueeze(0),
        3 or 4 => t.Detach(),
        _ => t.Reshape([-1, .. t.ShapeArray[^3..]]),
    };

    private static Tensor CompositeAttention(Tensor query, Tensor key, Tensor value, Tensor? mask, double scale, bool isCausal, bool zeroMaskedRows)
    {
        using var scope = NewScope();
        int rank = query.Rank;
        Tensor k = key, v = value;
        if (rank >= 3 && key.Size(-3) != query.Size(-3))
        {
            int groups = query.Size(-3) / key.Size(-3);
            Tensor Repeat(Tensor t)
            {
                var shape = t.ShapeArray;
                var expanded = shape[..^2].Append(groups).Concat(shape[^2..]).ToArray();
                return t.Unsqueeze(rank - 2).Expand(expanded).Reshape([.. shape[..^3], shape[^3] * groups, .. shape[^2..]]);
            }
            k = Repeat(key);
            v = Repeat(value);
        }
        var scores = query.MatMul(k.Transpose(-2, -1)).Mul(scale);
        if (isCausal)
        {
            var keep = Full(new Shape(query.Size(-2), key.Size(-2)), 1, DType.Bool, query.Device).Tril();
            scores = scores.MaskedFill(keep.LogicalNot(), double.NegativeInfinity);
        }
        if (mask is not null)
            scores = mask.DType == DType.Bool ? scores.MaskedFill(mask.LogicalNot(), double.NegativeInfinity) : scores.Add(mask);
        var p = scores.Softmax(-1);
        if (zeroMaskedRows) p = Where(p.Ne(p), 0.0, p);
        var y = p.MatMul(v);
        y.MoveToOuterScope();
        return y;
    }
}
