using DeepSeek.NN;

namespace DeepSeek.Models.Text;

/// <summary>
/// A <see cref="BertModel"/> as a one-tensor module: token ids [B, S] → last hidden state [B, S, hidden] (no mask, no
/// pooler output), the shape tools such as the profiler, the benchmarks and <c>module.Compile()</c> take.
/// </summary>
public sealed class BertEncoderOnly : Module<Tensor, Tensor>
{
    private readonly BertModel _bert;

    /// <summary>Wraps <paramref name="bert"/> (registered as child "bert"; disposed with this module).</summary>
    public BertEncoderOnly(BertModel bert) => _bert = RegisterModule("bert", bert ?? throw new ArgumentNullException(nameof(bert)));

    /// <summary>The wrapped model.</summary>
    public BertModel Bert => _bert;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        var o = _bert.Forward(input);
        o.PoolerOutput?.Dispose();
        return o.LastHiddenState;
    }
}
