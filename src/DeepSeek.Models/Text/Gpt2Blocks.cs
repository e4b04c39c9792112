using DeepSeek.NN;

namespace DeepSeek.Models.Text;

/// <summary>
/// transformers' Conv1D (GPT-2's projection): y = x·W + b with W stored [in, out] — the transpose of
/// <see cref="Linear"/>'s layout — so checkpoints load without reshuffling.
/// </summary>
public sealed class Conv1D : Module<Tensor, Tensor>
{
    /// <summary>Creates W [in, out] ~ N(0, std²) and b = 0.</summary>
    public Conv1D(int inFeatures, int outFeatures, double std, Generator generator)
    {
        BertConfig.Positive(inFeatures, "Conv1D in_features");
        BertConfig.Positive(outFeatures, "Conv1D out_features");
        (InFeatures, OutFeatures) = (inFeatures, outFeatures);
        Weight = RegisterParameter("weight", Tensor.RandN(new Shape(inFeatures, outFeatures), generator, 0, std));
        Bias = RegisterParameter("bias", Tensor.Zeros(new Shape(outFeatures)));
    }

    /// <summary>Input size.</summary>
    public int InFeatures { get; }
    /// <summary>Output size.</summary>
    public int OutFeatures { get; }
    /// <summary>[in, out] weight.</summary>
    public Parameter Weight { get; }
    /// <summary>[out] bias.</summary>
    public Parameter Bias { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        if (input.Shape[-1] != InFeatures)
            throw new ShapeMismatchException($"Conv1D: input of shape {input.Shape} has {input.Shape[-1]} features in its last dim, expected {InFeatures}.");
        return input.MatMul(Weight) + Bias;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"nf={OutFeatures}, nx={InFeatures}";
}

/// <summary>Keys and values of earlier positions, per layer, for incremental decoding (<see cref="Gpt2LMHeadModel.Generate"/>).</summary>
public sealed class Gpt2KvCache : IDisposable
{
    private readonly Tensor?[] _keys, _values;

    /// <summary>An empty cache for <paramref name="layers"/> layers.</summary>
    public Gpt2KvCache(int layers) => (_keys, _values) = (new Tensor?[layers], new Tensor?[layers]);

    /// <summary>Positions already cached (the offset of the next token).</summary>
    public int Length { get; private set; }

    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        var (pk, pv) = (_keys[layer], _values[layer]);
        var nk = pk is null ? k.Contiguous() : Tensor.Concat([pk, k], 2);
        var nv = pv is null ? v.Contiguous() : Tensor.Concat([pv, v], 2);
        if (ReferenceEquals(nk, k)) nk = k.Clone();
        if (ReferenceEquals(nv, v)) nv = v.Clone();
        nk.DetachFromScope();
        nv.DetachFromScope();
        pk?.Dispose();
        pv?.Dispose();
        (_keys[layer], _values[layer]) = (nk, nv);
        return (nk, nv);
    }

    internal void Advance(int positions) => Length += positions;

    /// <summary>Frees the cached tensors.</summary>
    public void Dispose()
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
            _keys[i] = _values[i] = null;
        }
        Length = 0;
    }
}

/// <summary>Causal multi-head self-attention (transformers GPT2Attention): c_attn [E → 3E], c_proj [E → E].</summary>
public sealed class Gpt2Attention : Module
{
    private readonly int _heads, _layer;
    private readonly double _scale, _attnDrop;

    /// <summary>Creates the block for layer <paramref name="layerIndex"/> (c_proj uses σ/√(2·n_layer) as in transformers).</summary>
    public Gpt2Attention(Gpt2Config config, int layerIndex, Generator generator)
    {
        int e = config.NEmbd;
        (_heads, _layer, _attnDrop) = (config.NHead, layerIndex, config.AttnPdrop);
        double hd = e / config.NHead;
        _scale = (config.ScaleAttnWeights ? 1 / Math.Sqrt(hd) : 1) / (config.ScaleAttnByInverseLayerIdx ? layerIndex + 1 : 1);
        CAttn = RegisterModule("c_attn", new Conv1D(e, 3 * e, config.InitializerRange, generator));
        CProj = RegisterModule("c_proj", new Conv1D(e, e, config.InitializerRange / Math.Sqrt(2.0 * config.NLayer), generator));
        AttnDropout = RegisterModule("attn_dropout", new Dropout(config.AttnPdrop, generator));
        ResidDropout = RegisterModule("resid_dropout", new Dropout(config.ResidPdrop, generator));
    }

    /// <inheritdoc/>
    public override string TypeName => "GPT2Attention";
    /// <summary>Fused query/key/value projection.</summary>
    public Conv1D CAttn { get; }
    /// <summary>Output projection.</summary>
    public Conv1D CProj { get; }
    /// <summary>Dropout on the attention weights (training only).</summary>
    public Dropout AttnDropout { get; }
    /// <summary>Dropout on the output (training only).</summary>
    public Dropout ResidDropout { get; }

