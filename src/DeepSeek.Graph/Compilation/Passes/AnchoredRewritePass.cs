// The loop every pattern pass shares: scan for an anchor node (Softmax for attention, Erf/Tanh for GELU, …), try to
// match and rewrite the pattern around it, and after each rewrite rescan with fresh use counts until nothing matches.
namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>Base of the pattern-fusion passes that anchor on one op type and rewrite until a fixed point.</summary>
public abstract class AnchoredRewritePass : IGraphPass
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public virtual int Level => 2;

    /// <summary>False when the pass cannot apply to <paramref name="graph"/> at all (e.g. its opset lacks the fused op).</summary>
    private protected virtual bool Applies(Graph graph) => true;

    /// <summary>True for nodes a match starts from.</summary>
    private protected abstract bool IsAnchor(Node node);

    /// <summary>Matches the pattern around <paramref name="anchor"/> and rewrites it; false leaves the graph untouched.</summary>
    private protected abstract bool TryFuse(Graph graph, UseMap uses, Node anchor, PassContext context);

    /// <inheritdoc/>
    public bool Run(Graph graph, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        if (!Applies(graph)) return false;
        int fused = 0;
        for (bool again = true; again;)
        {
            again = false;
            var uses = new UseMap(graph);
            foreach (var node in graph.Nodes)
            {
                if (!IsAnchor(node) || !TryFuse(graph, uses, node, context)) continue;
                fused++;
                again = true;
                break;
            }
        }
        return fused > 0;
    }
}
