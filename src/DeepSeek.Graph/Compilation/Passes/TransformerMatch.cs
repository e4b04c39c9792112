// Matching helpers of the transformer fusions (GELU, LayerNorm, SkipLayerNorm, attention): constant scalars behind
// initializers or Constant nodes, single-reader checks that keep a fusion from swallowing a value read elsewhere, and
// static-type queries. A match is only a proposal; FusionRewrite applies it.
namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>Readers of every value of a graph (nodes, sub-graph reads through their owner, graph outputs).</summary>
internal sealed class UseMap
{
    private readonly Dictionary<Value, List<(Node Node, int Index)>> _map;
    private readonly HashSet<Value> _outputs;

    public UseMap(Graph graph)
    {
        _map = graph.BuildUseMap();
        _outputs = new HashSet<Value>(graph.Outputs);
    }

    /// <summary>Distinct nodes reading <paramref name="v"/>.</summary>
    public IReadOnlyList<Node> Readers(Value v) =>
        _map.TryGetValue(v, out var l) ? l.Select(u => u.Node).Distinct().ToList() : [];

    /// <summary>True when <paramref name="v"/> is a graph output.</summary>
    public bool IsOutput(Value v) => _outputs.Contains(v);

    /// <summary>True when something reads <paramref name="v"/> (a node or the graph's outputs).</summary>
    public bool IsUsed(Value v) => IsOutput(v) || _map.ContainsKey(v);

    /// <summary>The one node that reads <paramref name="v"/> (in any number of its input slots), or null when others read it too.</summary>
    public Node? OnlyReader(Value v)
    {
        if (IsOutput(v) || !_map.TryGetValue(v, out var l)) return null;
        var n = l[0].Node;
        foreach (var (m, i) in l)
            if (m != n || i < 0) return null;
        return n;
    }

    /// <summary>True when <paramref name="v"/> is read by <paramref name="reader"/> only.</summary>
    public bool OnlyFeeds(Value v, Node reader) => OnlyReader(v) == reader;
}

/// <summary>Pattern queries shared by the transformer passes.</summary>
internal static class TransformerMatch
{
    /// <summary>The domain of the fused ops.</summary>
    public const string Domain = "deepseek";

    /// <summary>Opset version of <see cref="Domain"/> that the fused kernels register.</summary>
    public const long DomainVersion = 1;

    /// <summary>Adds the deepseek domain to the graph's opset imports (fused nodes need it to find their kernels).</summary>
    public static void ImportDomain(Graph g) => g.Root.OpsetImports.TryAdd(Domain, DomainVersion);

    /// <summary>The data of a constant value: an initializer or a Constant node's tensor; null otherwise.</summary>
    public static Tensor? ConstantData(Value? v)
    {
        if (v is null) return null;
        if (v.Constant is { } c) return c;
        if (v.Producer is { } p && p.Is("Constant") && p.Attributes.TryGetValue("value", out var a) && a.Raw is Tensor t) return t;
        return null;
    }

    /// <summary>True when <paramref name="v"/> is a constant holding one number (any rank of size 1).</summary>
    public static bool TryScalar(Value? v, out double x)
    {
        x = 0;
        if (v?.Producer is { } p && p.Is("Constant") && p.Attributes.TryGetValue("value_float", out var f) && f.Raw is float ff)
        {
            x = ff;
            return true;
        }
        if (ConstantData(v) is not { Numel: 1 } t || t.DType == DType.Bool) return false;
        x = t.ToDoubleArray()[0];
        return true;
    }

    /// <summary>True when <paramref name="v"/> is a one-number constant within relative <paramref name="rel"/> of <paramref name="want"/>.</summary>
    public static bool IsScalar(Value? v, double want, double rel = 1e-5) =>
        TryScalar(v, out var x) && Math.Abs(x - want) <= rel * Math.Abs(want);

    /// <summary>The node producing <paramref name="v"/> when it is the ONNX op <paramref name="op"/>.</summary>
    public static Node? Producer(Value? v, string op) => v?.Producer is { } p && p.Is(op) ? p : null;

