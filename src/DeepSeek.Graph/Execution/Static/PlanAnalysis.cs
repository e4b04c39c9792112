// Which values a shape-specialised plan knows before running (constants and anything computed from constants and
// input shapes only: folded once, like constant folding with shapes as constants) and which have shapes that can change
// between runs (data-sized ops, shape inputs that depend on input data, and everything downstream of them).
namespace DeepSeek.Graph.Execution;

internal static class PlanAnalysis
{
    /// <summary>
    /// Flags per value: Known (foldable) and Dynamic (shape not fixed by the input shapes). Without a
    /// <paramref name="recording"/> every value is assumed to be a tensor (the optimistic first pass that decides
    /// what the recording run keeps).
    /// </summary>
    public static (bool[] Known, bool[] Dynamic) Run(GraphIndex index, Recording? recording)
    {
        int n = index.Values.Length;
        var known = new bool[n];
        var dynamic = new bool[n];
        foreach (var c in index.Graph.Constants)
            if (index.Of.TryGetValue(c, out var v)) known[v] = true;
        bool IsTensor(int v) => recording is null || recording.Metas[v] is not null;

        var nodes = index.Graph.Nodes;
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var ins = index.NodeInputs[i];
            bool dyn = ShapeDependence.IsDataSized(node);
            foreach (var v in ins) if (v >= 0 && (dynamic[v] || !IsTensor(v))) dyn = true;
            foreach (var v in index.OuterReads[i]) if (dynamic[v]) dyn = true;
            foreach (var k in ShapeDependence.ShapeInputsOf(node))
                if (k < ins.Length && ins[k] >= 0 && !known[ins[k]]) dyn = true;
            bool fold = !dyn && !ShapeDependence.IsRandom(node);
            for (int k = 0; k < ins.Length; k++)
                if (ins[k] >= 0 && !known[ins[k]] && !ShapeDependence.ReadsOnlyTypeOf(node, k)) fold = false;
            foreach (var o in index.NodeOutputs[i])
            {
                bool produced = recording is null || (recording.Produced[o] && IsTensor(o));
                known[o] = fold && produced;
                dynamic[o] = dyn || (recording is not null && recording.Produced[o] && !IsTensor(o));
            }
        }
        return (known, dynamic);
    }
}
