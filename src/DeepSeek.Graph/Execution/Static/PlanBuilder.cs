// Turns a graph plus example inputs into a PlanLayout: record concrete types, fold what the input shapes determine,
// classify every node (folded, alias view, prepared static kernel, interpreter fallback), then hand the arena values'
// lifetimes and in-place candidates to the MemoryPlanner.
using DeepSeek.Graph.Compilation;

namespace DeepSeek.Graph.Execution;

internal static class PlanBuilder
{
    private static readonly HashSet<string> ViewOps = new(StringComparer.Ordinal) { "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity" };

    public static (PlanLayout Layout, MemoryPlanReport Report) Build(Graph graph, IReadOnlyList<Tensor> inputs, StaticKernelRegistry kernels, OpRegistry fallback)
    {
        var index = new GraphIndex(graph);
        var interpreter = new Interpreter(fallback);
        interpreter.Check(graph);
        int n = index.Values.Length;

        var (candidates, _) = PlanAnalysis.Run(index, null);
        for (int v = 0; v < n; v++) candidates[v] &= index.Producer[v] >= 0;
        using var rec = RecordingRun.Run(index, inputs, interpreter, candidates);
        var (known, dynamic) = PlanAnalysis.Run(index, rec);

        var kinds = new ValueKind[n];
        var root = Enumerable.Range(0, n).ToArray();
        var constants = new Tensor?[n];
        var folded = new bool[n];
        foreach (var v in index.InputSlots) kinds[v] = ValueKind.Input;
        foreach (var c in graph.Constants)
            if (index.Of.TryGetValue(c, out var v) && kinds[v] != ValueKind.Input) { kinds[v] = ValueKind.Constant; constants[v] = c.Constant; }

        var stepKinds = new StepKind?[graph.Nodes.Count];
        var stepKernels = new IStaticKernel?[graph.Nodes.Count];
        int foldedNodes = 0;
        try
        {
            for (int i = 0; i < graph.Nodes.Count; i++)
            {
                var node = graph.Nodes[i];
                var outs = index.NodeOutputs[i];
                if (outs.Length > 0 && outs.All(o => known[o] && rec.Kept[o] is not null))
                {
                    foreach (var o in outs)
                    {
                        kinds[o] = ValueKind.Constant;
                        constants[o] = rec.Kept[o];
                        rec.Kept[o] = null;
                        folded[o] = true;
                    }
                    foldedNodes++;
                    continue;
                }
                if (IsView(index, rec, dynamic, i))
                {
                    int o = outs[0];
                    kinds[o] = ValueKind.Alias;
                    root[o] = root[index.NodeInputs[i][0]];
                    stepKinds[i] = StepKind.Alias;
                    continue;
                }
                if (Prepare(index, rec, dynamic, constants, kernels, i) is { } kernel)
                {
                    stepKernels[i] = kernel;
                    stepKinds[i] = StepKind.Static;
                    foreach (var o in outs) kinds[o] = ValueKind.Planned;
                    continue;
                }
                stepKinds[i] = StepKind.Fallback;
                foreach (var o in outs) kinds[o] = rec.Produced[o] ? ValueKind.Fallback : ValueKind.Absent;
            }
            // A graph output (or a view of one) must not live in the arena: its producer writes a pooled tensor instead.
            foreach (var o in index.OutputSlots)
                if (kinds[root[o]] == ValueKind.Planned) kinds[root[o]] = ValueKind.OutputOwned;

            var memory = PlanMemory(index, kinds, root, rec.Metas, stepKernels, out var offsets);
            var steps = MakeSteps(index, kinds, root, dynamic, stepKinds, stepKernels, interpreter, rec.Metas);
            var layout = new PlanLayout
            {
                Index = index, Kinds = kinds, Metas = rec.Metas, Root = root, Offsets = offsets, Constants = constants,
                Folded = folded, Steps = steps, Memory = memory, Interpreter = interpreter,
            };
            var report = new MemoryPlanReport(memory.ArenaBytes, memory.NaiveBytes, memory.PeakLiveBytes,
                kinds.Count(k => k == ValueKind.Planned), kinds.Count(k => k == ValueKind.Alias), memory.InPlaceReuses,
                steps.Where(s => s.Kind == StepKind.Fallback).Select(s => s.Node.OpType).ToArray(),
                steps.Count(s => s.Kind == StepKind.Static), foldedNodes);
            return (layout, report);
        }
        catch
        {
            foreach (var k in stepKernels) k?.Dispose();
            for (int v = 0; v < n; v++) if (folded[v]) constants[v]?.Dispose();
            throw;
        }
    }

    // A view op over a fixed-shape tensor whose result keeps the element type and count: the output is the input's
    // bytes read with another shape (planned values are contiguous, so no copy is ever needed for them).
    private static bool IsView(GraphIndex index, Recording rec, bool[] dynamic, int i)
    {
        var node = index.Graph.Nodes[i];
        if (!node.IsOnnx() || !ViewOps.Contains(node.OpType) || index.NodeOutputs[i].Length != 1) return false;
        var ins = index.NodeInputs[i];
        int o = index.NodeOutputs[i][0];
        if (ins.Length == 0 || ins[0] < 0 || dynamic[o] || dynamic[ins[0]]) return false;
        return rec.Metas[ins[0]] is { } a && rec.Metas[o] is { } b && a.DType == b.DType && a.Shape.Numel == b.Shape.Numel;
    }

