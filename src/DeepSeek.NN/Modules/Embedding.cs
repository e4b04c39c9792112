namespace DeepSeek.NN;

/// <summary>
/// A lookup table [numEmbeddings, embeddingDim] (torch.nn.Embedding), initialised N(0, 1). The optional padding row is
/// initialised to zero and receives no gradient from this layer (its lookups are served from a detached copy).
/// </summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the table; <paramref name="paddingIdx"/> may be negative (counted from the end).</summary>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, Generator? generator = null, DType dtype = DType.F32)
        : this(Init.Normal(Tensor.Empty(new Shape(numEmbeddings > 0 ? numEmbeddings : 1, embeddingDim > 0 ? embeddingDim : 1), dtype), 0, 1, generator),
              numEmbeddings, embeddingDim, paddingIdx, zeroPadding: true) { }

    private Embedding(Tensor weight, int numEmbeddings, int embeddingDim, int? paddingIdx, bool zeroPadding)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
        {
            weight.Dispose();
            throw new ArgumentException($"Embedding: sizes must be positive, got numEmbeddings={numEmbeddings}, embeddingDim={embeddingDim}.");
        }
        if (paddingIdx is int p)
        {
            if (p < -numEmbeddings || p >= numEmbeddings)
            {
                weight.Dispose();
                throw new ArgumentOutOfRangeException(nameof(paddingIdx), p, $"Embedding: paddingIdx must be in [-{numEmbeddings}, {numEmbeddings}), got {p}.");
            }
            PaddingIdx = p < 0 ? p + numEmbeddings : p;
            if (zeroPadding)
            {
                using var row = weight.Select(0, PaddingIdx.Value);
                Init.Zeros(row);
            }
        }
        (NumEmbeddings, EmbeddingDim) = (numEmbeddings, embeddingDim);
        Weight = RegisterParameter("weight", weight);
    }

    /// <summary>A layer over the given [num, dim] table (copied); <paramref name="freeze"/> turns its gradient off.</summary>
    public static Embedding FromPretrained(Tensor embeddings, bool freeze = true, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Rank != 2)
            throw new ShapeMismatchException($"Embedding.FromPretrained: embeddings must be 2-d [num, dim], got shape {embeddings.Shape}.");
        var e = new Embedding(embeddings.Detach().Clone(), embeddings.Size(0), embeddings.Size(1), paddingIdx, zeroPadding: false);
        e.Weight.RequiresGrad = !freeze;
        return e;
    }

    /// <summary>Rows in the table.</summary>
    public int NumEmbeddings { get; }
    /// <summary>Size of each row.</summary>
    public int EmbeddingDim { get; }
    /// <summary>The padding row (non-negative), or null.</summary>
    public int? PaddingIdx { get; }
    /// <summary>[num, dim] table.</summary>
    public Parameter Weight { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.DType is not (DType.I64 or DType.I32))
            throw new DTypeMismatchException($"Embedding: indices must be i64 or i32, got {input.DType.Name()} with shape {input.Shape}.");
        var y = Tensor.Embedding(input, Weight);
        if (PaddingIdx is not int p || !y.RequiresGrad) return y;
        var isPad = input.Eq(p).Unsqueeze(-1);
        var padRow = Weight.Data.Detach().Select(0, p);
        return Tensor.Where(isPad, padRow, y);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is int p ? $", padding_idx={p}" : "");
}
