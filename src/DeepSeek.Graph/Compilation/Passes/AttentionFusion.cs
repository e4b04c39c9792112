// Scaled dot-product attention (Vaswani et al. 2017) from its decomposition: softmax((Q·Kᵀ)·scale [+ mask]) · V over the
// last axis → deepseek::Attention(Q, K, V, mask?) {scale}, K untransposed. Scales may sit on Q, Kᵀ or the scores (SDPA
// exports scale Q and Kᵀ by d^−¼ each), masks are additive or a Where(cond, −∞, scores) fill; constant causal masks
// become is_causal, and Softmax → Where(IsNaN(p), 0, p) (exporters' guard for fully masked rows) becomes zero_masked_rows.
// Head-split transposes around the result fold into layout "bshd" (the kernel reads the strided heads in place).
using static DeepSeek.Graph.Compilation.Passes.TransformerMatch;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>"attention-fusion": MatMul → scale → mask → Softmax → MatMul becomes one <c>deepseek::Attention</c> node.</summary>
public sealed class AttentionFusion : AnchoredRewritePass
{
    /// <inheritdoc/>
    public override string Name => "attention-fusion";

    /// <inheritdoc/>
    private protected override bool IsAnchor(Node node) => node.Is("Softmax");

    /// <summary>Q·Kᵀ with the scale factors folded from around it.</summary>
    private sealed record Scores(Value Q, Value KT, Node KTReader, Node MatMul, double Scale, List<Node> Nodes);

