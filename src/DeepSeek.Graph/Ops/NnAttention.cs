using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.NnHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX Attention (opset 23/24: 3-d or 4-d Q/K/V, GQA, past/present KV, bool or additive mask — a short mask is padded
/// with −∞ —, bottom-right aligned causal mask, nonpad_kv_seqlen, softcap, qk_matmul_output modes; fully masked rows give
/// zeros) and RotaryEmbedding (opset 23: interleaved or half-split, partial rotary dim, optional position_ids).
/// </summary>
[OpSet]
public static class NnAttention
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Attention", [23, 24], Attention);
        r.Register("RotaryEmbedding", [23], ctx => One(Rotary(ctx)));
    }

    // [B, S, H·hs] → [B, H, S, hs]; 4-d inputs pass through.
    private static Tensor Heads(OpContext ctx, Tensor t, long? heads, string what)
    {
        if (t.Rank == 4) return t;
        if (t.Rank != 3) throw new ShapeMismatchException($"{ctx.Describe()}: {what} must be 3-d or 4-d, got {t.Shape}.");
        if (heads is not long h || h <= 0 || t.Size(2) % h != 0)
            throw new ModelFormatException($"{ctx.Describe()}: 3-d {what} {t.Shape} needs a {(what == "Q" ? "q_num_heads" : "kv_num_heads")} attribute that divides its hidden size.");
        return t.Reshape(t.Size(0), t.Size(1), (int)h, t.Size(2) / (int)h).Permute(0, 2, 1, 3);
    }

    private static RuntimeValue?[] Attention(OpContext ctx)
    {
        var q0 = Float(ctx, ctx.Tensor(0));
        var n = ctx.Node;
        var q = Heads(ctx, q0, n.GetIntOrNull("q_num_heads"), "Q");
        var k = Heads(ctx, ctx.Tensor(1), n.GetIntOrNull("kv_num_heads"), "K");
        var v = Heads(ctx, ctx.Tensor(2), n.GetIntOrNull("kv_num_heads"), "V");
        var mask = ctx.OptionalTensor(3);
        int newLen = k.Size(2);
        if (ctx.OptionalTensor(4) is { } pk) k = Tensor.Concat([pk, k], 2);
        if (ctx.OptionalTensor(5) is { } pv) v = Tensor.Concat([pv, v], 2);
        var presentK = k;
        var presentV = v;
        int b = q.Size(0), hq = q.Size(1), sq = q.Size(2), hs = q.Size(3), hkv = k.Size(1), total = k.Size(2);
        if (k.Size(3) != hs || v.Size(1) != hkv || v.Size(2) != total || k.Size(0) != b || v.Size(0) != b || hkv == 0 || hq % hkv != 0)
            throw new ShapeMismatchException($"{ctx.Describe()}: Q {q.Shape}, K {k.Shape} and V {v.Shape} (in [B, heads, seq, head]) are inconsistent (query heads must be a multiple of KV heads).");
        var dt = q.DType is DType.F16 or DType.BF16 ? DType.F32 : q.DType;
        Tensor Group(Tensor t) => hq == hkv ? t : t.Unsqueeze(2).Expand(b, hkv, hq / hkv, t.Size(2), t.Size(3)).Reshape(b, hq, t.Size(2), t.Size(3));
        var kk = Group(k).To(dt);
        var vv = Group(v).To(dt);
        double scale = n.Attributes.ContainsKey("scale") ? n.GetFloat("scale", 0) : 1 / Math.Sqrt(hs);
        var qk = q.To(dt).Mul(scale).MatMul(kk.Transpose(2, 3)); // [B, Hq, Sq, T]

        // Additive bias: causal (bottom-right aligned), nonpad lengths and the mask.
        Tensor? bias = null;
        var ar = Tensor.Arange(total).Reshape(1, 1, 1, total);
        var qi = Tensor.Arange(sq).Reshape(1, 1, sq, 1);
        var nonpad = ctx.OptionalTensor(6);
        Tensor? valid = null; // bool [B or 1, 1, Sq or 1, T]
        if (nonpad is not null)
        {
            if (nonpad.Numel != b) throw new ShapeMismatchException($"{ctx.Describe()}: nonpad_kv_seqlen must hold {b} lengths, got {nonpad.Shape}.");
            var len = nonpad.To(DType.I64).Reshape(b, 1, 1, 1);
            valid = ar.Lt(len);
        }
        if (n.GetInt("is_causal", 0) != 0)
        {
            // Query i sees key j ≤ i + offset: offset = past length, or nonpad_kv_seqlen − Sq per batch when given.
            var offset = nonpad is null ? Tensor.Scalar(total - newLen, DType.I64) : nonpad.To(DType.I64).Reshape(b, 1, 1, 1).Sub(sq);
            var causal = ar.Le(qi.Add(offset));
            valid = valid is null ? causal : valid.LogicalAnd(causal);
        }
        if (valid is not null) bias = Tensor.Where(valid, 0.0, Tensor.Scalar(double.NegativeInfinity, dt));
        if (mask is not null)
        {
            var m = mask.DType == DType.Bool ? Tensor.Where(mask, 0.0, Tensor.Scalar(double.NegativeInfinity, dt)) : mask.To(dt);
            if (m.Size(-1) < total)
            {
                var pads = new int[2 * m.Rank];
                pads[1] = total - m.Size(-1);
                m = m.Pad(pads, Backends.PadMode.Constant, double.NegativeInfinity);
            }
            bias = bias is null ? m : bias.Add(m);
        }
        // Order as in the op's function body: scaled Q·Kᵀ → softcap → + bias → softmax.
        long mode = n.GetInt("qk_matmul_output_mode", 0);
        var scores = qk;
        double softcap = n.GetFloat("softcap", 0);
        if (softcap > 0) scores = scores.Div(softcap).Tanh().Mul(softcap);
        Tensor qkOut = mode switch { 0 => qk, 1 => scores, _ => qk };
        if (bias is not null) scores = scores.Add(bias);
        if (mode == 2) qkOut = scores;
        // Softmax with fully masked rows (max = −∞) giving zeros instead of NaN.
        var max = scores.Max(-1, keepDim: true);
        var safeMax = Tensor.Where(max.Eq(double.NegativeInfinity), 0.0, max);
        var e = scores.Sub(safeMax).Exp();
        var z = e.Sum(-1, keepDim: true);
        var p = e.Div(Tensor.Where(z.Eq(0), 1.0, z));
        if (mode == 3) qkOut = p;
        var y = p.MatMul(vv).To(q0.DType); // [B, Hq, Sq, hv]
        if (q0.Rank == 3) y = y.Permute(0, 2, 1, 3).Reshape(b, sq, -1);
        var outs = new List<Tensor> { y.Contiguous() };
        if (n.Outputs.Count > 1) outs.Add(presentK.Contiguous());
        if (n.Outputs.Count > 2) outs.Add(presentV.Contiguous());
        if (n.Outputs.Count > 3) outs.Add(qkOut.To(q0.DType));
        return Many(outs.ToArray());
    }

    private static Tensor Rotary(OpContext ctx)
    {
        var x0 = Float(ctx, ctx.Tensor(0));
        var cosCache = ctx.Tensor(1);
        var sinCache = ctx.Tensor(2);
        var pos = ctx.OptionalTensor(3);
        bool interleaved = ctx.Node.GetInt("interleaved", 0) != 0;
        // Work in [B, S, H, hs].
        Tensor x;
        if (x0.Rank == 4) x = x0.Permute(0, 2, 1, 3);
        else if (x0.Rank == 3)
        {
            long h = ctx.Node.GetInt("num_heads", 0);
            if (h <= 0 || x0.Size(2) % h != 0)
                throw new ModelFormatException($"{ctx.Describe()}: 3-d input {x0.Shape} needs a num_heads attribute that divides its hidden size.");
            x = x0.Reshape(x0.Size(0), x0.Size(1), (int)h, x0.Size(2) / (int)h);
        }
        else throw new ShapeMismatchException($"{ctx.Describe()}: input must be 3-d or 4-d, got {x0.Shape}.");
        int bsz = x.Size(0), s = x.Size(1), hs = x.Size(3);
        int rot = (int)ctx.Node.GetInt("rotary_embedding_dim", 0);
        if (rot == 0) rot = hs;
        if (rot > hs || rot % 2 != 0) throw new ModelFormatException($"{ctx.Describe()}: rotary_embedding_dim {rot} must be even and at most the head size {hs}.");
        int half = rot / 2;
        Tensor cos, sin;
        if (pos is not null)
        {
            var flat = pos.To(DType.I64).Reshape(-1);
            cos = cosCache.IndexSelect(0, flat).Reshape(pos.Size(0), pos.Size(1), -1);
            sin = sinCache.IndexSelect(0, flat).Reshape(pos.Size(0), pos.Size(1), -1);
        }
        else { cos = cosCache; sin = sinCache; }
        if (cos.Rank != 3 || cos.Size(-1) < half)
            throw new ShapeMismatchException($"{ctx.Describe()}: cos/sin caches give {cos.Shape}, expected [batch, seq, ≥ {half}].");
        var dt = x.DType is DType.F16 or DType.BF16 ? DType.F32 : x.DType;
        cos = cos.Narrow(2, 0, half).Unsqueeze(2).To(dt);
        sin = sin.Narrow(2, 0, half).Unsqueeze(2).To(dt);
        var xr = x.Narrow(3, 0, rot).To(dt);
        Tensor x1, x2;
        if (interleaved) { x1 = xr.Slice(3, 0, rot, 2); x2 = xr.Slice(3, 1, rot, 2); }
        else { x1 = xr.Narrow(3, 0, half); x2 = xr.Narrow(3, half, half); }
        var real = cos.Mul(x1).Sub(sin.Mul(x2));
        var imag = sin.Mul(x1).Add(cos.Mul(x2));
        var rotated = interleaved
            ? Tensor.Stack([real, imag], 4).Reshape(bsz, s, x.Size(2), rot)
            : Tensor.Concat([real, imag], 3);
        var y = rot == hs ? rotated : Tensor.Concat([rotated, x.Narrow(3, rot, hs - rot).To(dt)], 3);
        y = y.To(x0.DType);
        return x0.Rank == 4 ? y.Permute(0, 2, 1, 3).Contiguous() : y.Reshape(x0.Shape.ToArray());
    }
}
