namespace DeepSeek.NN;

/// <summary>
/// Multi-head attention (torch.nn.MultiheadAttention, Vaswani et al. 2017 §3.2.2) with torch's parameter names:
/// in_proj_weight [3E, E] (Xavier uniform), in_proj_bias [3E] (zeros), out_proj.weight [E, E], out_proj.bias [E] (zeros).
/// Inputs are [L, N, E] (or [N, L, E] with batchFirst, or unbatched [L, E]). Returns the output and, when asked, the
/// attention weights averaged over heads [N, L, S] (or per head [N, H, L, S]).
/// </summary>
public sealed class MultiheadAttention : Module<(Tensor Query, Tensor Key, Tensor Value), (Tensor Output, Tensor? Weights)>
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer; <paramref name="generator"/> seeds the initial weights and the attention dropout.</summary>
    public MultiheadAttention(int embedDim, int numHeads, double dropout = 0, bool bias = true, bool batchFirst = false,
        Generator? generator = null, DType dtype = DType.F32)
    {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embedDim ({embedDim}) must be a positive multiple of numHeads ({numHeads}).");
        F.CheckProbability("MultiheadAttention", dropout);
        (EmbedDim, NumHeads, Dropout, BatchFirst) = (embedDim, numHeads, dropout, batchFirst);
        _generator = generator;
        var w = Tensor.Empty(new Shape(3 * embedDim, embedDim), dtype);
        Init.XavierUniform(w, generator: generator);
        InProjWeight = RegisterParameter("in_proj_weight", w);
        InProjBias = RegisterParameter("in_proj_bias", bias ? new Parameter(Tensor.Zeros(new Shape(3 * embedDim), dtype)) : null);
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, generator, dtype));
        if (OutProj.Bias is not null) Init.Zeros(OutProj.Bias);
    }

    /// <summary>Model width E.</summary>
    public int EmbedDim { get; }
    /// <summary>Number of heads H (each of width E/H).</summary>
    public int NumHeads { get; }
    /// <summary>Dropout probability on the attention weights (training only).</summary>
    public double Dropout { get; }
    /// <summary>Whether inputs are [N, L, E].</summary>
    public bool BatchFirst { get; }
    /// <summary>Stacked q, k, v projection [3E, E].</summary>
    public Parameter InProjWeight { get; }
    /// <summary>Stacked q, k, v bias [3E], or null.</summary>
    public Parameter? InProjBias { get; }
    /// <summary>Output projection.</summary>
    public Linear OutProj { get; }

    /// <inheritdoc/>
    protected override (Tensor Output, Tensor? Weights) OnForward((Tensor Query, Tensor Key, Tensor Value) x) =>
        Compute(x.Query, x.Key, x.Value, null, true, null, true, false);

    /// <summary>
    /// Attention with masks. <paramref name="keyPaddingMask"/> [N, S] (or [S] unbatched): Bool true = ignore that key, or
    /// additive float. <paramref name="attnMask"/> [L, S] or [N·H, L, S]: Bool true = not allowed to attend, or additive float.
    /// <paramref name="isCausal"/> without attnMask applies the causal mask. Weights are null unless <paramref name="needWeights"/>.
    /// </summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null,
        bool needWeights = true, Tensor? attnMask = null, bool averageAttnWeights = true, bool isCausal = false)
    {
        using var name = EnterNameScope();
        using var scope = Tensor.NewScope();
        var (o, w) = Compute(query, key, value, keyPaddingMask, needWeights, attnMask, averageAttnWeights, isCausal);
        scope.MoveToParent(o);
        if (w is not null) scope.MoveToParent(w);
        return (o, w);
    }

    private (Tensor Output, Tensor? Weights) Compute(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask,
        bool needWeights, Tensor? attnMask, bool averageAttnWeights, bool isCausal)
    {
        const string op = "MultiheadAttention";
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        bool unbatched = query.Rank == 2;
        int expectedRank = unbatched ? 2 : 3;
        if (query.Rank is not (2 or 3) || key.Rank != expectedRank || value.Rank != expectedRank)
            throw new ShapeMismatchException($"{op}: query, key and value must all be 3-d (batched) or 2-d (unbatched), got {query.Shape}, {key.Shape}, {value.Shape}.");
        if (query.Size(-1) != EmbedDim || key.Size(-1) != EmbedDim || value.Size(-1) != EmbedDim)
            throw new ShapeMismatchException($"{op}: the last dim of query, key and value must be embedDim={EmbedDim}, got {query.Shape}, {key.Shape}, {value.Shape}.");
        // to [L, N, E]
        Tensor q = query, k = key, v = value;
        if (unbatched) { q = q.Unsqueeze(1); k = k.Unsqueeze(1); v = v.Unsqueeze(1); }
        else if (BatchFirst) { q = q.Transpose(0, 1); k = k.Transpose(0, 1); v = v.Transpose(0, 1); }
        int l = q.Size(0), n = q.Size(1), s = k.Size(0), h = NumHeads, hd = EmbedDim / h;
        if (k.Size(1) != n || v.Size(1) != n || v.Size(0) != s)
            throw new ShapeMismatchException($"{op}: key and value must share batch size and sequence length (query {query.Shape}, key {key.Shape}, value {value.Shape}).");

        Tensor W(int i) => InProjWeight.Data.Narrow(0, (long)i * EmbedDim, EmbedDim);
        Tensor? B(int i) => InProjBias?.Data.Narrow(0, (long)i * EmbedDim, EmbedDim);
        Tensor Heads(Tensor t, int len) => t.Reshape(len, n, h, hd).Permute(1, 2, 0, 3); // [N, H, len, hd]
        var qh = Heads(Tensor.Linear(q, W(0), B(0)), l);
        var kh = Heads(Tensor.Linear(k, W(1), B(1)), s);
        var vh = Heads(Tensor.Linear(v, W(2), B(2)), s);

        var mask = BuildMask(op, attnMask, keyPaddingMask, isCausal, unbatched, n, l, s, q.DType, q.Device);
        var (attn, weights) = F.Attention(op, qh, kh, vh, mask, Training ? Dropout : 0, false, null, _generator);
        var merged = attn.Permute(2, 0, 1, 3).Reshape(l, n, EmbedDim);
        var output = OutProj.Forward(merged);
        if (unbatched) output = output.Squeeze(1);
        else if (BatchFirst) output = output.Transpose(0, 1);
        if (!needWeights) return (output, null);
        var w = averageAttnWeights ? weights.Mean(1) : weights;
        if (unbatched) w = w.Squeeze(0);
        return (output, w);
    }

    /// <summary>Combines the attention and key-padding masks into one additive [N or 1, H or 1, L, S] mask (or null).</summary>
    private Tensor? BuildMask(string op, Tensor? attnMask, Tensor? keyPaddingMask, bool isCausal, bool unbatched,
        int n, int l, int s, DType dtype, Device device)
    {
        Tensor? total = null;
        if (attnMask is not null)
        {
            Tensor m = attnMask.Rank switch
            {
                2 when attnMask.Size(0) == l && attnMask.Size(1) == s => attnMask,
                3 when attnMask.Size(0) == n * NumHeads && attnMask.Size(1) == l && attnMask.Size(2) == s => attnMask.Reshape(n, NumHeads, l, s),
                _ => throw new ShapeMismatchException($"{op}: attnMask must be [{l}, {s}] or [{n * NumHeads}, {l}, {s}] (N·H, L, S), got {attnMask.Shape}."),
            };
            total = Additive(op, m, dtype, "attnMask");
        }
        else if (isCausal)
        {
            var causal = Tensor.Full(new Shape(l, s), 1, DType.Bool, device).Triu(1);
            total = Additive(op, causal, dtype, "causal mask");
        }
        if (keyPaddingMask is not null)
        {
            var expected = unbatched ? new Shape(s) : new Shape(n, s);
            if (keyPaddingMask.Shape != expected)
                throw new ShapeMismatchException($"{op}: keyPaddingMask must be {expected} (batch, source length), got {keyPaddingMask.Shape}.");
            var kpm = Additive(op, unbatched ? keyPaddingMask.Unsqueeze(0) : keyPaddingMask, dtype, "keyPaddingMask").Reshape(n, 1, 1, s);
            total = total is null ? kpm : total + kpm;
        }
        return total;
    }

    private static Tensor Additive(string op, Tensor mask, DType dtype, string what)
    {
        if (mask.DType == DType.Bool)
        {
            using var zeros = Tensor.Zeros(mask.Shape, dtype, mask.Device);
            return zeros.MaskedFill(mask, double.NegativeInfinity);
        }
        if (mask.DType == dtype) return mask;
        throw new DTypeMismatchException($"{op}: {what} must be bool or {dtype.Name()} (additive), got {mask.DType.Name()}.");
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"embed_dim={EmbedDim}, num_heads={NumHeads}, dropout={Dropout}, batch_first={BatchFirst}";
}