    private protected override bool TryFuse(Graph graph, UseMap uses, Node softmax, PassContext context)
    {
        var s = softmax.Inputs[0];
        if (s is null || !uses.OnlyFeeds(s, softmax)) return false;
        if (!IsLastAxis(softmax.GetInt("axis", graph.OpsetFor("") >= 13 ? -1 : 1), s)) return false;
        var matched = new List<Node> { softmax };

        // scores [+ mask]
        Scores? scores = null;
        Value? additive = null;
        (Value Cond, double Fill, bool FillWhenTrue)? fill = null;
        if (s.Producer is { } add && add.Is("Add") && add.Inputs.Count == 2)
        {
            foreach (var (a, b) in new[] { (add.Inputs[0], add.Inputs[1]), (add.Inputs[1], add.Inputs[0]) })
                if (a is not null && b is not null && a != b && uses.OnlyFeeds(a, add) && MatchScores(uses, a, add) is { } sc)
                {
                    (scores, additive) = (sc, b);
                    matched.Add(add);
                    break;
                }
        }
        else if (s.Producer is { } where && where.Is("Where") && where.Inputs.Count == 3 && where.Inputs[0] is { } cond)
        {
            foreach (var (keep, other, whenTrue) in new[] { (where.Inputs[2], where.Inputs[1], true), (where.Inputs[1], where.Inputs[2], false) })
                if (keep is not null && IsMaskFill(other, out double f) && uses.OnlyFeeds(keep, where) && MatchScores(uses, keep, where) is { } sc)
                {
                    (scores, fill) = (sc, (cond, f, whenTrue));
                    matched.Add(where);
                    break;
                }
        }
        scores ??= MatchScores(uses, s, softmax);
        if (scores is null) return false;
        matched.AddRange(scores.Nodes);

        // softmax → [Where(IsNaN(p), 0, p)] → MatMul(p, V)
        var p = softmax.Outputs[0];
        var readers = uses.Readers(p);
        if (uses.IsOutput(p)) return false;
        bool zeroRows = false;
        Node? final = null;
        if (readers is [var mm] && mm.Is("MatMul") && mm.Inputs[0] == p && mm.Inputs[1] != p) final = mm;
        else if (readers.Count == 2 && readers.FirstOrDefault(n => n.Is("IsNaN")) is { } isNaN && readers.FirstOrDefault(n => n.Is("Where")) is { } guard
            && guard.Inputs[0] == isNaN.Outputs[0] && IsScalar(guard.Inputs[1], 0, 0) && guard.Inputs[2] == p && uses.OnlyFeeds(isNaN.Outputs[0], guard)
            && uses.OnlyReader(guard.Outputs[0]) is { } mm2 && mm2.Is("MatMul") && mm2.Inputs[0] == guard.Outputs[0])
        {
            final = mm2;
            zeroRows = true;
            matched.AddRange([isNaN, guard]);
        }
        if (final?.Inputs[1] is not { } v) return false;
        matched.Add(final);

        int? rank = Rank(scores.Q) ?? Rank(scores.KT) ?? Rank(s) ?? Producer(scores.KT, "Transpose")?.GetInts("perm")?.Length;
        if (rank is not (3 or 4) || new[] { scores.Q, scores.KT, v }.Any(x => Rank(x) is int r && r != rank)) return false; // no MatMul broadcasting
        var dtype = ElementType(s) ?? ElementType(scores.Q);
        if (dtype is not (null or DType.F32 or DType.F64)) return false;
        if (additive is not null && (Rank(additive) is int mr && mr > rank || ElementType(additive) is { } mt && mt != dtype && dtype is not null)) return false;

        var rw = new FusionRewrite(graph).Remove(matched);
        var k = ResolveKey(graph, uses, rw, scores, rank.Value);
        if (k is null || !ShapesConsistent(scores.Q, k, v, rank.Value))
        {
            rw.Abandon();
            return false;
        }
        var mask = additive ?? (fill is { } fl ? FillToAdditive(graph, rw, fl.Cond, fl.Fill, fl.FillWhenTrue, dtype ?? DType.F32) : null);
        bool causal = false;
        if (mask is not null && ConstantData(mask) is { } mc && ClassifyConstantMask(mc) is { } kind)
        {
            causal = kind == MaskKind.Causal;
            mask = null; // the all-zero or causal constant is no longer read
        }
        var attrs = new List<(string, AttributeValue)> { ("scale", AttributeValue.Of((float)scores.Scale)) };
        if (causal) attrs.Add(("is_causal", AttributeValue.Of(1L)));
        if (zeroRows) attrs.Add(("zero_masked_rows", AttributeValue.Of(1L)));
        Value?[] inputs = mask is null ? [scores.Q, k, v] : [scores.Q, k, v, mask];
        if (rw.Apply(uses, "Attention", Domain, inputs, [final.Outputs[0]], [.. attrs]) is not { } fused) return false;
        ImportDomain(graph);
        bool folded = FoldHeadTransposes(graph, fused);
        context.Note(Name, $"{matched.Count} nodes → deepseek::Attention(%{scores.Q.Name}, %{k.Name}, %{v.Name}{(mask is null ? "" : ", %" + mask.Name)}) " +
            $"scale={scores.Scale:G6}{(causal ? " causal" : "")}{(zeroRows ? " zero_masked_rows" : "")}{(folded ? " layout=bshd" : "")} → %{final.Outputs[0].Name}");
        return true;
    }

    // Q, K, V = Transpose(·, [0, 2, 1, 3]) of [B, S, H, D] tensors and an output read only by the same transpose back:
    // the node reads and writes the [B, S, H, D] layout itself (layout "bshd"), saving the four head-transpose copies.
    private static bool FoldHeadTransposes(Graph graph, Node attention)
    {
        var uses = new UseMap(graph);
        var sources = new Value[3];
        var transposes = new Node[3];
        for (int i = 0; i < 3; i++)
        {
            if (Producer(attention.Inputs[i], "Transpose") is not { } t || t.GetInts("perm") is not [0, 2, 1, 3] || t.Inputs[0] is not { } src) return false;
            (sources[i], transposes[i]) = (src, t);
        }
        var y = attention.Outputs[0];
        if (uses.OnlyReader(y) is not { } back || !back.Is("Transpose") || back.GetInts("perm") is not [0, 2, 1, 3]) return false;
        var rw = new FusionRewrite(graph).Remove(attention, back);
        foreach (var t in transposes.Distinct())
            if (!uses.IsOutput(t.Outputs[0]) && uses.Readers(t.Outputs[0]).All(r => r == attention)) rw.Remove(t);
        Value?[] inputs = [.. sources, .. attention.Inputs.Skip(3)];
        var attrs = attention.Attributes.Select(a => (a.Key, a.Value)).Append(("layout", AttributeValue.Of("bshd"))).ToArray();
        return rw.Apply(uses, "Attention", Domain, inputs, [back.Outputs[0]], attrs) is not null;
    }

