// Static shape and dtype inference over the IR, after the ONNX operator specs' inference rules: each op family
// derives its outputs' element type and dims from its inputs' static types and from constant inputs (shapes, axes,
// pads). Dims are numbers, named symbols ("batch") or unknown; symbols survive ops that copy or broadcast dims.
using DeepSeek.Graph.Compilation.Passes;

namespace DeepSeek.Graph.Compilation;

/// <summary>
/// Fills <see cref="Value.Type"/> from the op rules (elementwise with numpy broadcasting, Conv/pooling, Gemm/MatMul,
/// normalisations, the shape ops, reductions). Unknown ops keep their types: the rules never guess. Existing types
/// are only completed (unknown parts filled), never overwritten; a definite contradiction (e.g. broadcasting 3 against
/// 4) throws <see cref="ShapeMismatchException"/> naming the node.
/// </summary>
public static partial class ShapeInference
{
    private delegate ValueType?[]? Rule(InferContext c);

    // built on first use: the op-name tables live in the other partial files, whose static fields may initialise later
    private static readonly Lazy<Dictionary<string, Rule>> LazyRules = new(CreateRules);

    private static Dictionary<string, Rule> Rules => LazyRules.Value;

    private static Dictionary<string, Rule> CreateRules()
    {
        var r = new Dictionary<string, Rule>(StringComparer.Ordinal);
        AddElementwiseRules(r);
        AddNnRules(r);
        AddShapeRules(r);
        return r;
    }

    /// <summary>True when an inference rule exists for the ONNX op <paramref name="opType"/>.</summary>
    public static bool Knows(string opType) => Rules.ContainsKey(opType);

    /// <summary>
    /// Infers types node by node (sub-graph bodies too) and completes each value's type with what was found.
    /// Returns how many values gained type information.
    /// </summary>
    public static int Run(Graph graph) => Run(graph, strict: true);

    /// <summary>
    /// <see cref="Run(Graph)"/>; when not <paramref name="strict"/>, a node whose rule finds a contradiction keeps its
    /// types (passes that only use inference as a hint leave the error to run time, where the graph may never reach it).
    /// </summary>
    internal static int Run(Graph graph, bool strict)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int typed = 0;
        foreach (var node in graph.Nodes)
        {
            foreach (var sub in node.SubGraphs()) typed += Run(sub, strict);
            var types = strict ? Infer(node) : TryInfer(node);
            for (int i = 0; i < types.Length && i < node.Outputs.Count; i++)
            {
                var v = node.Outputs[i];
                var merged = Merge(v.Type, types[i]);
                if (!SameType(merged, v.Type))
                {
                    v.Type = merged;
                    typed++;
                }
            }
        }
        return typed;
    }

    /// <summary><see cref="Infer"/>, with nothing inferred (all nulls) where the rule finds a contradiction.</summary>
    internal static ValueType?[] TryInfer(Node node)
    {
        try { return Infer(node); }
        catch (DeepSeekException) { return new ValueType?[node.Outputs.Count]; }
    }

    /// <summary>
    /// The static types of <paramref name="node"/>'s outputs derived from its inputs (null entries where nothing can be
    /// said). Reads input types and constant inputs; changes nothing.
    /// </summary>
    public static ValueType?[] Infer(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var result = new ValueType?[node.Outputs.Count];
        if (!node.IsOnnx() || !Rules.TryGetValue(node.OpType, out var rule)) return result;
        var found = rule(new InferContext(node));
        if (found is not null)
            for (int i = 0; i < found.Length && i < result.Length; i++) result[i] = found[i];
        return result;
    }

    /// <summary>
    /// Completes <paramref name="existing"/> with <paramref name="inferred"/>: known dims and symbols of the existing type
    /// win, unknown ones are filled; a missing element type or shape is taken whole.
    /// </summary>
    public static ValueType? Merge(ValueType? existing, ValueType? inferred)
    {
        if (inferred is null) return existing;
        if (existing is null) return inferred;
        if (existing is not TensorType e || inferred is not TensorType i) return existing;
        var shape = e.Shape;
        if (shape is null) shape = i.Shape;
        else if (i.Shape is not null && i.Shape.Count == shape.Count)
        {
            var dims = new Dim[shape.Count];
            for (int d = 0; d < dims.Length; d++)
                dims[d] = shape[d].IsKnown || shape[d].Symbol is not null ? shape[d] : i.Shape[d];
            shape = dims;
        }
        return new TensorType(e.ElementType ?? i.ElementType, shape);
    }

    /// <summary>Structural equality of two types (dims compared element by element).</summary>
    public static bool SameType(ValueType? a, ValueType? b)
    {
        if (a is TensorType ta && b is TensorType tb)
        {
            if (ta.ElementType != tb.ElementType) return false;
            if (ta.Shape is null || tb.Shape is null) return ta.Shape is null && tb.Shape is null;
            return ta.Shape.SequenceEqual(tb.Shape);
        }
        return Equals(a, b);
    }

    /// <summary>True when both shapes are static and equal: same rank, each dim the same number or the same symbol.</summary>
    public static bool SameStaticShape(IReadOnlyList<Dim>? a, IReadOnlyList<Dim>? b)
    {
        if (a is null || b is null || a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i].IsKnown && b[i].IsKnown && a[i].Value == b[i].Value) continue;
            if (a[i].Symbol is not null && a[i].Symbol == b[i].Symbol) continue;
            return false;
        }
        return true;
    }

    /// <summary>Numpy broadcasting of two dims: 1 yields to the other side, equal dims (numbers or symbols) stay.</summary>
    internal static Dim BroadcastDim(Dim a, Dim b, InferContext c)
    {
        if (a.Value == 1) return b;
        if (b.Value == 1) return a;
        if (a.IsKnown && b.IsKnown)
            return a.Value == b.Value ? a : throw c.Error($"dims {a} and {b} do not broadcast");
        if (a.IsKnown) return a; // the other side must be this size or 1
        if (b.IsKnown) return b;
        return a.Symbol is not null && a.Symbol == b.Symbol ? a : Dim.Unknown;
    }

    /// <summary>Numpy broadcasting of several shapes (null = unknown rank, which makes the result unknown).</summary>
    internal static Dim[]? Broadcast(InferContext c, params IReadOnlyList<Dim>?[] shapes)
    {
        if (shapes.Any(s => s is null)) return null;
        int rank = shapes.Max(s => s!.Count);
        var result = new Dim[rank];
        for (int i = 0; i < rank; i++) result[i] = Dim.Of(1);
        foreach (var s in shapes)
            for (int i = 0; i < s!.Count; i++)
            {
                int d = rank - s.Count + i;
                result[d] = BroadcastDim(result[d], s[i], c);
            }
        return result;
    }

    /// <summary>Product of dims: a number when all are known, the single symbol when the rest multiply to 1, else unknown.</summary>
    internal static Dim Product(IEnumerable<Dim> dims)
    {
        long known = 1;
        Dim? symbol = null;
        bool unknown = false;
        foreach (var d in dims)
        {
            if (d.IsKnown) known *= d.Value!.Value;
            else if (d.Symbol is not null && symbol is null) symbol = d;
            else unknown = true;
        }
        if (known == 0) return Dim.Of(0);
        if (unknown) return Dim.Unknown;
        if (symbol is null) return Dim.Of(known);
        return known == 1 ? symbol.Value : Dim.Unknown;
    }

    /// <summary>A tensor type of <paramref name="dtype"/> and <paramref name="dims"/> (null dims = unknown rank).</summary>
    internal static TensorType T(DType? dtype, IReadOnlyList<Dim>? dims) => new(dtype, dims?.ToArray());
}

