// Constant folding (as ONNX Runtime's ConstantFolding): a deterministic node without sub-graphs whose inputs are all
// constants runs once through its interpreter kernel (same registry and opset rules as at run time) and its outputs
// become constants; Shape/Size of a value whose static dims are all known fold without running anything.
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>Replaces computable-at-compile-time nodes by constants ("constant-folding", level 1).</summary>
public sealed class ConstantFolding : IGraphPass
{
    /// <summary>
    /// Outputs above this many elements are left to run time: folding trades compute for memory, and ops such as
    /// Expand, Tile or ConstantOfShape can turn a few bytes of input into a huge tensor that the graph would then hold
    /// for its whole life (and write into every exported model), while computing it costs one cheap pass per run.
    /// </summary>
    public const long MaxFoldedElements = 16L * 1024 * 1024;

    private readonly OpRegistry _registry;

    /// <summary>Folds with <paramref name="registry"/>'s kernels (default: <see cref="OpRegistry.Default"/>).</summary>
    public ConstantFolding(OpRegistry? registry = null) => _registry = registry ?? OpRegistry.Default;

    /// <inheritdoc/>
    public string Name => "constant-folding";

    /// <inheritdoc/>
    public int Level => 1;

    /// <inheritdoc/>
    public bool Run(Graph graph, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        ShapeInference.Run(graph, strict: false); // Shape folds from static dims
        return Fold(graph, context, new Interpreter(_registry)) > 0;
    }

    private int Fold(Graph g, PassContext context, Interpreter interpreter)
    {
        int folded = 0;
        foreach (var node in g.Nodes.ToList())
        {
            foreach (var sub in node.SubGraphs()) folded += Fold(sub, context, interpreter);
            if (node.Is("Constant") && node.Outputs.All(g.Outputs.Contains)) continue; // as constant as a graph output can be
            var tensors = FoldShape(node) ?? Evaluate(g, node, context, interpreter);
            if (tensors is null) continue;
            Replace(g, node, tensors);
            context.Note(Name, $"folded {PassKit.Describe(node)} into {string.Join(", ", tensors.Select(t => t.DType.Name() + t.Shape))}");
            folded++;
        }
        if (folded > 0) g.RemoveUnusedValues();
        return folded;
    }

    /// <summary>Shape / Size of a statically shaped value, or null.</summary>
    private static Tensor[]? FoldShape(Node node)
    {
        if (!node.Is("Shape") && !node.Is("Size") || node.Inputs.Count == 0 || node.Inputs[0]?.Type is not TensorType { Shape: { } dims })
            return null;
        if (dims.Any(d => !d.IsKnown)) return null;
        var sizes = dims.Select(d => d.Value!.Value).ToArray();
        if (node.OpType == "Size") return [Tensor.Scalar(sizes.Aggregate(1L, (a, b) => a * b), DType.I64)];
        int r = sizes.Length;
        long opset = node.Owner.OpsetFor("");
        long start = opset >= 15 ? node.GetInt("start", 0) : 0, end = opset >= 15 ? node.GetInt("end", r) : r;
        if (start < 0) start += r;
        if (end < 0) end += r;
        start = Math.Clamp(start, 0, r);
        end = Math.Clamp(end, 0, r);
        return [Tensor.FromArray(sizes[(int)start..(int)Math.Max(start, end)])];
    }

    /// <summary>Runs a foldable node's kernel on its constant inputs; null when the node is not foldable.</summary>
    private Tensor[]? Evaluate(Graph g, Node node, PassContext context, Interpreter interpreter)
    {
        if (PassKit.IsRandom(node) || node.SubGraphs().Any() || node.Outputs.Count == 0) return null;
        if (node.Inputs.Any(i => i is not null && !PassKit.IsFixedConstant(g, i))) return null;
        if (node.Inputs.Count == 0 && !node.Is("Constant")) return null; // other source ops (random, sequences) stay
        long opset = g.OpsetFor(node.Domain);
        var kernel = _registry.Find(node.Domain, node.OpType, opset);
        if (kernel is null) return null;
        foreach (var t in ShapeInference.TryInfer(node))
            if (t is TensorType { Shape: { } s } && s.All(d => d.IsKnown) && s.Aggregate(1L, (a, d) => a * d.Value!.Value) > MaxFoldedElements)
                return null;
        using var noGrad = Tensor.NoGrad();
        using var scope = Tensor.NewScope();
        RuntimeValue?[] results;
        try
        {
            var args = node.Inputs.Select(i => i is null ? null : (RuntimeValue)new TensorValue(i.Constant!)).ToArray();
            results = kernel.Run(new OpContext(node, args, opset, interpreter, new ExecutionFrame(g, null)));
        }
        catch (DeepSeekException e)
        {
            // the same error will surface when the graph runs; folding must not change when it is reported
            context.Note(Name, $"left {PassKit.Describe(node)} unfolded: {e.Message}");
            return null;
        }
        if (results.Length < node.Outputs.Count || results.Take(node.Outputs.Count).Any(r => r is not TensorValue)
            || results.Any(r => r is TensorValue tv && tv.Tensor.Numel > MaxFoldedElements))
            return null; // the scope frees them
        var tensors = new Tensor[node.Outputs.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = ((TensorValue)results[i]!).Tensor;
            tensors[i] = (t.IsContiguous ? t.Detach() : t.Contiguous()).DetachFromScope();
        }
        return tensors;
    }

    /// <summary>Swaps the node for constants; outputs that are graph outputs become Constant nodes so their names stay.</summary>
    private static void Replace(Graph g, Node node, Tensor[] tensors)
    {
        int at = g.Nodes.IndexOf(node);
        g.RemoveNode(node);
        PassKit.DisposeAttributes(node);
        for (int i = 0; i < tensors.Length; i++)
        {
            var output = node.Outputs[i];
            if (g.Outputs.Contains(output))
            {
                PassKit.Place(g, at++, "Constant", "", node.Name, [], [output], [new("value", AttributeValue.Of(tensors[i]))]);
                continue;
            }
            var c = g.AddConstant(g.FreshName(output.Name), tensors[i]);
            g.ReplaceAllUses(output, c);
        }
    }
}