    // v = [·c …] MatMul(Q [·c …], Kᵀ [·c …]) where each ·c is a Mul or Div by a constant scalar read by the chain only.
    private static Scores? MatchScores(UseMap uses, Value v, Node reader)
    {
        var nodes = new List<Node>();
        double scale = 1;
        var cur = v;
        while (cur.Producer is { } n && !n.Is("MatMul"))
        {
            if (!TryScaledBy(n, out var inner, out var f) || !uses.OnlyFeeds(inner, n)) return null;
            scale *= f;
            nodes.Add(n);
            cur = inner;
        }
        if (Producer(cur, "MatMul") is not { } mm || mm.Inputs[0] is not { } q || mm.Inputs[1] is not { } kt) return null;
        if (nodes.Count == 0 && !uses.OnlyFeeds(cur, reader)) return null;
        nodes.Add(mm);
        Node qReader = mm, kReader = mm;
        while (q.Producer is { } n && TryScaledBy(n, out var inner, out var f) && uses.OnlyFeeds(q, qReader))
        {
            scale *= f;
            nodes.Add(n);
            (q, qReader) = (inner, n);
        }
        while (kt.Producer is { } n && TryScaledBy(n, out var inner, out var f) && uses.OnlyFeeds(kt, kReader))
        {
            scale *= f;
            nodes.Add(n);
            (kt, kReader) = (inner, n);
        }
        return new Scores(q, kt, kReader, mm, scale, nodes);
    }

    // −∞, or a finite fill so negative that adding it to a score rounds to the fill (torch.finfo.min masks).
    private static bool IsMaskFill(Value? v, out double f) => TryScalar(v, out f) && f <= -1e30;

    // K [.., S, E] from Kᵀ: undo a Transpose (swap its last two perm entries), undo the Reshape/Transpose/Reshape that
    // torch.export emits for kᵀ, or transpose a plain Kᵀ.
    private static Value? ResolveKey(Graph graph, UseMap uses, FusionRewrite rw, Scores sc, int rank)
    {
        var kt = sc.KT;
        if (Producer(kt, "Transpose") is { } tr && tr.Inputs[0] is { } src)
        {
            var perm = tr.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
            if (perm.Length != rank) return null;
            var undo = (long[])perm.Clone();
            (undo[^1], undo[^2]) = (undo[^2], undo[^1]);
            if (uses.OnlyFeeds(kt, sc.KTReader)) rw.Remove(tr);
            return undo.Select((p, i) => p == i).All(b => b) ? src : rw.Helper("Transpose", [src], Permuted(src, undo), ("perm", AttributeValue.Of(undo)));
        }
        if (UnflattenedTranspose(uses, kt, sc.KTReader) is { } ex)
        {
            rw.Remove(ex.Nodes);
            if (StaticShape(ex.Source) is { } shape && shape.SequenceEqual(ex.Shape)) return ex.Source;
            var target = graph.AddConstant(graph.FreshName("k_shape"), Tensor.FromArray(ex.Shape, ex.Shape.Length));
            return rw.Helper("Reshape", [ex.Source, target], new TensorType(ElementType(ex.Source), ex.Shape.Select(d => Dim.Of(d)).ToArray()));
        }
        var swap = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        (swap[^1], swap[^2]) = (swap[^2], swap[^1]);
        return rw.Helper("Transpose", [kt], Permuted(kt, swap), ("perm", AttributeValue.Of(swap)));
    }

