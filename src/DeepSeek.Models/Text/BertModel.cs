using DeepSeek.NN;

namespace DeepSeek.Models.Text;

/// <summary>The outputs of <see cref="BertModel.Forward"/>; disposing it frees both tensors.</summary>
/// <param name="LastHiddenState">[B, S, hidden] states of the last encoder layer.</param>
/// <param name="PoolerOutput">[B, hidden] tanh(dense(first token)), or null for a model built without a pooler.</param>
public sealed record BertModelOutput(Tensor LastHiddenState, Tensor? PoolerOutput) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PoolerOutput?.Dispose();
    }
}

/// <summary>The stack of encoder layers (transformers BertEncoder: layer.0 … layer.N-1).</summary>
public sealed class BertEncoder : Module
{
    private readonly List<BertLayer> _layers = new();

    /// <summary>Creates num_hidden_layers layers.</summary>
    public BertEncoder(BertConfig config, Generator generator)
    {
        var list = RegisterModule("layer", new ModuleList());
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            var l = new BertLayer(config, generator);
            list.Add(l);
            _layers.Add(l);
        }
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<BertLayer> Layers => _layers;

    /// <summary>Runs every layer.</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask) => HfInit.Scoped(this, () =>
    {
        foreach (var l in _layers) hidden = l.Forward(hidden, additiveMask);
        return hidden;
    });
}

/// <summary>transformers BertPooler: tanh(dense(hidden[:, 0])).</summary>
public sealed class BertPooler : Module<Tensor, Tensor>
{
    /// <summary>Creates the [hidden, hidden] projection.</summary>
    public BertPooler(BertConfig config, Generator generator) =>
        Dense = RegisterModule("dense", HfInit.Linear(config.HiddenSize, config.HiddenSize, config.InitializerRange, generator));

    /// <summary>Projection of the first token.</summary>
    public Linear Dense { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => Dense.Forward(input.Select(1, 0)).Tanh();
}

/// <summary>
/// BERT encoder (Devlin et al. 2019) with the module tree and parameter names of transformers' BertModel
/// (embeddings, encoder.layer.N, pooler), so a <c>save_pretrained</c> folder loads with <see cref="FromPretrained(string)"/>.
/// </summary>
public sealed class BertModel : Module
{
    /// <summary>Builds the model with HF-style seeded initialisation: weights N(0, initializer_range²), biases 0, LayerNorm 1/0.</summary>
    public BertModel(BertConfig config, Generator? generator = null, bool addPoolingLayer = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var g = generator ?? Generator.Default;
        Embeddings = RegisterModule("embeddings", new BertEmbeddings(config, g));
        Encoder = RegisterModule("encoder", new BertEncoder(config, g));
        if (addPoolingLayer) Pooler = RegisterModule("pooler", new BertPooler(config, g));
    }

    /// <summary>The configuration the model was built with.</summary>
    public BertConfig Config { get; }
    /// <summary>Input embeddings.</summary>
    public BertEmbeddings Embeddings { get; }
    /// <summary>Encoder layers.</summary>
    public BertEncoder Encoder { get; }
    /// <summary>Pooler, or null when built without one.</summary>
    public BertPooler? Pooler { get; }

    /// <summary>
    /// Runs the encoder. <paramref name="inputIds"/> [B, S] (i64 or i32) with S ≤ max_position_embeddings;
    /// <paramref name="attentionMask"/> [B, S] (1 = attend, 0 = padding; any numeric or bool dtype) becomes the additive
    /// mask (1 − m)·float.MinValue as in transformers; <paramref name="tokenTypeIds"/> [B, S] defaults to zeros.
    /// </summary>
    public BertModelOutput Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var name = EnterNameScope();
        CheckInputs(inputIds, attentionMask, tokenTypeIds);
        using var scope = Tensor.NewScope();
        int b = inputIds.Size(0), s = inputIds.Size(1);
        var dtype = Embeddings.LayerNorm.Weight?.DType ?? DType.F32;
        tokenTypeIds ??= Tensor.Zeros(new Shape(b, s), DType.I64, inputIds.Device);
        Tensor? mask = null;
        if (attentionMask is not null)
            mask = ((attentionMask.To(dtype) - 1.0) * float.MaxValue).Reshape(b, 1, 1, s);
        var hidden = Encoder.Forward(Embeddings.Forward(inputIds, tokenTypeIds), mask);
        var pooled = Pooler?.Forward(hidden);
        scope.MoveToParent(hidden);
        if (pooled is not null) scope.MoveToParent(pooled);
        return new BertModelOutput(hidden, pooled);
    }

    private void CheckInputs(Tensor ids, Tensor? mask, Tensor? types)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Rank != 2 || ids.DType is not (DType.I64 or DType.I32))
            throw new ShapeMismatchException($"BertModel: input_ids must be [batch, seq] of i64 or i32, got {ids.DType.Name()} {ids.Shape}.");
        if (ids.Size(1) == 0 || ids.Size(1) > Config.MaxPositionEmbeddings)
            throw new ShapeMismatchException($"BertModel: sequence length {ids.Size(1)} must be in [1, {Config.MaxPositionEmbeddings}] (max_position_embeddings).");
        if (mask is not null && mask.Shape != ids.Shape)
            throw new ShapeMismatchException($"BertModel: attention_mask shape {mask.Shape} must equal input_ids shape {ids.Shape}.");
        if (types is not null && types.Shape != ids.Shape)
            throw new ShapeMismatchException($"BertModel: token_type_ids shape {types.Shape} must equal input_ids shape {ids.Shape}.");
        if (types is not null && types.DType is not (DType.I64 or DType.I32))
            throw new DTypeMismatchException($"BertModel: token_type_ids must be i64 or i32, got {types.DType.Name()}.");
    }

    /// <summary>Loads config.json + model.safetensors saved by transformers (BertModel or a task model such as BertForSequenceClassification), in evaluation mode on the CPU.</summary>
    public static BertModel FromPretrained(string directory) => FromPretrained(directory, out _);

    /// <summary>
    /// Loads a transformers folder. Keys may be bare (saved from BertModel) or prefixed "bert." (task models): the
    /// prefix is stripped and the heads are ignored; a missing pooler (masked-LM checkpoints) keeps its
    /// initialisation. <paramref name="info"/> lists what was ignored or missing.
    /// </summary>
    public static BertModel FromPretrained(string directory, out PretrainedLoadInfo info)
    {
        var config = BertConfig.Load(HfCheckpoint.ConfigPath(directory, "BertModel"));
        var model = new BertModel(config, new Generator(0));
        try
        {
            string prefix = "";
            using (var file = NN.Serialization.SafeTensorsFile.Open(Path.Combine(directory, HfCheckpoint.WeightsFile)))
                if (file.Names.Any(n => n.StartsWith("bert.", StringComparison.Ordinal))) prefix = "bert.";
            info = HfCheckpoint.Load(model, directory, "BertModel", prefix,
                name => prefix.Length == 0 ? name : name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : null,
                key => key.StartsWith("pooler.", StringComparison.Ordinal));
            model.Eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes config.json and model.safetensors (transformers layout, bare BertModel keys) into <paramref name="directory"/>.</summary>
    public void SavePretrained(string directory)
    {
        HfCheckpoint.Save(this, directory, Config.ToJson());
    }
}
