// Removes ops that compute nothing (after ONNX Runtime's elimination rewrites): Identity, inference-mode Dropout,
// Cast to the same type, Reshape/Flatten/Squeeze/Unsqueeze that keep a static shape, identity Transposes; composes
// Transpose∘Transpose (perm[i] = p1[p2[i]]) and skips a shape-only op feeding a Reshape. Repeats to a fixpoint.
using DeepSeek.Graph.Ops;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>
/// The no-op eliminations ("eliminations", level 1). Graph outputs keep their names: a removable op whose output is a
/// graph output is removed only when its input's producer can define that output instead.
/// </summary>
public sealed class Eliminations : IGraphPass
{
    private static readonly HashSet<string> ShapeOnly = new(StringComparer.Ordinal) { "Reshape", "Flatten", "Squeeze", "Unsqueeze" };

    /// <inheritdoc/>
    public string Name => "eliminations";

    /// <inheritdoc/>
    public int Level => 1;

    /// <inheritdoc/>
    public bool Run(Graph graph, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        ShapeInference.Run(graph, strict: false); // the shape no-ops are recognised from static types
        return Rewrite(graph, context) > 0;
    }

    private int Rewrite(Graph g, PassContext context)
    {
        int total = 0;
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var node in g.Nodes.ToList())
            {
                if (node.Outputs.Count == 0 || node.Outputs.Any(o => o.Producer != node) || !node.IsOnnx()) continue; // already rewritten
                string before = node.ToString();
                if (!TryRewrite(g, node)) continue;
                context.Note(Name, $"rewrote {before}");
                changed = true;
                total++;
            }
        }
        foreach (var node in g.Nodes)
            foreach (var sub in node.SubGraphs()) total += Rewrite(sub, context);
        return total;
    }

    private static bool TryRewrite(Graph g, Node node)
    {
        if (node.Inputs.Count == 0 || node.Inputs[0] is not { } x) return false;
        switch (node.OpType)
        {
            case "Identity":
                return PassKit.Bypass(g, node, 0, x);
            case "Dropout":
                return PassKit.IsInferenceDropout(node) && node.Outputs.Skip(1).All(m => !PassKit.IsUsed(g, m)) && PassKit.Bypass(g, node, 0, x);
            case "Cast":
                return x.Type is TensorType { ElementType: { } from } && node.GetIntOrNull("to") is long to && IsSameType(from, to) && PassKit.Bypass(g, node, 0, x);
            case "Transpose":
                return Transpose(g, node, x);
            default:
                if (!ShapeOnly.Contains(node.OpType)) return false;
                if (node.OpType == "Reshape" && SkipShapeOnlyProducer(g, node, x)) return true;
                return KeepsShape(node, x) && PassKit.Bypass(g, node, 0, x);
        }
    }

    private static bool IsSameType(DType from, long code)
    {
        try { return OnnxElementTypes.ToDType(code, "Cast") == from; }
        catch (UnsupportedOperatorException) { return false; }
    }

    /// <summary>True when the op's input and output have the same static shape.</summary>
    private static bool KeepsShape(Node node, Value x)
    {
        var outType = node.Outputs[0].Type as TensorType ?? ShapeInference.TryInfer(node)[0] as TensorType;
        return ShapeInference.SameStaticShape((x.Type as TensorType)?.Shape, outType?.Shape);
    }

    /// <summary>Reshape(op(y), s) → Reshape(y, s) when op only reshapes and s copies no dim (0) from op's output.</summary>
    private static bool SkipShapeOnlyProducer(Graph g, Node reshape, Value x)
    {
        if (x.Producer is not { } p || p.Owner != g || !p.IsOnnx() || !ShapeOnly.Contains(p.OpType) || p.Inputs.Count == 0 || p.Inputs[0] is not { } y)
            return false;
        long opset = g.OpsetFor("");
        if (opset < 5 || reshape.Inputs.Count < 2) return false;
        bool allowZero = opset >= 14 && reshape.GetInt("allowzero", 0) != 0;
        var shape = PassKit.FixedData(g, reshape.Inputs[1]);
        if (shape is null || !shape.DType.IsInteger() || !allowZero && shape.ToDoubleArray().Contains(0)) return false;
        reshape.SetInput(0, y);
        return true;
    }

    private static bool Transpose(Graph g, Node node, Value x)
    {
        var perm = Perm(node, x);
        if (perm is null) return false;
        if (IsIdentity(perm)) return PassKit.Bypass(g, node, 0, x);
        if (x.Producer is not { } p || p.Owner != g || !p.Is("Transpose") || p.Inputs.Count == 0 || p.Inputs[0] is not { } y) return false;
        var inner = Perm(p, y);
        if (inner is null || inner.Length != perm.Length) return false;
        // out[i] = x[perm[i]] = y[inner[perm[i]]]
        var composed = perm.Select(i => inner[i]).ToArray();
        node.SetInput(0, y);
        node.Attributes["perm"] = AttributeValue.Of(composed);
        if (IsIdentity(composed)) PassKit.Bypass(g, node, 0, y);
        return true;
    }

    /// <summary>The node's perm (the reversal when absent and the rank is known), normalised to non-negative axes.</summary>
    private static long[]? Perm(Node node, Value x)
    {
        int? rank = (x.Type as TensorType)?.Rank;
        var perm = node.GetInts("perm");
        if (perm is null) return rank is int r ? Enumerable.Range(0, r).Reverse().Select(i => (long)i).ToArray() : null;
        int n = perm.Length;
        var norm = perm.Select(v => v < 0 ? v + n : v).ToArray();
        return norm.All(v => v >= 0 && v < n) && norm.Distinct().Count() == n ? norm : null;
    }

    private static bool IsIdentity(long[] perm)
    {
        for (int i = 0; i < perm.Length; i++)
            if (perm[i] != i) return false;
        return true;
    }
}