    // Reshape(Transpose(Reshape(k, [B·H, S, E]), [0, 2, 1]), [B, H, E, S]): k and [B, H, S, E].
    private static (Value Source, long[] Shape, Node[] Nodes)? UnflattenedTranspose(UseMap uses, Value kt, Node reader)
    {
        if (Producer(kt, "Reshape") is not { } r2 || Producer(r2.Inputs[0], "Transpose") is not { } t || Producer(t.Inputs[0], "Reshape") is not { } r1) return null;
        if (r1.Inputs[0] is not { } src || t.GetInts("perm") is not [0, 2, 1]) return null;
        if (ConstantData(r2.Inputs[1])?.ToArray<long>() is not [var b, var h, var e, var s] || ConstantData(r1.Inputs[1])?.ToArray<long>() is not [var bh, var s1, var e1]) return null;
        if (b <= 0 || h <= 0 || e <= 0 || s <= 0 || bh != b * h || s1 != s || e1 != e) return null;
        var nodes = new List<Node>();
        if (uses.OnlyFeeds(kt, reader))
        {
            nodes.Add(r2);
            if (uses.OnlyFeeds(r2.Inputs[0]!, r2))
            {
                nodes.Add(t);
                if (uses.OnlyFeeds(t.Inputs[0]!, t)) nodes.Add(r1);
            }
        }
        return (src, [b, h, s, e], nodes.ToArray());
    }

    private static TensorType? Permuted(Value v, long[] perm) =>
        (v.Type as TensorType)?.Shape is { } s && s.Count == perm.Length ? new TensorType(ElementType(v), perm.Select(p => s[(int)p]).ToArray()) : null;

    // With static shapes known: leading dims of K and V agree, and Q's agree with K's except heads that K's divide.
    private static bool ShapesConsistent(Value q, Value k, Value v, int rank)
    {
        if (StaticShape(q) is not { } qs || StaticShape(k) is not { } ks || StaticShape(v) is not { } vs) return true;
        if (qs.Length != rank || ks.Length != rank || vs.Length != rank || qs[^1] != ks[^1] || ks[^2] != vs[^2]) return false;
        for (int d = 0; d < rank - 2; d++)
            if (ks[d] != vs[d] || !(qs[d] == ks[d] || d == rank - 3 && ks[d] > 0 && qs[d] % ks[d] == 0)) return false;
        return true;
    }

    // Where(cond, fill, scores) as an additive mask: a folded constant when cond is constant, else Where(cond, fill, 0).
    private static Value FillToAdditive(Graph graph, FusionRewrite rw, Value cond, double fill, bool fillWhenTrue, DType dtype)
    {
        if (ConstantData(cond) is { DType: DType.Bool } c)
        {
            using var f = Tensor.Scalar(fill, dtype);
            using var z = Tensor.Scalar(0, dtype);
            return graph.AddConstant(graph.FreshName("attn_mask"), fillWhenTrue ? Tensor.Where(c, f, z) : Tensor.Where(c, z, f));
        }
        var fv = graph.AddConstant(graph.FreshName("attn_fill"), Tensor.Scalar(fill, dtype));
        var zv = graph.AddConstant(graph.FreshName("attn_zero"), Tensor.Scalar(0, dtype));
        return rw.Helper("Where", fillWhenTrue ? [cond, fv, zv] : [cond, zv, fv], new TensorType(dtype, (cond.Type as TensorType)?.Shape));
    }

    private enum MaskKind { Zero, Causal }

    // A constant [1 …, L, S] mask that adds nothing, or exactly the causal one (0 on and below the diagonal, −∞ above).
    private static MaskKind? ClassifyConstantMask(Tensor m)
    {
        var x = m.ToDoubleArray();
        if (x.All(e => e == 0)) return MaskKind.Zero;
        var dims = m.Shape.ToArray();
        if (dims.Length < 2 || dims[..^2].Any(d => d != 1)) return null;
        int l = dims[^2], s = dims[^1];
        if (l < 2 || s < 2) return null; // a broadcast row or column is not a causal mask
        for (int i = 0; i < l; i++)
            for (int j = 0; j < s; j++)
                if (j <= i ? x[i * s + j] != 0 : x[i * s + j] > -1e30) return null;
        return MaskKind.Causal;
    }
}