    /// <summary>For a two-input node reading <paramref name="v"/>: its other input (v itself when both are v); null when it does not read v.</summary>
    public static Value? Other(Node n, Value v)
    {
        if (n.Inputs.Count != 2) return null;
        if (n.Inputs[0] == v) return n.Inputs[1];
        return n.Inputs[1] == v ? n.Inputs[0] : null;
    }

    /// <summary>Rank from the static type, or null.</summary>
    public static int? Rank(Value? v) => (v?.Type as TensorType)?.Rank;

    /// <summary>Element type from the static type, or null.</summary>
    public static DType? ElementType(Value? v) => (v?.Type as TensorType)?.ElementType;

    /// <summary>All dims when every one is known, else null.</summary>
    public static long[]? StaticShape(Value? v) =>
        (v?.Type as TensorType)?.Shape is { } s && s.All(d => d.IsKnown) ? s.Select(d => d.Value!.Value).ToArray() : null;

    /// <summary>Size of the last dim when known.</summary>
    public static long? LastDim(Value? v) => (v?.Type as TensorType)?.Shape is { Count: > 0 } s ? s[^1].Value : null;

    /// <summary>True when the two values have the same static shape (equal known sizes or equal symbols in every dim).</summary>
    public static bool SameShape(Value a, Value b)
    {
        if ((a.Type as TensorType)?.Shape is not { } sa || (b.Type as TensorType)?.Shape is not { } sb || sa.Count != sb.Count) return false;
        for (int i = 0; i < sa.Count; i++)
            if (!(sa[i].IsKnown ? sa[i].Value == sb[i].Value : sa[i].Symbol is { } s && s == sb[i].Symbol)) return false;
        return true;
    }

    /// <summary>True when <paramref name="axis"/> names the last dim of <paramref name="x"/> (−1, or rank − 1 with the rank known).</summary>
    public static bool IsLastAxis(long axis, Value x) => axis == -1 || (Rank(x) is int r && axis == r - 1);

    /// <summary>A floating element type the fused kernels take natively, or an unknown one (the kernels check at run time).</summary>
    public static bool FloatOrUnknown(Value v) => ElementType(v) is null or DType.F32 or DType.F64;

    /// <summary>The axes of a ReduceMean (attribute before opset 18, constant input from 18); null when absent or not constant.</summary>
    public static long[]? ReduceAxes(Node n)
    {
        if (n.GetInts("axes") is { } a) return a;
        return n.Inputs.Count > 1 && ConstantData(n.Inputs[1]) is { } t ? t.ToArray<long>() : null;
    }

    /// <summary>
    /// True for ReduceMean(x) over the last axis of x with keepdims = 1; a positive axis is checked against the rank of
    /// <paramref name="shapedLike"/> when given (a value known to have x's shape), else of x.
    /// </summary>
    public static bool IsLastAxisMean(Node n, Value? shapedLike = null) =>
        n.Is("ReduceMean") && n.GetInt("keepdims", 1) == 1 && n.Inputs[0] is { } x && ReduceAxes(n) is [var a] && IsLastAxis(a, shapedLike ?? x);

    /// <summary>
    /// For x·c or c·x (Mul) and x/c (Div) with c a one-number constant: x and the factor (1/c for Div); else false.
    /// </summary>
    public static bool TryScaledBy(Node? n, out Value x, out double factor)
    {
        x = null!;
        factor = 1;
        if (n is null || n.Inputs.Count != 2 || n.Inputs[0] is not { } a || n.Inputs[1] is not { } b) return false;
        if (n.Is("Mul"))
        {
            if (TryScalar(b, out var c) && !TryScalar(a, out _)) { x = a; factor = c; return true; }
            if (TryScalar(a, out c) && !TryScalar(b, out _)) { x = b; factor = c; return true; }
            return false;
        }
        if (n.Is("Div") && TryScalar(b, out var d) && d != 0 && !TryScalar(a, out _))
        {
            x = a;
            factor = 1 / d;
            return true;
        }
        return false;
    }
}