/// <summary>What an inference rule reads: the node, its opset, input types and constant inputs.</summary>
internal sealed class InferContext
{
    public InferContext(Node node)
    {
        Node = node;
        Opset = node.Owner.OpsetFor(node.Domain);
    }

    public Node Node { get; }

    public long Opset { get; }

    public bool Has(int i) => i < Node.Inputs.Count && Node.Inputs[i] is not null;

    public TensorType? Type(int i) => Has(i) ? Node.Inputs[i]!.Type as TensorType : null;

    public DType? DType(int i) => Type(i)?.ElementType;

    public IReadOnlyList<Dim>? Shape(int i) => Type(i)?.Shape;

    public int? Rank(int i) => Shape(i)?.Count;

    /// <summary>The values of an integer constant input (a fixed graph constant or a Constant node's output), else null.</summary>
    public long[]? Ints(int i)
    {
        if (!Has(i)) return null;
        var v = Node.Inputs[i]!;
        var t = PassKit.FixedData(Node.Owner, v);
        if (t is null && v.Producer is { } p && p.Is("Constant"))
        {
            if (p.GetInts("value_ints") is { } ints) return ints;
            if (p.GetIntOrNull("value_int") is long one) return [one];
            t = p.GetTensor("value");
        }
        return t?.DType switch
        {
            DeepSeek.DType.I64 => t.ToArray<long>(),
            DeepSeek.DType.I32 => Array.ConvertAll(t.ToArray<int>(), x => (long)x),
            DeepSeek.DType.I16 or DeepSeek.DType.I8 or DeepSeek.DType.U8 => Array.ConvertAll(t.ToDoubleArray(), x => (long)x),
            _ => null,
        };
    }

    /// <summary>Normalises axis <paramref name="a"/> for <paramref name="rank"/> (negative counts from the end).</summary>
    public int Axis(long a, int rank)
    {
        if (a < -rank || a >= rank)
            throw new AxisOutOfRangeException($"{Describe()}: axis {a} is out of range for rank {rank} (valid: {-rank} … {rank - 1}).");
        return (int)(a < 0 ? a + rank : a);
    }

    public string Describe() => $"{Node.OpType} node '{Node.Name}'";

    public ShapeMismatchException Error(string what) =>
        new($"{Describe()}: {what}; input types {string.Join(", ", Node.Inputs.Select(v => v is null ? "<none>" : v.Type?.ToString() ?? "?"))}.");

    /// <summary>One result per node output, padded with nulls.</summary>
    public ValueType?[] Out(params ValueType?[] types)
    {
        var r = new ValueType?[Node.Outputs.Count];
        for (int i = 0; i < r.Length && i < types.Length; i++) r[i] = types[i];
        return r;
    }
}
