namespace DeepSeek.Models.Text;

/// <summary>
/// GPT-2 hyper-parameters with the Hugging Face transformers names (config.json keys in brackets) and defaults
/// (those of the 124M "gpt2" model). Read one with <see cref="Load"/>/<see cref="FromJson"/>.
/// </summary>
public sealed record Gpt2Config
{
    /// <summary>GPT-2 small: 12 layers, n_embd 768, 12 heads, 1024 positions, vocabulary 50257 (124,439,808 parameters, head tied).</summary>
    public static Gpt2Config Small => new();
    /// <summary>GPT-2 medium: 24 layers, n_embd 1024, 16 heads.</summary>
    public static Gpt2Config Medium => new() { NEmbd = 1024, NLayer = 24, NHead = 16 };

    /// <summary>Vocabulary size [vocab_size].</summary>
    public int VocabSize { get; init; } = 50257;
    /// <summary>Longest sequence [n_positions].</summary>
    public int NPositions { get; init; } = 1024;
    /// <summary>Model width [n_embd].</summary>
    public int NEmbd { get; init; } = 768;
    /// <summary>Transformer blocks [n_layer].</summary>
    public int NLayer { get; init; } = 12;
    /// <summary>Attention heads [n_head]; must divide <see cref="NEmbd"/>.</summary>
    public int NHead { get; init; } = 12;
    /// <summary>MLP width [n_inner]; null means 4·n_embd.</summary>
    public int? NInner { get; init; }
    /// <summary>MLP activation [activation_function]: "gelu_new" (tanh form, GPT-2's), "gelu", "relu", "silu", "tanh"….</summary>
    public string ActivationFunction { get; init; } = "gelu_new";
    /// <summary>LayerNorm epsilon [layer_norm_epsilon].</summary>
    public double LayerNormEpsilon { get; init; } = 1e-5;
    /// <summary>Dropout after the embeddings [embd_pdrop], training only.</summary>
    public double EmbdPdrop { get; init; } = 0.1;
    /// <summary>Dropout on attention weights [attn_pdrop], training only.</summary>
    public double AttnPdrop { get; init; } = 0.1;
    /// <summary>Dropout on residual branches [resid_pdrop], training only.</summary>
    public double ResidPdrop { get; init; } = 0.1;
    /// <summary>Standard deviation of the weight initialisation [initializer_range].</summary>
    public double InitializerRange { get; init; } = 0.02;
    /// <summary>Scale attention scores by 1/√head_dim [scale_attn_weights].</summary>
    public bool ScaleAttnWeights { get; init; } = true;
    /// <summary>Also scale the scores of layer i by 1/(i+1) [scale_attn_by_inverse_layer_idx].</summary>
    public bool ScaleAttnByInverseLayerIdx { get; init; }
    /// <summary>lm_head shares wte's weight [tie_word_embeddings].</summary>
    public bool TieWordEmbeddings { get; init; } = true;
    /// <summary>End-of-text token [eos_token_id], or null.</summary>
    public int? EosTokenId { get; init; } = 50256;

    /// <summary>The MLP width actually used (n_inner or 4·n_embd).</summary>
    public int InnerSize => NInner ?? 4 * NEmbd;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid value.</summary>
    public void Validate()
    {
        BertConfig.Positive(VocabSize, "vocab_size");
        BertConfig.Positive(NPositions, "n_positions");
        BertConfig.Positive(NEmbd, "n_embd");
        BertConfig.Positive(NLayer, "n_layer");
        BertConfig.Positive(NHead, "n_head");
        BertConfig.Positive(InnerSize, "n_inner");
        if (NEmbd % NHead != 0)
            throw new ArgumentException($"Gpt2Config: n_embd ({NEmbd}) must be a multiple of n_head ({NHead}).");
        if (!HiddenActivation.IsSupported(ActivationFunction))
            throw new ArgumentException($"Gpt2Config: activation_function '{ActivationFunction}' is not supported; expected one of {string.Join(", ", HiddenActivation.Supported)}.");
        if (!(LayerNormEpsilon > 0) || double.IsInfinity(LayerNormEpsilon))
            throw new ArgumentException($"Gpt2Config: layer_norm_epsilon must be a positive number, got {LayerNormEpsilon}.");
        BertConfig.Probability(EmbdPdrop, "embd_pdrop");
        BertConfig.Probability(AttnPdrop, "attn_pdrop");
        BertConfig.Probability(ResidPdrop, "resid_pdrop");
        if (!(InitializerRange >= 0) || double.IsInfinity(InitializerRange))
            throw new ArgumentException($"Gpt2Config: initializer_range must be ≥ 0, got {InitializerRange}.");
    }

