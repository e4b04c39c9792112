// Dead-code elimination: one backward sweep over the topologically ordered nodes marks a node live when one of its
// outputs is live (a graph output or read by a live node — reads inside a live node's sub-graphs count as its own);
// everything else goes, sub-graph bodies included. ONNX inference ops have no side effects, so unused random ops go too.
namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>Removes nodes none of whose outputs reach a graph output, recursively inside sub-graphs ("dce", level 1).</summary>
public sealed class DeadCodeElimination : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "dce";

    /// <inheritdoc/>
    public int Level => 1;

    /// <inheritdoc/>
    public bool Run(Graph graph, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        int removed = Sweep(graph);
        if (removed > 0) context.Note(Name, $"removed {removed} dead node(s)");
        return removed > 0;
    }

    /// <summary>Removes the dead nodes of <paramref name="graph"/> and its sub-graphs; returns how many went.</summary>
    public static int Sweep(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var live = new HashSet<Value>(graph.Outputs);
        int removed = 0;
        for (int i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (!node.Outputs.Any(live.Contains))
            {
                graph.RemoveNode(node);
                PassKit.DisposeAttributes(node);
                removed++;
                continue;
            }
            // clean the bodies first so that what they no longer read does not keep outer nodes alive
            foreach (var sub in node.SubGraphs()) removed += Sweep(sub);
            foreach (var v in node.Inputs)
                if (v is not null) live.Add(v);
            foreach (var sub in node.SubGraphs())
                foreach (var v in sub.OuterReads()) live.Add(v);
        }
        if (removed > 0) graph.RemoveUnusedValues();
        return removed;
    }
}
