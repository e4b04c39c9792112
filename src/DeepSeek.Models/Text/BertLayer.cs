using DeepSeek.NN;

namespace DeepSeek.Models.Text;

/// <summary>Multi-head self-attention projections (transformers BertSelfAttention): query, key, value.</summary>
public sealed class BertSelfAttention : Module
{
    private readonly int _heads;
    private readonly double _dropout;

    /// <summary>Creates the three [hidden, hidden] projections.</summary>
    public BertSelfAttention(BertConfig config, Generator generator)
    {
        int h = config.HiddenSize;
        _heads = config.NumAttentionHeads;
        _dropout = config.AttentionProbsDropoutProb;
        Query = RegisterModule("query", HfInit.Linear(h, h, config.InitializerRange, generator));
        Key = RegisterModule("key", HfInit.Linear(h, h, config.InitializerRange, generator));
        Value = RegisterModule("value", HfInit.Linear(h, h, config.InitializerRange, generator));
    }

    /// <summary>Query projection.</summary>
    public Linear Query { get; }
    /// <summary>Key projection.</summary>
    public Linear Key { get; }
    /// <summary>Value projection.</summary>
    public Linear Value { get; }

    /// <summary>[B, S, hidden] with an optional additive mask broadcastable to [B, heads, S, S] → [B, S, hidden].</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask) => HfInit.Scoped(this, () =>
    {
        int b = hidden.Size(0), s = hidden.Size(1), h = hidden.Size(2), d = h / _heads;
        Tensor Heads(Linear proj) => proj.Forward(hidden).Reshape(b, s, _heads, d).Transpose(1, 2);
        var ctx = F.ScaledDotProductAttention(Heads(Query), Heads(Key), Heads(Value), additiveMask, Training ? _dropout : 0);
        return ctx.Transpose(1, 2).Reshape(b, s, h);
    });
}

/// <summary>A dense projection, dropout, residual add and LayerNorm (transformers BertSelfOutput / BertOutput).</summary>
public sealed class BertResidualOutput : Module
{
    private readonly string _typeName;

    /// <summary>Creates dense [inFeatures → hidden] and LayerNorm(hidden); <paramref name="typeName"/> is the name shown by ToString.</summary>
    public BertResidualOutput(int inFeatures, BertConfig config, Generator generator, string typeName = "BertOutput")
    {
        _typeName = typeName;
        Dense = RegisterModule("dense", HfInit.Linear(inFeatures, config.HiddenSize, config.InitializerRange, generator));
        LayerNorm = RegisterModule("LayerNorm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        Dropout = RegisterModule("dropout", new Dropout(config.HiddenDropoutProb, generator));
    }

    /// <inheritdoc/>
    public override string TypeName => _typeName;

    /// <summary>Output projection.</summary>
    public Linear Dense { get; }
    /// <summary>Post-residual normalisation.</summary>
    public LayerNorm LayerNorm { get; }
    /// <summary>Dropout (training only).</summary>
    public Dropout Dropout { get; }

    /// <summary>LayerNorm(dropout(dense(x)) + residual).</summary>
    public Tensor Forward(Tensor x, Tensor residual) =>
        HfInit.Scoped(this, () => LayerNorm.Forward(Dropout.Forward(Dense.Forward(x)) + residual));
}

/// <summary>Self-attention followed by its output block (transformers BertAttention: self, output).</summary>
public sealed class BertAttention : Module
{
    /// <summary>Creates the sub-blocks.</summary>
    public BertAttention(BertConfig config, Generator generator)
    {
        Self = RegisterModule("self", new BertSelfAttention(config, generator));
        Output = RegisterModule("output", new BertResidualOutput(config.HiddenSize, config, generator, "BertSelfOutput"));
    }

    /// <summary>Attention projections.</summary>
    public BertSelfAttention Self { get; }
    /// <summary>Output projection with residual and LayerNorm.</summary>
    public BertResidualOutput Output { get; }

    /// <summary>[B, S, hidden] → [B, S, hidden].</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask) =>
        HfInit.Scoped(this, () => Output.Forward(Self.Forward(hidden, additiveMask), hidden));
}

/// <summary>The feed-forward expansion (transformers BertIntermediate): dense [hidden → intermediate] and the activation.</summary>
public sealed class BertIntermediate : Module<Tensor, Tensor>
{
    private readonly string _act;

    /// <summary>Creates the expansion.</summary>
    public BertIntermediate(BertConfig config, Generator generator)
    {
        _act = config.HiddenAct;
        Dense = RegisterModule("dense", HfInit.Linear(config.HiddenSize, config.IntermediateSize, config.InitializerRange, generator));
    }

    /// <summary>Expansion projection.</summary>
    public Linear Dense { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => HiddenActivation.Apply(_act, Dense.Forward(input));

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"hidden_act={_act}";
}

/// <summary>One encoder layer (transformers BertLayer): attention, intermediate, output.</summary>
public sealed class BertLayer : Module
{
    /// <summary>Creates the layer.</summary>
    public BertLayer(BertConfig config, Generator generator)
    {
        Attention = RegisterModule("attention", new BertAttention(config, generator));
        Intermediate = RegisterModule("intermediate", new BertIntermediate(config, generator));
        Output = RegisterModule("output", new BertResidualOutput(config.IntermediateSize, config, generator));
    }

    /// <summary>Attention block.</summary>
    public BertAttention Attention { get; }
    /// <summary>Feed-forward expansion.</summary>
    public BertIntermediate Intermediate { get; }
    /// <summary>Feed-forward projection with residual and LayerNorm.</summary>
    public BertResidualOutput Output { get; }

    /// <summary>[B, S, hidden] → [B, S, hidden].</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask) => HfInit.Scoped(this, () =>
    {
        var a = Attention.Forward(hidden, additiveMask);
        return Output.Forward(Intermediate.Forward(a), a);
    });
}