    private static IStaticKernel? Prepare(GraphIndex index, Recording rec, bool[] dynamic, Tensor?[] constants, StaticKernelRegistry kernels, int i)
    {
        var node = index.Graph.Nodes[i];
        var ins = index.NodeInputs[i];
        var outs = index.NodeOutputs[i];
        if (ShapeDependence.IsDataSized(node) || !kernels.Has(node.Domain, node.OpType)) return null;
        var inMetas = new TensorMeta?[ins.Length];
        var inData = new Tensor?[ins.Length];
        for (int k = 0; k < ins.Length; k++)
        {
            if (ins[k] < 0) continue;
            if (rec.Metas[ins[k]] is not { } m || dynamic[ins[k]]) return null;
            inMetas[k] = m;
            inData[k] = constants[ins[k]];
        }
        var outMetas = new TensorMeta[outs.Length];
        for (int k = 0; k < outs.Length; k++)
        {
            if (rec.Metas[outs[k]] is not { } m || dynamic[outs[k]]) return null;
            outMetas[k] = m;
        }
        var request = new StaticKernelRequest(node, index.Graph.OpsetFor(node.Domain), inMetas, outMetas, inData);
        return kernels.TryCreate(request);
    }

    private static MemoryPlan PlanMemory(GraphIndex index, ValueKind[] kinds, int[] root, TensorMeta?[] metas, IStaticKernel?[] kernels, out long[] offsets)
    {
        int n = kinds.Length;
        var end = new int[n];
        for (int v = 0; v < n; v++) end[v] = index.LastStep(v);
        for (int v = 0; v < n; v++)
            if (kinds[v] == ValueKind.Alias) end[root[v]] = Math.Max(end[root[v]], end[v]);
        var slot = new int[n];
        Array.Fill(slot, -1);
        var values = new List<PlannerValue>();
        for (int v = 0; v < n; v++)
        {
            if (kinds[v] != ValueKind.Planned) continue;
            slot[v] = values.Count;
            values.Add(new PlannerValue(index.Values[v].Name, metas[v]!.Value.Bytes, index.Producer[v], end[v]));
        }
        var candidates = new List<InPlaceCandidate>();
        for (int i = 0; i < kernels.Length; i++)
        {
            if (kernels[i] is not { } k) continue;
            int at = k.InPlaceInput;
            var ins = index.NodeInputs[i];
            if (at < 0 || at >= ins.Length) continue;
            if (ins[at] < 0 || index.NodeOutputs[i].Length == 0) continue;
            int o = index.NodeOutputs[i][0], r = root[ins[at]];
            if (slot[o] < 0 || slot[r] < 0) continue;
            bool shared = false;
            for (int j = 0; j < ins.Length; j++) if (j != at && ins[j] >= 0 && root[ins[j]] == r) shared = true;
            if (!shared) candidates.Add(new InPlaceCandidate(slot[o], slot[r]));
        }
        var plan = MemoryPlanner.Plan(values, candidates);
        offsets = new long[n];
        for (int v = 0; v < n; v++)
        {
            int r = root[v];
            if (slot[r] >= 0) offsets[v] = plan.Offsets[slot[r]];
        }
        return plan;
    }

    // the cost model's FLOPs for a step with recorded types, else one per element moved; 0 when a type is unknown
    private static long StepFlops(Node node, int[] ins, int[] outs, TensorMeta?[] metas)
    {
        var i = ins.Select(v => v < 0 ? null : metas[v]).ToArray();
        var o = outs.Select(v => v < 0 ? null : metas[v]).ToArray();
        if (o.Any(m => m is null)) return 0;
        var cost = OpCost.Estimate(node, i, o);
        return cost.Flops ?? cost.Bytes / 4;
    }

    private static PlanStep[] MakeSteps(GraphIndex index, ValueKind[] kinds, int[] root, bool[] dynamic, StepKind?[] stepKinds,
        IStaticKernel?[] kernels, Interpreter interpreter, TensorMeta?[] metas)
    {
        var graph = index.Graph;
        // nodes that do work per run (views of arena values are made once per instance instead)
        var runs = Enumerable.Range(0, graph.Nodes.Count)
            .Where(i => stepKinds[i] is { } k && !(k == StepKind.Alias && kinds[root[index.NodeOutputs[i][0]]] == ValueKind.Planned))
            .ToArray();
        // per-run values are freed after the last step at or before their last reader
        var release = new List<int>[runs.Length];
        for (int s = 0; s < runs.Length; s++) release[s] = new();
        for (int v = 0; v < kinds.Length; v++)
        {
            bool perRun = kinds[v] is ValueKind.Fallback or ValueKind.OutputOwned
                || (kinds[v] == ValueKind.Alias && kinds[root[v]] != ValueKind.Planned);
            if (!perRun || index.IsOutput[v]) continue;
            int at = Array.BinarySearch(runs, index.LastStep(v));
            release[at >= 0 ? at : ~at - 1].Add(v);
        }
        return runs.Select((i, s) =>
        {
            var node = graph.Nodes[i];
            var kind = stepKinds[i]!.Value;
            long opset = graph.OpsetFor(node.Domain);
            return new PlanStep
            {
                Node = node, Kind = kind, Opset = opset, Inputs = index.NodeInputs[i], Outputs = index.NodeOutputs[i],
                OuterReads = index.OuterReads[i], Kernel = kernels[i], Release = release[s].ToArray(),
                Fallback = kind == StepKind.Fallback ? interpreter.Registry.Find(node.Domain, node.OpType, opset) : null,
                CheckShapes = kind == StepKind.Fallback && index.NodeOutputs[i].Any(o => !dynamic[o] && kinds[o] != ValueKind.Absent),
                Flops = StepFlops(node, index.NodeInputs[i], index.NodeOutputs[i], metas),
            };
        }).ToArray();
    }
}
