// Residual add + LayerNorm (the post-LN transformer block, ONNX Runtime's SkipLayerNormalization fusion):
// LayerNormalization(Add(x, r)) over the last axis, x and r of one static shape → deepseek::SkipLayerNorm(x, r, γ, β);
// when the sum is read elsewhere (the next residual) it becomes the fused node's second output instead of blocking it.
using static DeepSeek.Graph.Compilation.Passes.TransformerMatch;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>"skip-layernorm-fusion": Add → LayerNormalization becomes one <c>deepseek::SkipLayerNorm</c> node.</summary>
public sealed class SkipLayerNormFusion : AnchoredRewritePass
{
    /// <inheritdoc/>
    public override string Name => "skip-layernorm-fusion";

    /// <inheritdoc/>
    private protected override bool IsAnchor(Node node) => node.Is("LayerNormalization");

    private protected override bool TryFuse(Graph graph, UseMap uses, Node ln, PassContext context)
    {
        if (ln.Inputs[0] is not { } sum || Producer(sum, "Add") is not { } add || ln.Inputs.Count < 2 || ln.Inputs[1] is not { } gamma) return false;
        if (!IsLastAxis(ln.GetInt("axis", -1), sum)) return false;
        // the mean / inverse-std outputs must be unused
        for (int i = 1; i < ln.Outputs.Count; i++)
            if (uses.IsUsed(ln.Outputs[i])) return false;
        if (add.Inputs[0] is not { } x || add.Inputs[1] is not { } r || !SameShape(x, r) || !FloatOrUnknown(x)) return false;
        if (Rank(gamma) is int gr && gr != 1) return false;
        var beta = ln.Inputs.Count > 2 ? ln.Inputs[2] : null;
        if (beta is not null && Rank(beta) is int br && br != 1) return false;
        bool sumUsed = uses.OnlyReader(sum) != ln;
        double eps = ln.GetFloat("epsilon", 1e-5f);
        var rw = new FusionRewrite(graph).Remove(add, ln);
        Value[] outputs = sumUsed ? [ln.Outputs[0], sum] : [ln.Outputs[0]];
        if (rw.Apply(uses, "SkipLayerNorm", Domain, [x, r, gamma, beta], outputs, ("epsilon", AttributeValue.Of((float)eps))) is null) return false;
        ImportDomain(graph);
        context.Note(Name, $"Add + LayerNormalization → deepseek::SkipLayerNorm(%{x.Name}, %{r.Name}) → %{outputs[0].Name}{(sumUsed ? $", sum %{sum.Name}" : "")}");
        return true;
    }
}
