// Tensor.Cond while tracing → one ONNX If node (ONNX operator spec "If": then_branch/else_branch graphs with no
// inputs that read outer-scope values by name). Both closures run once under a child recorder each; the caller
// continues with the outputs of the branch the predicate selects, bound to the If node's outputs.
using DeepSeek.Tracing;

namespace DeepSeek.Graph;

internal sealed partial class TraceRecorder
{
    // Tensors computed inside a Cond branch: reading one outside its branch would silently bake a trace-time value.
    private readonly HashSet<Tensor> _branchLocal = new(ReferenceEqualityComparer.Instance);
    private HashSet<Tensor>? _siblingLocal;

    public Tensor[]? Cond(Tensor predicate, Func<Tensor[]> thenBranch, Func<Tensor[]> elseBranch)
    {
        var cond = ValueOf(predicate, "Cond (predicate)");
        string name = _graph.FreshName(NamePrefix + "If");
        var (thenGraph, thenRec, thenOuts) = TraceBranch(name + "_then", thenBranch, null);
        Tensor[] elseOuts;
        Graph elseGraph;
        TraceRecorder elseRec;
        try
        {
            (elseGraph, elseRec, elseOuts) = TraceBranch(name + "_else", elseBranch, thenRec.LocalTensors());
        }
        catch
        {
            thenRec.DisposeMade(thenOuts);
            thenGraph.Dispose();
            throw;
        }
        try
        {
            CheckBranchesAgree(name, thenOuts, elseOuts);
        }
        catch
        {
            thenRec.DisposeMade(thenOuts);
            elseRec.DisposeMade(elseOuts);
            thenGraph.Dispose();
            elseGraph.Dispose();
            throw;
        }

        var node = _graph.AddNode("If", [cond], thenOuts.Select(_ => _graph.FreshName(name + "_out")), name: name);
        node.Attributes["then_branch"] = AttributeValue.Of(thenGraph);
        node.Attributes["else_branch"] = AttributeValue.Of(elseGraph);
        for (int i = 0; i < thenOuts.Length; i++) node.Outputs[i].Type = MergeTypes(thenOuts[i], elseOuts[i]);

        bool taken = predicate.Item<bool>(); // recording is suspended here: choosing the eager result is not a host read
        var (selected, selectedRec) = taken ? (thenOuts, thenRec) : (elseOuts, elseRec);
        (taken ? elseRec : thenRec).DisposeMade(taken ? elseOuts : thenOuts);
        _branchLocal.UnionWith(thenRec.LocalTensors());
        _branchLocal.UnionWith(elseRec.LocalTensors());

        var result = new Tensor[selected.Length];
        var handedOut = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < selected.Length; i++)
        {
            var t = selected[i];
            // an outer tensor, a parameter or a repeated output is already bound elsewhere: hand out a fresh view
            result[i] = selectedRec.Made(t) && handedOut.Add(t) ? t : t.Detach();
            _branchLocal.Remove(result[i]);
            _values[result[i]] = node.Outputs[i];
        }
        return result;
    }

    private (Graph Graph, TraceRecorder Recorder, Tensor[] Outputs) TraceBranch(string name, Func<Tensor[]> branch, HashSet<Tensor>? sibling)
    {
        var g = new Graph(name, _graph);
        var rec = new TraceRecorder(g, this) { _siblingLocal = sibling };
        Tensor[]? outs = null;
        try
        {
            using (var scope = OpTrace.Begin(rec))
            {
                rec.Scope = scope;
                outs = branch() ?? throw new InvalidOperationException($"Cond: the branch traced as '{name}' returned null; return an array of tensors.");
            }
            if (outs.Length == 0) throw new ArgumentException($"Cond: the branch traced as '{name}' returned no tensors; an If node needs at least one output.");
            for (int i = 0; i < outs.Length; i++)
            {
                var t = outs[i] ?? throw new ArgumentException($"Cond: output {i} of the branch traced as '{name}' is null.");
                g.AddOutput(rec.OutputValue(t, g.FreshName(name + "_out"), Tracer.TypeOf(t, null)));
            }
            return (g, rec, outs);
        }
        catch
        {
            if (outs is not null) rec.DisposeMade(outs);
            g.Dispose();
            throw;
        }
    }

    private static void CheckBranchesAgree(string name, Tensor[] thenOuts, Tensor[] elseOuts)
    {
        if (thenOuts.Length != elseOuts.Length)
            throw new ShapeMismatchException($"Cond ({name}): the then branch returns {thenOuts.Length} tensors, the else branch {elseOuts.Length}; both must return the same number.");
        for (int i = 0; i < thenOuts.Length; i++)
            if (thenOuts[i].DType != elseOuts[i].DType)
                throw new DTypeMismatchException($"Cond ({name}): output {i} is {thenOuts[i].DType.Name()}{thenOuts[i].Shape} in the then branch but {elseOuts[i].DType.Name()}{elseOuts[i].Shape} in the else branch; the dtypes must match.");
    }

    // Dimensions both branches agree on stay known; the rest become unknown (ONNX If allows differing shapes).
    private static TensorType MergeTypes(Tensor a, Tensor b)
    {
        if (a.Rank != b.Rank) return new TensorType(a.DType, null);
        var dims = new Dim[a.Rank];
        for (int d = 0; d < dims.Length; d++) dims[d] = a.Size(d) == b.Size(d) ? Dim.Of(a.Size(d)) : Dim.Unknown;
        return new TensorType(a.DType, dims);
    }

    /// <summary>True when <paramref name="t"/> was made inside this branch (an op output or an op-created constant), so the branch's caller owns it.</summary>
    private bool Made(Tensor t) => _values.ContainsKey(t) && !_constantSources.Contains(t);

    private void DisposeMade(Tensor[] outs)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var t in outs)
            if (t is not null && Made(t) && seen.Add(t)) t.Dispose();
    }

    private HashSet<Tensor> LocalTensors()
    {
        var set = new HashSet<Tensor>(_values.Keys, ReferenceEqualityComparer.Instance);
        set.UnionWith(_branchLocal);
        return set;
    }

    private void CheckNotBranchLocal(Tensor t, string consumer)
    {
        if (_branchLocal.Contains(t) || (_siblingLocal?.Contains(t) ?? false))
            throw new UnsupportedOperatorException(
                $"Trace: {consumer} reads a tensor of shape {t.Shape} ({t.DType.Name()}) computed inside another Tensor.Cond branch; " +
                "a value leaves a branch only as one of its returned tensors.");
        _parent?.CheckNotBranchLocal(t, consumer);
    }
}
