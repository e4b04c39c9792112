// Kernels of the fused transformer ops the compiler introduces (domain "deepseek", version 1): Gelu (Core's erf or tanh
// GELU), SkipLayerNorm (residual add + LayerNorm in one pass per row) and Attention (the FlashAttention-style Core kernel).
// Interpreter kernels go through the Core ops; static kernels are checked once per shape and call the backend directly.
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// deepseek::Gelu(X) {approximate = "none" | "tanh"}; deepseek::SkipLayerNorm(X, R, γ, β?) {epsilon} → Y [, X + R];
/// deepseek::Attention(Q, K, V, mask?) {scale, is_causal, zero_masked_rows, layout} with Q [B, H, L, E] or [H, L, E]
/// (layout "bhsd", the default) or [B, L, H, E] (layout "bshd", output [B, L, H, Ev] too), K/V sharing Q's layout with S
/// keys (K/V heads may divide Q's), a mask broadcasting to the [.., H, L, S] scores; see <see cref="Tensor.ScaledDotProductAttention"/>.
/// </summary>
[OpSet]
public static class TransformerOps
{
    /// <summary>Domain of the fused ops.</summary>
    public const string Domain = "deepseek";

    /// <summary>Adds the interpreter kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Register("Gelu", 1, ctx => One(ctx.Tensor(0).Gelu(Approximation(ctx.Node, ctx.Describe()))), Domain);
        r.Register("SkipLayerNorm", 1, SkipLayerNorm, Domain);
        r.Register("Attention", 1, Attention, Domain);
    }

    /// <summary>Adds the static kernels to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Register("Gelu", GeluStatic, Domain);
        r.Register("SkipLayerNorm", SkipLayerNormStatic, Domain);
        r.Register("Attention", AttentionStatic, Domain);
    }

    private static GeluApproximation Approximation(Node n, string who) => n.GetString("approximate", "none") switch
    {
        "none" => GeluApproximation.None,
        "tanh" => GeluApproximation.Tanh,
        var a => throw new ModelFormatException($"{who}: approximate must be \"none\" or \"tanh\", got \"{a}\"."),
    };

    private static bool NativeFloat(TensorMeta? m) => m is { DType: DType.F32 or DType.F64 };

    private static IStaticKernel? GeluStatic(StaticKernelRequest req)
    {
        if (!NativeFloat(req.Inputs[0])) return null;
        var op = Approximation(req.Node, req.Describe()) == GeluApproximation.Tanh ? UnaryOp.GeluTanh : UnaryOp.Gelu;
        return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Unary(op, ins[0]!, outs[0]), inPlaceInput: 0);
    }

    // ---- SkipLayerNorm ----

    private static RuntimeValue?[] SkipLayerNorm(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var skip = ctx.Tensor(1);
        var gamma = ctx.Tensor(2);
        var beta = ctx.OptionalTensor(3);
        CheckSkipLayerNorm(ctx.Describe(), Meta(x), Meta(skip), Meta(gamma), beta is null ? null : Meta(beta), skipMayBroadcast: true);
        double eps = ctx.Node.GetFloat("epsilon", 1e-5f);
        if (WantsSum(ctx.Node))
        {
            var (y, s) = x.SkipLayerNormWithSum(skip, gamma, beta, eps);
            return Many(y, s);
        }
        return One(x.SkipLayerNorm(skip, gamma, beta, eps));
    }

    private static bool WantsSum(Node n) => n.Outputs.Count > 1 && n.Outputs[1].Name.Length > 0;

    private static TensorMeta Meta(Tensor t) => new(t.DType, t.Shape);

    private static void CheckSkipLayerNorm(string who, TensorMeta x, TensorMeta skip, TensorMeta gamma, TensorMeta? beta, bool skipMayBroadcast)
    {
        if (x.Shape.Rank == 0) throw new ShapeMismatchException($"{who}: X must have at least one dim, got a scalar.");
        if (!skipMayBroadcast && skip.Shape != x.Shape || skip.Shape.Rank > x.Shape.Rank)
            throw new ShapeMismatchException($"{who}: R {skip} must have the shape of X {x}.");
        int k = x.Shape[x.Shape.Rank - 1];
        foreach (var (m, what) in new[] { ((TensorMeta?)gamma, "gamma"), (beta, "beta") })
            if (m is { } t && (t.Shape.Rank != 1 || t.Shape[0] != k || t.DType != x.DType))
                throw new ShapeMismatchException($"{who}: {what} must be {x.DType.Name()}[{k}] (the last dim of X {x}), got {t}.");
        if (skip.DType != x.DType) throw new DTypeMismatchException($"{who}: R {skip} must have the dtype of X {x}.");
    }

    private static IStaticKernel? SkipLayerNormStatic(StaticKernelRequest req)
    {
        if (req.Inputs.Count < 3 || req.Inputs[0] is not { } x || req.Inputs[1] is not { } skip || req.Inputs[2] is not { } gamma) return null;
        var beta = req.Inputs.Count > 3 ? req.Inputs[3] : null;
        if (!NativeFloat(x) || skip.Shape != x.Shape) return null; // broadcast residuals run in the interpreter
        CheckSkipLayerNorm(req.Describe(), x, skip, gamma, beta, skipMayBroadcast: false);
        double eps = req.Node.GetFloat("epsilon", 1e-5f);
        bool sum = WantsSum(req.Node);
        return new DelegateStaticKernel((ins, outs) =>
            outs[0].Backend.SkipLayerNorm(ins[0]!, ins[1]!, ins[2], ins.Length > 3 ? ins[3] : null, eps, outs[0], sum ? outs[1] : null));
    }

    // ---- Attention ----

    private static RuntimeValue?[] Attention(OpContext ctx)
    {
        var q = ctx.Tensor(0);
        var k = ctx.Tensor(1);
        var v = ctx.Tensor(2);
        var mask = ctx.OptionalTensor(3);
        var p = AttentionParamsOf(ctx.Describe(), ctx.Node, Meta(q), Meta(k), Meta(v), mask is null ? null : Meta(mask));
        if (!p.SequenceFirst) return One(Tensor.ScaledDotProductAttention(q, k, v, mask, p.Scale, p.IsCausal, p.ZeroMaskedRows));
        if (q.DType is DType.F32 or DType.F64 && (mask is null || mask.DType == q.DType))
        {
            // [B, L, H, E] in, [B, L, H, Ev] out: the kernel reads and writes this layout directly
            var y = Tensor.Empty(new Shape(q.Size(0), q.Size(1), q.Size(2), v.Size(3)), q.DType, q.Device);
            q.Backend.Attention(q, k, v, mask, p, y);
            return One(y);
        }
        using var r = Tensor.ScaledDotProductAttention(q.Transpose(1, 2), k.Transpose(1, 2), v.Transpose(1, 2), mask, p.Scale, p.IsCausal, p.ZeroMaskedRows);
        return One(r.Transpose(1, 2).Contiguous());
    }

    // Checks shapes and dtypes like the op would, but naming the node; returns the attributes.
    private static AttentionParams AttentionParamsOf(string who, Node n, TensorMeta q, TensorMeta k, TensorMeta v, TensorMeta? mask)
    {
        bool sequenceFirst = n.GetString("layout", "bhsd") switch
        {
            "bhsd" => false,
            "bshd" => true,
            var l => throw new ModelFormatException($"{who}: layout must be \"bhsd\" or \"bshd\", got \"{l}\"."),
        };
        int rank = q.Shape.Rank;
        string want = sequenceFirst ? "[B, L, H, E]" : "[B, H, L, E] or [H, L, E]";
        if (rank is not (3 or 4) || sequenceFirst && rank != 4 || k.Shape.Rank != rank || v.Shape.Rank != rank)
            throw new ShapeMismatchException($"{who}: Q, K and V must all be {want}, got Q {q}, K {k}, V {v}.");
        if (q.DType is not (DType.F32 or DType.F64 or DType.F16 or DType.BF16) || k.DType != q.DType || v.DType != q.DType)
            throw new DTypeMismatchException($"{who}: Q, K and V must share one floating dtype, got Q {q}, K {k}, V {v}.");
        // checked in the heads-first order [.., H, L, E]
        int[] Canonical(Shape s) => sequenceFirst ? [s[0], s[2], s[1], s[3]] : s.ToArray();
        var qs = Canonical(q.Shape);
        var ks = Canonical(k.Shape);
        var vs = Canonical(v.Shape);
        bool ok = ks[^1] == qs[^1] && vs[^2] == ks[^2];
        for (int d = 0; d < rank - 2; d++)
            ok &= vs[d] == ks[d] && (qs[d] == ks[d] || d == rank - 3 && ks[d] > 0 && qs[d] % ks[d] == 0);
        if (!ok)
            throw new ShapeMismatchException($"{who}: Q {q}, K {k} and V {v} ({want}) are inconsistent (K has Q's E, V has K's S, K/V heads must divide Q's).");
        if (mask is { } m)
        {
            var scores = new Shape([.. qs[..^1], ks[^2]]);
            bool fits;
            try { fits = m.Shape.Rank <= rank && Shape.Broadcast(scores, m.Shape, who) == scores; }
            catch (ShapeMismatchException) { fits = false; }
            if (!fits) throw new ShapeMismatchException($"{who}: mask {m} does not broadcast to the scores {scores} ([.., H, L, S]).");
            if (m.DType != q.DType && m.DType != DType.Bool)
                throw new DTypeMismatchException($"{who}: mask {m} must be additive ({q.DType.Name()}) or bool.");
        }
        double scale = n.Attributes.ContainsKey("scale") ? n.GetFloat("scale", 1) : 1 / Math.Sqrt(qs[^1]);
        return new AttentionParams(scale, n.GetInt("is_causal", 0) != 0, n.GetInt("zero_masked_rows", 0) != 0, sequenceFirst);
    }

    private static IStaticKernel? AttentionStatic(StaticKernelRequest req)
    {
        if (req.Inputs.Count < 3 || req.Inputs[0] is not { } q || req.Inputs[1] is not { } k || req.Inputs[2] is not { } v) return null;
        var mask = req.Inputs.Count > 3 ? req.Inputs[3] : null;
        var p = AttentionParamsOf(req.Describe(), req.Node, q, k, v, mask);
        if (!NativeFloat(q) || mask is { DType: DType.Bool }) return null; // half precision and bool masks run in the interpreter
        return new DelegateStaticKernel((ins, outs) =>
            outs[0].Backend.Attention(ins[0]!, ins[1]!, ins[2]!, ins.Length > 3 ? ins[3] : null, p, outs[0]));
    }
}
