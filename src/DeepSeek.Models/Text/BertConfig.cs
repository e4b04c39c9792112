namespace DeepSeek.Models.Text;

/// <summary>
/// BERT hyper-parameters with the Hugging Face transformers names (config.json keys in brackets) and defaults
/// (those of bert-base-uncased). Read one with <see cref="Load"/>/<see cref="FromJson"/>.
/// </summary>
public sealed record BertConfig
{
    /// <summary>BERT-base: 12 layers, hidden 768, 12 heads, intermediate 3072, vocabulary 30522 (109,482,240 parameters with the pooler).</summary>
    public static BertConfig Base => new();

    /// <summary>BERT-large: 24 layers, hidden 1024, 16 heads, intermediate 4096.</summary>
    public static BertConfig Large => new() { HiddenSize = 1024, NumHiddenLayers = 24, NumAttentionHeads = 16, IntermediateSize = 4096 };

    /// <summary>Vocabulary size [vocab_size].</summary>
    public int VocabSize { get; init; } = 30522;
    /// <summary>Model width [hidden_size].</summary>
    public int HiddenSize { get; init; } = 768;
    /// <summary>Encoder layers [num_hidden_layers].</summary>
    public int NumHiddenLayers { get; init; } = 12;
    /// <summary>Attention heads per layer [num_attention_heads]; must divide <see cref="HiddenSize"/>.</summary>
    public int NumAttentionHeads { get; init; } = 12;
    /// <summary>Feed-forward width [intermediate_size].</summary>
    public int IntermediateSize { get; init; } = 3072;
    /// <summary>Feed-forward activation [hidden_act]: "gelu" (exact), "gelu_new"/"gelu_pytorch_tanh"/"gelu_fast" (tanh form), "relu", "silu", "tanh".</summary>
    public string HiddenAct { get; init; } = "gelu";
    /// <summary>Longest sequence [max_position_embeddings].</summary>
    public int MaxPositionEmbeddings { get; init; } = 512;
    /// <summary>Number of segment types [type_vocab_size].</summary>
    public int TypeVocabSize { get; init; } = 2;
    /// <summary>LayerNorm epsilon [layer_norm_eps].</summary>
    public double LayerNormEps { get; init; } = 1e-12;
    /// <summary>Dropout after embeddings and sub-layers, training only [hidden_dropout_prob].</summary>
    public double HiddenDropoutProb { get; init; } = 0.1;
    /// <summary>Dropout on attention weights, training only [attention_probs_dropout_prob].</summary>
    public double AttentionProbsDropoutProb { get; init; } = 0.1;
    /// <summary>Standard deviation of the N(0, σ²) weight initialisation [initializer_range].</summary>
    public double InitializerRange { get; init; } = 0.02;
    /// <summary>Padding token, whose embedding row starts at zero [pad_token_id].</summary>
    public int PadTokenId { get; init; } = 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid value.</summary>
    public void Validate()
    {
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        Positive(TypeVocabSize, "type_vocab_size");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"BertConfig: hidden_size ({HiddenSize}) must be a multiple of num_attention_heads ({NumAttentionHeads}).");
        if (!HiddenActivation.IsSupported(HiddenAct))
            throw new ArgumentException($"BertConfig: hidden_act '{HiddenAct}' is not supported; expected one of {string.Join(", ", HiddenActivation.Supported)}.");
        if (!(LayerNormEps > 0) || double.IsInfinity(LayerNormEps))
            throw new ArgumentException($"BertConfig: layer_norm_eps must be a positive number, got {LayerNormEps}.");
        Probability(HiddenDropoutProb, "hidden_dropout_prob");
        Probability(AttentionProbsDropoutProb, "attention_probs_dropout_prob");
        if (!(InitializerRange >= 0) || double.IsInfinity(InitializerRange))
            throw new ArgumentException($"BertConfig: initializer_range must be ≥ 0, got {InitializerRange}.");
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            throw new ArgumentException($"BertConfig: pad_token_id must be in [0, {VocabSize}), got {PadTokenId}.");
    }

    internal static void Positive(int v, string key)
    {
        if (v <= 0) throw new ArgumentException($"Config: {key} must be positive, got {v}.");
    }

    internal static void Probability(double p, string key)
    {
        if (!(p >= 0 && p < 1)) throw new ArgumentException($"Config: {key} must be in [0, 1), got {p}.");
    }

    /// <summary>Number of parameters a <see cref="BertModel"/> of this configuration has (with or without the pooler).</summary>
    public long ParameterCount(bool withPooler = true)
    {
        long h = HiddenSize, i = IntermediateSize;
        long embeddings = (VocabSize + MaxPositionEmbeddings + TypeVocabSize) * h + 2 * h;
        long attention = 4 * (h * h + h) + 2 * h;
        long ffn = (h * i + i) + (i * h + h) + 2 * h;
        return embeddings + NumHiddenLayers * (attention + ffn) + (withPooler ? h * h + h : 0);
    }

    /// <summary>Reads a config.json file; throws <see cref="ModelFormatException"/> naming the file for bad or unsupported settings.</summary>
    public static BertConfig Load(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>Parses config.json text (missing keys take the defaults); <paramref name="source"/> names it in errors.</summary>
    public static BertConfig FromJson(string json, string source = "config.json")
    {
        using var r = new HfConfigReader(json, source);
        var type = r.String("model_type", "bert");
        if (type != "bert")
            throw new ModelFormatException($"{source}: model_type is '{type}', expected 'bert'.");
        var posType = r.String("position_embedding_type", "absolute");
        if (posType != "absolute")
            throw new ModelFormatException($"{source}: position_embedding_type '{posType}' is not supported (only 'absolute').");
        if (r.Bool("is_decoder", false) || r.Bool("add_cross_attention", false))
            throw new ModelFormatException($"{source}: BERT as a decoder (is_decoder/add_cross_attention) is not supported.");
        var d = new BertConfig();
        var c = new BertConfig
        {
            VocabSize = r.Int("vocab_size", d.VocabSize),
            HiddenSize = r.Int("hidden_size", d.HiddenSize),
            NumHiddenLayers = r.Int("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = r.Int("num_attention_heads", d.NumAttentionHeads),
            IntermediateSize = r.Int("intermediate_size", d.IntermediateSize),
            HiddenAct = r.String("hidden_act", d.HiddenAct),
            MaxPositionEmbeddings = r.Int("max_position_embeddings", d.MaxPositionEmbeddings),
            TypeVocabSize = r.Int("type_vocab_size", d.TypeVocabSize),
            LayerNormEps = r.Double("layer_norm_eps", d.LayerNormEps),
            HiddenDropoutProb = r.Double("hidden_dropout_prob", d.HiddenDropoutProb),
            AttentionProbsDropoutProb = r.Double("attention_probs_dropout_prob", d.AttentionProbsDropoutProb),
            InitializerRange = r.Double("initializer_range", d.InitializerRange),
            PadTokenId = r.Int("pad_token_id", d.PadTokenId),
        };
        try { c.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException($"{source}: {e.Message}", e); }
        return c;
    }

    /// <summary>config.json text in the Hugging Face layout (model_type "bert", architectures ["BertModel"]).</summary>
    public string ToJson()
    {
        var o = new Dictionary<string, object>
        {
            ["architectures"] = new[] { "BertModel" }, ["model_type"] = "bert",
            ["vocab_size"] = VocabSize, ["hidden_size"] = HiddenSize, ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads, ["intermediate_size"] = IntermediateSize, ["hidden_act"] = HiddenAct,
            ["max_position_embeddings"] = MaxPositionEmbeddings, ["type_vocab_size"] = TypeVocabSize,
            ["layer_norm_eps"] = LayerNormEps, ["hidden_dropout_prob"] = HiddenDropoutProb,
            ["attention_probs_dropout_prob"] = AttentionProbsDropoutProb, ["initializer_range"] = InitializerRange,
            ["pad_token_id"] = PadTokenId, ["position_embedding_type"] = "absolute",
        };
        return System.Text.Json.JsonSerializer.Serialize(o, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
