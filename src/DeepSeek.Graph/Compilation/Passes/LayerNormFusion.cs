// Layer normalization (Ba et al. 2016) from its decomposition over the last axis: μ = ReduceMean(x), d = x − μ,
// σ² = ReduceMean(d² as Pow(d, 2) or d·d), y = d / Sqrt(σ² + ε) (or d·Reciprocal(…)), then optional ·γ and +β →
// ONNX LayerNormalization (opset 17) with that ε. Affine parameters must be [K] (constants with leading 1s are reshaped).
using static DeepSeek.Graph.Compilation.Passes.TransformerMatch;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>"layernorm-fusion": decomposed LayerNorm subgraphs become one LayerNormalization node.</summary>
public sealed class LayerNormFusion : AnchoredRewritePass
{
    /// <inheritdoc/>
    public override string Name => "layernorm-fusion";

    /// <inheritdoc/>
    private protected override bool Applies(Graph graph) => graph.OpsetFor("") >= 17; // LayerNormalization entered the ONNX set in opset 17

    /// <inheritdoc/>
    private protected override bool IsAnchor(Node node) => IsLastAxisMean(node);

    private protected override bool TryFuse(Graph graph, UseMap uses, Node mean, PassContext context)
    {
        var x = mean.Inputs[0]!;
        if (!FloatOrUnknown(x)) return false;
        if (uses.OnlyReader(mean.Outputs[0]) is not { } sub || !sub.Is("Sub") || sub.Inputs[0] != x || sub.Inputs[1] != mean.Outputs[0]) return false;
        var d = sub.Outputs[0];
        var readers = uses.Readers(d);
        if (readers.Count != 2 || uses.IsOutput(d)) return false;
        var square = readers.FirstOrDefault(n => IsSquareOf(n, d));
        var normalize = readers.FirstOrDefault(n => n != square);
        if (square is null || normalize is null) return false;
        // σ² + ε → Sqrt
        if (uses.OnlyReader(square.Outputs[0]) is not { } var || !IsLastAxisMean(var, x) || var.Inputs[0] != square.Outputs[0]) return false;
        if (uses.OnlyReader(var.Outputs[0]) is not { } addEps || !addEps.Is("Add") || !TryScalar(Other(addEps, var.Outputs[0]), out double eps) || eps < 0) return false;
        if (uses.OnlyReader(addEps.Outputs[0]) is not { } sqrt || !(sqrt.Is("Sqrt") || sqrt.Is("Pow") && sqrt.Inputs[0] == addEps.Outputs[0] && IsScalar(sqrt.Inputs[1], 0.5, 0)))
            return false;
        var matched = new List<Node> { mean, sub, square, var, addEps, sqrt, normalize };
        // d / std, or d · (1 / std)
        if (normalize.Is("Div"))
        {
            if (normalize.Inputs[0] != d || normalize.Inputs[1] != sqrt.Outputs[0] || !uses.OnlyFeeds(sqrt.Outputs[0], normalize)) return false;
        }
        else if (normalize.Is("Mul"))
        {
            if (uses.OnlyReader(sqrt.Outputs[0]) is not { } recip || !recip.Is("Reciprocal") || Other(normalize, d) != recip.Outputs[0]
                || !uses.OnlyFeeds(recip.Outputs[0], normalize)) return false;
            matched.Add(recip);
        }
        else return false;
        var y = normalize.Outputs[0];
        long? k = LastDim(x);
        // optional ·γ and +β
        Value? gamma = null, beta = null;
        if (uses.OnlyReader(y) is { } mg && mg.Is("Mul") && Other(mg, y) is { } g && g != y && AffineOk(g, k))
        {
            gamma = g;
            matched.Add(mg);
            y = mg.Outputs[0];
        }
        if (uses.OnlyReader(y) is { } ab && ab.Is("Add") && Other(ab, y) is { } b && b != y && AffineOk(b, k))
        {
            beta = b;
            matched.Add(ab);
            y = ab.Outputs[0];
        }
        var dtype = ElementType(x) ?? DType.F32;
        var scale = AsVector(graph, gamma, k, 1.0, dtype);
        var bias = beta is null ? null : AsVector(graph, beta, k, 0.0, dtype);
        if (scale is null || (beta is not null && bias is null)) return false;
        var rw = new FusionRewrite(graph).Remove(matched);
        if (rw.Apply(uses, "LayerNormalization", "", [x, scale, bias], [y], ("axis", AttributeValue.Of(-1L)), ("epsilon", AttributeValue.Of((float)eps))) is null)
            return false;
        context.Note(Name, $"{matched.Count} nodes → LayerNormalization(%{x.Name}) epsilon={eps:G6} → %{y.Name}");
        return true;
    }

    private static bool IsSquareOf(Node n, Value d) =>
        n.Is("Pow") && n.Inputs[0] == d && IsScalar(n.Inputs[1], 2, 0) || n.Is("Mul") && n.Inputs[0] == d && n.Inputs[1] == d;

    // γ or β: a [K] value, or a constant whose elements are K values (or one, broadcast) laid along the last axis.
    private static bool AffineOk(Value v, long? k)
    {
        if (ConstantData(v) is { } c)
        {
            var dims = c.Shape.ToArray();
            bool lastOnly = dims.Length == 0 || dims[..^1].All(s => s == 1);
            return lastOnly && (c.Numel == 1 && k is not null || k is null || c.Numel == k);
        }
        return Rank(v) == 1 && LastDim(v) is long n && (k is null || n == k);
    }

    // The affine parameter as a [K] value: as is when it already is one, else a reshaped/broadcast constant; ones when absent.
    private static Value? AsVector(Graph graph, Value? v, long? k, double fill, DType dtype)
    {
        Tensor data;
        if (v is null)
        {
            if (k is null) return null;
            data = Tensor.Full(new Shape((int)k), fill, dtype);
        }
        else if (Rank(v) == 1 && (k is null || LastDim(v) == k)) return v;
        else if (ConstantData(v) is not { } c) return null;
        else
        {
            long n = k ?? c.Numel;
            if (c.Numel == n) data = c.Reshape((int)n).Contiguous();
            else if (c.Numel == 1 && k is not null) data = c.Reshape(1).Expand((int)n).Contiguous();
            else return null;
        }
        return graph.AddConstant(graph.FreshName(v is null ? "ln_ones" : v.Name + "_vec"), data);
    }
}
