using DeepSeek.NN;

namespace DeepSeek.Models.Text;

/// <summary>
/// GPT-2 with its language-model head (transformers GPT2LMHeadModel): transformer.* plus lm_head, whose weight is
/// tied to transformer.wte (logits = h·wteᵀ) unless the config unties it. Forward maps input_ids [B, S] to logits
/// [B, S, vocab]; <see cref="Generate"/> decodes greedily.
/// </summary>
public sealed class Gpt2LMHeadModel : Module<Tensor, Tensor>
{
    /// <summary>Builds the model with HF-style seeded initialisation (N(0, σ²), c_proj σ/√(2·n_layer), LayerNorm 1/0).</summary>
    public Gpt2LMHeadModel(Gpt2Config config, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var g = generator ?? Generator.Default;
        Transformer = RegisterModule("transformer", new Gpt2Model(config, g));
        if (!config.TieWordEmbeddings)
            LmHead = RegisterModule("lm_head", HfInit.Linear(config.NEmbd, config.VocabSize, config.InitializerRange, g, bias: false));
    }

    /// <inheritdoc/>
    public override string TypeName => "GPT2LMHeadModel";
    /// <summary>The configuration.</summary>
    public Gpt2Config Config { get; }
    /// <summary>The transformer trunk.</summary>
    public Gpt2Model Transformer { get; }
    /// <summary>The untied output projection, or null when lm_head is tied to wte.</summary>
    public Linear? LmHead { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => Logits(Transformer.Forward(input));

    /// <summary>Logits [B, S, vocab] for <paramref name="inputIds"/>, using and extending <paramref name="cache"/>.</summary>
    public Tensor Forward(Tensor inputIds, Gpt2KvCache cache) =>
        HfInit.Scoped(this, () => Logits(Transformer.Forward(inputIds, cache)));

    private Tensor Logits(Tensor hidden) => LmHead is not null ? LmHead.Forward(hidden) : hidden.MatMul(Transformer.Wte.Weight.Data.T);

    /// <summary>
    /// Greedy decoding: appends <paramref name="maxNewTokens"/> argmax tokens to <paramref name="inputIds"/> [B, S] and
    /// returns [B, S + maxNewTokens] (i64). <paramref name="useCache"/> keeps past keys/values so each step runs only
    /// the new token; without it every step re-runs the whole sequence (same result).
    /// </summary>
    public Tensor Generate(Tensor inputIds, int maxNewTokens, bool useCache = true)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (maxNewTokens < 0) throw new ArgumentException($"GPT2LMHeadModel.Generate: maxNewTokens must be ≥ 0, got {maxNewTokens}.", nameof(maxNewTokens));
        if (inputIds.Rank != 2 || inputIds.DType is not (DType.I64 or DType.I32))
            throw new ShapeMismatchException($"GPT2LMHeadModel.Generate: input_ids must be [batch, seq] of i64 or i32, got {inputIds.DType.Name()} {inputIds.Shape}.");
        if (inputIds.Size(1) + maxNewTokens > Config.NPositions)
            throw new ShapeMismatchException($"GPT2LMHeadModel.Generate: {inputIds.Size(1)} prompt + {maxNewTokens} new tokens exceed n_positions {Config.NPositions}.");
        using var noGrad = Tensor.NoGrad();
        using var cache = useCache ? new Gpt2KvCache(Config.NLayer) : null;
        using var scope = Tensor.NewScope();
        var ids = inputIds.To(DType.I64);
        var step = ids;
        for (int i = 0; i < maxNewTokens; i++)
        {
            using var stepScope = Tensor.NewScope();
            var logits = cache is null ? Forward(ids) : Forward(step, cache);
            var next = logits.Select(1, logits.Size(1) - 1).ArgMax(-1).Unsqueeze(1);
            ids = stepScope.MoveToParent(Tensor.Concat([ids, next], 1));
            step = stepScope.MoveToParent(next);
        }
        if (ReferenceEquals(ids, inputIds)) ids = ids.Clone();
        return scope.MoveToParent(ids);
    }

    /// <summary>Loads config.json + model.safetensors saved by transformers, in evaluation mode on the CPU.</summary>
    public static Gpt2LMHeadModel FromPretrained(string directory) => FromPretrained(directory, out _);

    /// <summary>
    /// Loads a transformers folder saved from GPT2LMHeadModel (keys "transformer.*", lm_head tied and usually absent) or
    /// from GPT2Model (bare keys "wte.weight", "h.0…"). The legacy attention buffers (attn.bias, attn.masked_bias) and a
    /// tied lm_head.weight are ignored; <paramref name="info"/> lists them.
    /// </summary>
    public static Gpt2LMHeadModel FromPretrained(string directory, out PretrainedLoadInfo info)
    {
        var config = Gpt2Config.Load(HfCheckpoint.ConfigPath(directory, "GPT2LMHeadModel"));
        var model = new Gpt2LMHeadModel(config, new Generator(0));
        try
        {
            bool bare;
            using (var file = NN.Serialization.SafeTensorsFile.Open(Path.Combine(directory, HfCheckpoint.WeightsFile)))
                bare = !file.Names.Any(n => n.StartsWith("transformer.", StringComparison.Ordinal)) && file.Names.Any(n => n.StartsWith("wte.", StringComparison.Ordinal));
            info = HfCheckpoint.Load(model, directory, "GPT2LMHeadModel", "",
                name =>
                {
                    if (name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal)) return null;
                    if (name.StartsWith("lm_head.", StringComparison.Ordinal)) return config.TieWordEmbeddings ? null : name;
                    return bare ? "transformer." + name : name;
                },
                _ => false);
            model.Eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes config.json and model.safetensors (transformers layout; a tied lm_head is not stored) into <paramref name="directory"/>.</summary>
    public void SavePretrained(string directory)
    {
        HfCheckpoint.Save(this, directory, Config.ToJson());
    }
}