    /// <summary>Number of parameters of a <see cref="Gpt2LMHeadModel"/> of this configuration (a tied head adds none).</summary>
    public long ParameterCount()
    {
        long e = NEmbd, i = InnerSize;
        long block = 4 * e + (e * 3 * e + 3 * e) + (e * e + e) + (e * i + i) + (i * e + e);
        return (long)VocabSize * e + (long)NPositions * e + NLayer * block + 2 * e + (TieWordEmbeddings ? 0 : (long)VocabSize * e);
    }

    /// <summary>Reads a config.json file; throws <see cref="ModelFormatException"/> naming the file for bad or unsupported settings.</summary>
    public static Gpt2Config Load(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>Parses config.json text (missing keys take the defaults); <paramref name="source"/> names it in errors.</summary>
    public static Gpt2Config FromJson(string json, string source = "config.json")
    {
        using var r = new HfConfigReader(json, source);
        var type = r.String("model_type", "gpt2");
        if (type != "gpt2")
            throw new ModelFormatException($"{source}: model_type is '{type}', expected 'gpt2'.");
        if (r.Bool("add_cross_attention", false))
            throw new ModelFormatException($"{source}: GPT-2 with cross-attention (add_cross_attention) is not supported.");
        var d = new Gpt2Config();
        var c = new Gpt2Config
        {
            VocabSize = r.Int("vocab_size", d.VocabSize),
            NPositions = r.Int("n_positions", d.NPositions),
            NEmbd = r.Int("n_embd", d.NEmbd),
            NLayer = r.Int("n_layer", d.NLayer),
            NHead = r.Int("n_head", d.NHead),
            NInner = r.IntOrNull("n_inner"),
            ActivationFunction = r.String("activation_function", d.ActivationFunction),
            LayerNormEpsilon = r.Double("layer_norm_epsilon", d.LayerNormEpsilon),
            EmbdPdrop = r.Double("embd_pdrop", d.EmbdPdrop),
            AttnPdrop = r.Double("attn_pdrop", d.AttnPdrop),
            ResidPdrop = r.Double("resid_pdrop", d.ResidPdrop),
            InitializerRange = r.Double("initializer_range", d.InitializerRange),
            ScaleAttnWeights = r.Bool("scale_attn_weights", d.ScaleAttnWeights),
            ScaleAttnByInverseLayerIdx = r.Bool("scale_attn_by_inverse_layer_idx", d.ScaleAttnByInverseLayerIdx),
            TieWordEmbeddings = r.Bool("tie_word_embeddings", d.TieWordEmbeddings),
            EosTokenId = r.Has("eos_token_id") ? r.IntOrNull("eos_token_id") : null,
        };
        try { c.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException($"{source}: {e.Message}", e); }
        return c;
    }

    /// <summary>config.json text in the Hugging Face layout (model_type "gpt2", architectures ["GPT2LMHeadModel"]).</summary>
    public string ToJson()
    {
        var o = new Dictionary<string, object?>
        {
            ["architectures"] = new[] { "GPT2LMHeadModel" }, ["model_type"] = "gpt2",
            ["vocab_size"] = VocabSize, ["n_positions"] = NPositions, ["n_embd"] = NEmbd, ["n_layer"] = NLayer,
            ["n_head"] = NHead, ["n_inner"] = NInner, ["activation_function"] = ActivationFunction,
            ["layer_norm_epsilon"] = LayerNormEpsilon, ["embd_pdrop"] = EmbdPdrop, ["attn_pdrop"] = AttnPdrop,
            ["resid_pdrop"] = ResidPdrop, ["initializer_range"] = InitializerRange, ["scale_attn_weights"] = ScaleAttnWeights,
            ["scale_attn_by_inverse_layer_idx"] = ScaleAttnByInverseLayerIdx, ["tie_word_embeddings"] = TieWordEmbeddings,
            ["eos_token_id"] = EosTokenId, ["bos_token_id"] = EosTokenId,
        };
        return System.Text.Json.JsonSerializer.Serialize(o, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