    /// <summary>[B, S, E] → [B, S, E]; with <paramref name="cache"/>, attends to the cached positions too and appends to it.</summary>
    public Tensor Forward(Tensor x, Gpt2KvCache? cache = null) => HfInit.Scoped(this, () =>
    {
        int b = x.Size(0), s = x.Size(1), e = x.Size(2), d = e / _heads;
        var qkv = CAttn.Forward(x);
        Tensor Heads(int i) => qkv.Narrow(2, i * e, e).Reshape(b, s, _heads, d).Transpose(1, 2);
        Tensor q = Heads(0), k = Heads(1), v = Heads(2);
        int past = cache?.Length ?? 0;
        if (cache is not null) (k, v) = cache.Append(_layer, k, v);
        double drop = Training ? _attnDrop : 0;
        Tensor ctx;
        if (past == 0) ctx = F.ScaledDotProductAttention(q, k, v, null, drop, isCausal: true, scale: _scale);
        else if (s == 1) ctx = F.ScaledDotProductAttention(q, k, v, null, drop, scale: _scale);
        else
        {
            // query i sits at position past + i and may see keys j ≤ past + i
            var rows = Tensor.Arange(s, DType.I64, x.Device).Add(past).Unsqueeze(1);
            var keep = Tensor.Arange(past + s, DType.I64, x.Device).Unsqueeze(0).Le(rows);
            ctx = F.ScaledDotProductAttention(q, k, v, keep, drop, scale: _scale);
        }
        return ResidDropout.Forward(CProj.Forward(ctx.Transpose(1, 2).Reshape(b, s, e)));
    });
}

/// <summary>The feed-forward block (transformers GPT2MLP): c_fc [E → inner], activation, c_proj [inner → E], dropout.</summary>
public sealed class Gpt2Mlp : Module<Tensor, Tensor>
{
    private readonly string _act;

    /// <summary>Creates the block.</summary>
    public Gpt2Mlp(Gpt2Config config, Generator generator)
    {
        _act = config.ActivationFunction;
        CFc = RegisterModule("c_fc", new Conv1D(config.NEmbd, config.InnerSize, config.InitializerRange, generator));
        CProj = RegisterModule("c_proj", new Conv1D(config.InnerSize, config.NEmbd, config.InitializerRange / Math.Sqrt(2.0 * config.NLayer), generator));
        Dropout = RegisterModule("dropout", new Dropout(config.ResidPdrop, generator));
    }

    /// <inheritdoc/>
    public override string TypeName => "GPT2MLP";
    /// <summary>Expansion.</summary>
    public Conv1D CFc { get; }
    /// <summary>Projection back to n_embd.</summary>
    public Conv1D CProj { get; }
    /// <summary>Dropout (training only).</summary>
    public Dropout Dropout { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => Dropout.Forward(CProj.Forward(HiddenActivation.Apply(_act, CFc.Forward(input))));
}

/// <summary>A pre-LayerNorm transformer block (transformers GPT2Block): x + attn(ln_1(x)), then + mlp(ln_2(·)).</summary>
public sealed class Gpt2Block : Module
{
    /// <summary>Creates block <paramref name="layerIndex"/>.</summary>
    public Gpt2Block(Gpt2Config config, int layerIndex, Generator generator)
    {
        Ln1 = RegisterModule("ln_1", new LayerNorm(config.NEmbd, config.LayerNormEpsilon));
        Attn = RegisterModule("attn", new Gpt2Attention(config, layerIndex, generator));
        Ln2 = RegisterModule("ln_2", new LayerNorm(config.NEmbd, config.LayerNormEpsilon));
        Mlp = RegisterModule("mlp", new Gpt2Mlp(config, generator));
    }

    /// <inheritdoc/>
    public override string TypeName => "GPT2Block";
    /// <summary>Pre-attention LayerNorm.</summary>
    public LayerNorm Ln1 { get; }
    /// <summary>Self-attention.</summary>
    public Gpt2Attention Attn { get; }
    /// <summary>Pre-MLP LayerNorm.</summary>
    public LayerNorm Ln2 { get; }
    /// <summary>Feed-forward block.</summary>
    public Gpt2Mlp Mlp { get; }

    /// <summary>[B, S, E] → [B, S, E].</summary>
    public Tensor Forward(Tensor x, Gpt2KvCache? cache = null) => HfInit.Scoped(this, () =>
    {
        var h = x + Attn.Forward(Ln1.Forward(x), cache);
        return h + Mlp.Forward(Ln2.Forward(h));
    });
}
