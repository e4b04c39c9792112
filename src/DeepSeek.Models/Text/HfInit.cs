using DeepSeek.NN;

namespace DeepSeek.Models.Text;

/// <summary>Hugging Face's _init_weights for the text models: weights N(0, σ²), biases 0, LayerNorm 1/0, padding row 0.</summary>
internal static class HfInit
{
    public static Linear Linear(int inFeatures, int outFeatures, double std, Generator g, bool bias = true)
    {
        var l = new Linear(inFeatures, outFeatures, bias, g);
        Init.Normal(l.Weight.Data, 0, std, g);
        if (l.Bias is not null) Init.Zeros(l.Bias.Data);
        return l;
    }

    public static Embedding Embedding(int num, int dim, double std, Generator g, int? paddingIdx = null)
    {
        // one draw from N(0, std²) (Embedding's own constructor would draw N(0, 1) first)
        using var table = Tensor.RandN(new Shape(num, dim), g, 0, std);
        var e = NN.Embedding.FromPretrained(table, freeze: false, paddingIdx);
        if (paddingIdx is int p)
        {
            using var row = e.Weight.Data.Select(0, p);
            Init.Zeros(row);
        }
        return e;
    }

    /// <summary>Runs <paramref name="body"/> inside <paramref name="owner"/>'s trace name scope and its own tensor scope.</summary>
    public static Tensor Scoped(NN.Module owner, Func<Tensor> body)
    {
        using var name = owner.EnterNameScope();
        return Scoped(body);
    }

    /// <summary>Runs <paramref name="body"/> in its own tensor scope and moves its result to the caller's scope.</summary>
    public static Tensor Scoped(Func<Tensor> body)
    {
        using var scope = Tensor.NewScope();
        var y = body();
        scope.MoveToParent(y);
        return y;
    }
}
