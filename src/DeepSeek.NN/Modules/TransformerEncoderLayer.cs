namespace DeepSeek.NN;

/// <summary>Activation of the feed-forward block of a transformer layer.</summary>
public enum TransformerActivation
{
    /// <summary>max(x, 0) (torch's default).</summary>
    Relu,
    /// <summary>Exact GELU.</summary>
    Gelu,
}

/// <summary>
/// One transformer encoder layer (torch.nn.TransformerEncoderLayer) with torch's submodule names: self_attn, linear1,
/// dropout, linear2, norm1, norm2, dropout1, dropout2. Post-norm: x = norm1(x + sa(x)); x = norm2(x + ff(x)).
/// Pre-norm (normFirst): x = x + sa(norm1(x)); x = x + ff(norm2(x)). ff(x) = linear2(dropout(act(linear1(x)))).
/// </summary>
public sealed class TransformerEncoderLayer : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer; <paramref name="generator"/> seeds the initial weights and the dropout masks.</summary>
    public TransformerEncoderLayer(int dModel, int nHead, int dimFeedforward = 2048, double dropout = 0.1,
        TransformerActivation activation = TransformerActivation.Relu, double layerNormEps = 1e-5, bool batchFirst = false,
        bool normFirst = false, bool bias = true, Generator? generator = null, DType dtype = DType.F32)
    {
        (DModel, Activation, NormFirst, BatchFirst) = (dModel, activation, normFirst, batchFirst);
        SelfAttn = RegisterModule("self_attn", new MultiheadAttention(dModel, nHead, dropout, bias, batchFirst, generator, dtype));
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, bias, generator, dtype));
        DropoutFf = RegisterModule("dropout", new Dropout(dropout, generator));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, bias, generator, dtype));
        Norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps, true, bias, dtype));
        Norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps, true, bias, dtype));
        Dropout1 = RegisterModule("dropout1", new Dropout(dropout, generator));
        Dropout2 = RegisterModule("dropout2", new Dropout(dropout, generator));
    }

    /// <summary>Model width.</summary>
    public int DModel { get; }
    /// <summary>Feed-forward activation.</summary>
    public TransformerActivation Activation { get; }
    /// <summary>Whether layer norms come before the sublayers.</summary>
    public bool NormFirst { get; }
    /// <summary>Whether inputs are [N, L, E].</summary>
    public bool BatchFirst { get; }
    /// <summary>Self-attention ("self_attn").</summary>
    public MultiheadAttention SelfAttn { get; }
    /// <summary>First feed-forward projection ("linear1").</summary>
    public Linear Linear1 { get; }
    /// <summary>Dropout inside the feed-forward block ("dropout").</summary>
    public Dropout DropoutFf { get; }
    /// <summary>Second feed-forward projection ("linear2").</summary>
    public Linear Linear2 { get; }
    /// <summary>Norm around the attention block ("norm1").</summary>
    public LayerNorm Norm1 { get; }
    /// <summary>Norm around the feed-forward block ("norm2").</summary>
    public LayerNorm Norm2 { get; }
    /// <summary>Dropout after attention ("dropout1").</summary>
    public Dropout Dropout1 { get; }
    /// <summary>Dropout after the feed-forward block ("dropout2").</summary>
    public Dropout Dropout2 { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => Compute(input, null, null, false);

    /// <summary>Runs the layer with an attention mask ([L, S] or [N·H, L, S]; Bool true = blocked, or additive) and a key padding mask ([N, S], true = padding).</summary>
    public Tensor Forward(Tensor src, Tensor? srcMask, Tensor? srcKeyPaddingMask = null, bool isCausal = false)
    {
        using var name = EnterNameScope();
        using var scope = Tensor.NewScope();
        return scope.MoveToParent(Compute(src, srcMask, srcKeyPaddingMask, isCausal));
    }

    private Tensor Compute(Tensor x, Tensor? mask, Tensor? kpm, bool isCausal)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Size(-1) != DModel)
            throw new ShapeMismatchException($"TransformerEncoderLayer: input's last dim must be dModel={DModel}, got shape {x.Shape}.");
        if (NormFirst)
        {
            x = x + SelfAttention(Norm1.Forward(x), mask, kpm, isCausal);
            return x + FeedForward(Norm2.Forward(x));
        }
        x = Norm1.Forward(x + SelfAttention(x, mask, kpm, isCausal));
        return Norm2.Forward(x + FeedForward(x));
    }

    private Tensor SelfAttention(Tensor x, Tensor? mask, Tensor? kpm, bool isCausal) =>
        Dropout1.Forward(SelfAttn.Forward(x, x, x, kpm, needWeights: false, attnMask: mask, isCausal: isCausal).Output);

    private Tensor FeedForward(Tensor x)
    {
        var h = Linear1.Forward(x);
        h = Activation == TransformerActivation.Gelu ? h.Gelu() : h.Relu();
        return Dropout2.Forward(Linear2.Forward(DropoutFf.Forward(h)));
    }
}
