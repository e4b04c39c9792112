// Folds inference BatchNormalization into the linear op before it (Ioffe & Szegedy 2015, §3.2; as ONNX Runtime's
// ConvBNFusion): y = (W∗x + b − μ)·γ/√(σ² + ε) + β = W'∗x + b' with W' = W·f per output channel, f = γ/√(σ² + ε),
// b' = (b − μ)·f + β. Conv (any groups), ConvTranspose, Gemm and MatMul (→ Gemm); computed in double, new constants.
namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>
/// Conv/ConvTranspose/Gemm/MatMul with a constant F32/F64 weight followed by an inference BatchNormalization with
/// constant statistics becomes one op ("bn-fold", level 2). The BN must be the only reader of the op's output. The
/// originals' constants are never changed (a cloned graph shares them with its caller's graph).
/// </summary>
public sealed class BatchNormFolding : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "bn-fold";

    /// <inheritdoc/>
    public int Level => 2;

    /// <inheritdoc/>
    public bool Run(Graph graph, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        return FoldAll(graph, context) > 0;
    }

    private int FoldAll(Graph g, PassContext context)
    {
        int folded = 0;
        foreach (var node in g.Nodes.ToList())
            if (node.Is("BatchNormalization") && node.Outputs[0].Producer == node && TryFold(g, node, context)) folded++;
        foreach (var node in g.Nodes)
            foreach (var sub in node.SubGraphs()) folded += FoldAll(sub, context);
        if (folded > 0) g.RemoveUnusedValues();
        return folded;
    }

    private bool TryFold(Graph g, Node bn, PassContext context)
    {
        var stats = Statistics(g, bn);
        if (stats is null || bn.Inputs[0] is not { } x || x.Producer is not { } p || p.Owner != g || !p.IsOnnx()) return false;
        if (g.Outputs.Contains(x) || Readers(g, x) != 1) return false;
        var (factor, shift) = stats.Value;
        var rewrite = p.OpType switch
        {
            "Conv" => FoldConv(g, p, factor, shift, transposed: false),
            "ConvTranspose" => FoldConv(g, p, factor, shift, transposed: true),
            "Gemm" => FoldGemm(g, p, factor, shift),
            "MatMul" => FoldMatMul(g, p, x, factor, shift),
            _ => null,
        };
        if (rewrite is null) return false;
        var (op, inputs, attributes) = rewrite.Value;
        string what = $"folded {PassKit.Describe(bn)} into {PassKit.Describe(p)}{(op == p.OpType ? "" : " (now " + op + ")")}";
        int at = g.Nodes.IndexOf(p);
        var y = bn.Outputs[0];
        g.RemoveNode(bn);
        g.RemoveNode(p);
        PassKit.Place(g, at, op, "", p.Name, inputs, [y], attributes);
        context.Note(Name, what);
        return true;
    }

    /// <summary>Per-channel f = γ/√(σ² + ε) and shift = β − μ·f of an inference BN with constant parameters, else null.</summary>
    private static (double[] Factor, double[] Shift)? Statistics(Graph g, Node bn)
    {
        long opset = g.OpsetFor("");
        if (bn.Inputs.Count < 5 || opset >= 14 && bn.GetInt("training_mode", 0) != 0 || opset < 7 && bn.GetInt("spatial", 1) != 1) return null;
        if (bn.Outputs.Skip(1).Any(o => PassKit.IsUsed(g, o))) return null; // training-form outputs are wanted
        var ps = new Tensor?[4];
        for (int i = 0; i < 4; i++)
        {
            ps[i] = PassKit.FixedData(g, bn.Inputs[i + 1]);
            if (ps[i] is not { Rank: 1 } t || !t.DType.IsFloatingPoint() || t.Size(0) != ps[0]!.Size(0)) return null;
        }
        double eps = bn.GetFloat("epsilon", 1e-5f);
        double[] gamma = ps[0]!.ToDoubleArray(), beta = ps[1]!.ToDoubleArray(), mean = ps[2]!.ToDoubleArray(), variance = ps[3]!.ToDoubleArray();
        var factor = new double[gamma.Length];
        var shift = new double[gamma.Length];
        for (int c = 0; c < factor.Length; c++)
        {
            factor[c] = gamma[c] / Math.Sqrt(variance[c] + eps);
            shift[c] = beta[c] - mean[c] * factor[c];
        }
        return (factor, shift);
    }

    private static int Readers(Graph g, Value v)
    {
        int n = 0;
        foreach (var node in g.Nodes)
        {
            n += node.Inputs.Count(i => i == v);
            if (node.SubGraphs().Any(s => s.OuterReads().Contains(v))) n++;
        }
        return n;
    }

    private static Tensor? Weight(Graph g, Value? v, int minRank) =>
        PassKit.FixedData(g, v) is { DType: DType.F32 or DType.F64 } t && t.Rank >= minRank ? t : null;

    private static Value NewConstant(Graph g, Node p, string what, double[] data, int[] shape, DType dtype) =>
        g.AddConstant(g.FreshName($"{(p.Name.Length > 0 ? p.Name : p.OpType)}_bn_{what}"), Tensor.FromDoubles(data, new Shape(shape), dtype));

    private static (string, Value?[], KeyValuePair<string, AttributeValue>[])? FoldConv(Graph g, Node p, double[] factor, double[] shift, bool transposed)
    {
        if (p.Inputs.Count < 2 || Weight(g, p.Inputs[1], 3) is not { } w) return null;
        var bias = p.Inputs.Count > 2 && p.Inputs[2] is { } bv ? PassKit.FixedData(g, bv) : null;
        if (p.Inputs.Count > 2 && p.Inputs[2] is not null && bias is null) return null; // a bias computed at run time
        long group = p.GetInt("group", 1);
        var dims = w.Shape.ToArray();
        long m = transposed ? dims[1] * group : dims[0];
        if (m != factor.Length || group <= 0 || dims[0] % group != 0 || bias is not null && (bias.Rank != 1 || bias.Size(0) != m)) return null;
        var wd = w.ToDoubleArray();
        long inner = wd.Length / ((long)dims[0] * dims[1]);
        long perGroupIn = dims[0] / group;
        for (long i = 0; i < wd.Length; i++)
        {
            long row = i / inner, d0 = row / dims[1], d1 = row % dims[1];
            // Conv W is [M, C/g, k...]; ConvTranspose W is [C, M/g, k...] with output channel (c / (C/g))·(M/g) + j
            long o = transposed ? d0 / perGroupIn * dims[1] + d1 : d0;
            wd[i] *= factor[o];
        }
        var b = bias?.ToDoubleArray() ?? new double[m];
        for (int o = 0; o < m; o++) b[o] = b[o] * factor[o] + shift[o];
        Value?[] inputs = [p.Inputs[0], NewConstant(g, p, "w", wd, dims, w.DType), NewConstant(g, p, "b", b, [(int)m], w.DType)];
        return (p.OpType, inputs, p.Attributes.ToArray());
    }

    private static (string, Value?[], KeyValuePair<string, AttributeValue>[])? FoldGemm(Graph g, Node p, double[] factor, double[] shift)
    {
        if (p.Inputs.Count < 2 || Weight(g, p.Inputs[1], 2) is not { Rank: 2 } b) return null;
        bool transB = p.GetInt("transB", 0) != 0;
        double beta = p.GetFloat("beta", 1f);
        int n = transB ? b.Size(0) : b.Size(1);
        if (n != factor.Length) return null;
        var c = p.Inputs.Count > 2 && p.Inputs[2] is { } cv && beta != 0 ? PassKit.FixedData(g, cv) : null;
        if (c is null && p.Inputs.Count > 2 && p.Inputs[2] is not null && beta != 0) return null;
        // a per-row C ([M, N] or [M, 1]) cannot become one bias per feature
        if (c is not null && !(c.Numel == 1 && c.Rank <= 1 || c.Rank == 1 && c.Size(0) == n || c.Rank == 2 && c.Size(0) == 1 && c.Size(1) == n)) return null;
        var bd = b.ToDoubleArray();
        int cols = b.Size(1);
        for (int i = 0; i < bd.Length; i++) bd[i] *= factor[transB ? i / cols : i % cols];
        var cd = c?.ToDoubleArray();
        var bias = new double[n];
        for (int f = 0; f < n; f++) bias[f] = (cd is null ? 0 : beta * cd[cd.Length == 1 ? 0 : f]) * factor[f] + shift[f];
        int[] biasShape = c is { Rank: 2 } ? [1, n] : [n];
        var attrs = p.Attributes.Where(a => a.Key != "beta").Append(new("beta", AttributeValue.Of(1f))).ToArray();
        return ("Gemm", [p.Inputs[0], NewConstant(g, p, "w", bd, b.Shape.ToArray(), b.DType), NewConstant(g, p, "b", bias, biasShape, b.DType)], attrs);
    }

    private static (string, Value?[], KeyValuePair<string, AttributeValue>[])? FoldMatMul(Graph g, Node p, Value x, double[] factor, double[] shift)
    {
        // only the rank-2 case is a Gemm: [M, K]·[K, N]
        if (p.Inputs.Count < 2 || Weight(g, p.Inputs[1], 2) is not { Rank: 2 } b || b.Size(1) != factor.Length) return null;
        if ((x.Type as TensorType)?.Rank != 2 && (p.Inputs[0]?.Type as TensorType)?.Rank != 2) return null;
        var bd = b.ToDoubleArray();
        int n = b.Size(1);
        for (int i = 0; i < bd.Length; i++) bd[i] *= factor[i % n];
        return ("Gemm", [p.Inputs[0], NewConstant(g, p, "w", bd, b.Shape.ToArray(), b.DType), NewConstant(g, p, "b", shift, [n], b.DType)], []);
    }
}
