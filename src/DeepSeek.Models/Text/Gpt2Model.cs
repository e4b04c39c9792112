using DeepSeek.NN;

namespace DeepSeek.Models.Text;

/// <summary>
/// The GPT-2 transformer trunk (transformers GPT2Model): wte, wpe, drop, h.0 … h.N-1, ln_f. Returns the final
/// hidden states [B, S, n_embd].
/// </summary>
public sealed class Gpt2Model : Module
{
    private readonly List<Gpt2Block> _blocks = new();

    /// <summary>Creates the trunk with HF-style seeded initialisation.</summary>
    public Gpt2Model(Gpt2Config config, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        Wte = RegisterModule("wte", HfInit.Embedding(config.VocabSize, config.NEmbd, config.InitializerRange, generator));
        Wpe = RegisterModule("wpe", HfInit.Embedding(config.NPositions, config.NEmbd, config.InitializerRange, generator));
        Drop = RegisterModule("drop", new Dropout(config.EmbdPdrop, generator));
        var h = RegisterModule("h", new ModuleList());
        for (int i = 0; i < config.NLayer; i++)
        {
            var block = new Gpt2Block(config, i, generator);
            h.Add(block);
            _blocks.Add(block);
        }
        LnF = RegisterModule("ln_f", new LayerNorm(config.NEmbd, config.LayerNormEpsilon));
    }

    /// <inheritdoc/>
    public override string TypeName => "GPT2Model";
    /// <summary>The configuration.</summary>
    public Gpt2Config Config { get; }
    /// <summary>Token embeddings [vocab, n_embd] (also the tied output projection).</summary>
    public Embedding Wte { get; }
    /// <summary>Position embeddings [n_positions, n_embd].</summary>
    public Embedding Wpe { get; }
    /// <summary>Embedding dropout (training only).</summary>
    public Dropout Drop { get; }
    /// <summary>The transformer blocks.</summary>
    public IReadOnlyList<Gpt2Block> H => _blocks;
    /// <summary>Final LayerNorm.</summary>
    public LayerNorm LnF { get; }

    /// <summary>
    /// input_ids [B, S] (i64 or i32) → hidden states [B, S, n_embd]. With <paramref name="cache"/>, the tokens are
    /// positions cache.Length … cache.Length + S − 1, attend to the cached ones, and are appended to the cache.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Gpt2KvCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.Rank != 2 || inputIds.DType is not (DType.I64 or DType.I32))
            throw new ShapeMismatchException($"GPT2Model: input_ids must be [batch, seq] of i64 or i32, got {inputIds.DType.Name()} {inputIds.Shape}.");
        int past = cache?.Length ?? 0, s = inputIds.Size(1);
        if (s == 0 || past + s > Config.NPositions)
            throw new ShapeMismatchException($"GPT2Model: {past} cached + {s} new positions must be in [1, {Config.NPositions}] (n_positions).");
        return HfInit.Scoped(this, () =>
        {
            var positions = Tensor.Arange(past, past + s, 1, DType.I64, inputIds.Device);
            var x = Drop.Forward(Wte.Forward(inputIds) + Wpe.Forward(positions));
            foreach (var block in _blocks) x = block.Forward(x, cache);
            cache?.Advance(s);
            return LnF.Forward(x);
        });
    }
}
