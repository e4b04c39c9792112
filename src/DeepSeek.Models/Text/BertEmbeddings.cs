using DeepSeek.NN;

namespace DeepSeek.Models.Text;

/// <summary>
/// BERT's input embeddings (transformers BertEmbeddings): word + token-type + absolute position embeddings, then
/// LayerNorm and dropout. Parameters: word_embeddings, position_embeddings, token_type_embeddings, LayerNorm.
/// </summary>
public sealed class BertEmbeddings : Module
{
    private readonly Tensor _positionIds;

    /// <summary>Creates the embeddings with N(0, initializer_range²) tables (the padding row zero).</summary>
    public BertEmbeddings(BertConfig config, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(config);
        double std = config.InitializerRange;
        WordEmbeddings = RegisterModule("word_embeddings", HfInit.Embedding(config.VocabSize, config.HiddenSize, std, generator, config.PadTokenId));
        PositionEmbeddings = RegisterModule("position_embeddings", HfInit.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, std, generator));
        TokenTypeEmbeddings = RegisterModule("token_type_embeddings", HfInit.Embedding(config.TypeVocabSize, config.HiddenSize, std, generator));
        LayerNorm = RegisterModule("LayerNorm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        Dropout = RegisterModule("dropout", new Dropout(config.HiddenDropoutProb, generator));
        _positionIds = RegisterBuffer("position_ids", Tensor.Arange(config.MaxPositionEmbeddings), persistent: false)!;
    }

    /// <summary>[vocab_size, hidden] token table.</summary>
    public Embedding WordEmbeddings { get; }
    /// <summary>[max_position_embeddings, hidden] position table.</summary>
    public Embedding PositionEmbeddings { get; }
    /// <summary>[type_vocab_size, hidden] segment table.</summary>
    public Embedding TokenTypeEmbeddings { get; }
    /// <summary>Normalisation of the summed embeddings.</summary>
    public LayerNorm LayerNorm { get; }
    /// <summary>Dropout (training only).</summary>
    public Dropout Dropout { get; }

    /// <summary>input_ids and token_type_ids [B, S] (integers) → [B, S, hidden].</summary>
    public Tensor Forward(Tensor inputIds, Tensor tokenTypeIds) => HfInit.Scoped(this, () =>
    {
        int s = inputIds.Size(1);
        var positions = _positionIds.Narrow(0, 0, s);
        var x = WordEmbeddings.Forward(inputIds) + TokenTypeEmbeddings.Forward(tokenTypeIds);
        x = x + PositionEmbeddings.Forward(positions);
        return Dropout.Forward(LayerNorm.Forward(x));
    });
}
