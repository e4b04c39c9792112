// Static tensor types for elementwise fusion: declared types (graph inputs, shape inference, the tracer), constants'
// own types, and forward propagation through elementwise ops with numpy broadcasting over symbolic dims (equal sizes
// or equal symbols merge, a known 1 yields to the other side, anything else is unknown).
namespace DeepSeek.Graph.Ops;

/// <summary>Known element type and dims of graph values, derived once per graph in node order.</summary>
internal sealed class FusedElementwiseTypes
{
    private readonly Dictionary<Value, TensorType> _known = new();

    /// <summary>Derives types for the values of <paramref name="g"/> (declared ones win; elementwise outputs are inferred).</summary>
    public FusedElementwiseTypes(Graph g)
    {
        foreach (var n in g.Nodes)
        {
            if (!FusedElementwiseLowering.IsElementwise(n) || n.Outputs.Count != 1 || Of(n.Outputs[0]) is not null) continue;
            if (n.Inputs.Count == 0 || n.Inputs[0] is not { } first || Of(first) is not { ElementType: { } dt }) continue;
            IReadOnlyList<Dim>? shape = [];
            foreach (int i in FusedElementwiseLowering.ShapeInputs(n))
            {
                if (n.Inputs[i] is not { } v || Of(v)?.Shape is not { } s) { shape = null; break; }
                shape = Broadcast(shape, s);
                if (shape is null) break;
            }
            if (shape is not null) _known[n.Outputs[0]] = new TensorType(dt, shape);
        }
    }

    /// <summary>The type of <paramref name="v"/> when its element type and rank are known, else null.</summary>
    public TensorType? Of(Value v)
    {
        if (_known.TryGetValue(v, out var t)) return t;
        if (v.Constant is { IsDisposed: false } c)
            return _known[v] = new TensorType(c.DType, c.Shape.Dims.ToArray().Select(d => Dim.Of(d)).ToArray());
        if (v.Type is TensorType { ElementType: not null, Shape: not null } declared) return declared;
        if (v.Producer is { } p && p.Is("Constant") && p.GetTensor("value") is { IsDisposed: false } k)
            return _known[v] = new TensorType(k.DType, k.Shape.Dims.ToArray().Select(d => Dim.Of(d)).ToArray());
        return null;
    }

    /// <summary>Numpy broadcast of two symbolic shapes; null when some dim pair cannot be decided.</summary>
    public static IReadOnlyList<Dim>? Broadcast(IReadOnlyList<Dim> a, IReadOnlyList<Dim> b)
    {
        int r = Math.Max(a.Count, b.Count);
        var d = new Dim[r];
        for (int i = 0; i < r; i++)
        {
            var x = i < r - a.Count ? Dim.Of(1) : a[i - (r - a.Count)];
            var y = i < r - b.Count ? Dim.Of(1) : b[i - (r - b.Count)];
            if (Same(x, y) || y.Value == 1) d[i] = x;
            else if (x.Value == 1) d[i] = y;
            else return null;
        }
        return d;
    }

    /// <summary>True when both dims are the same known size or the same symbol.</summary>
    public static bool Same(Dim a, Dim b) => a.IsKnown ? b.IsKnown && a.Value == b.Value : a.Symbol is not null && a.Symbol == b.Symbol;

    /// <summary>True when the shapes have one rank and every dim is <see cref="Same(Dim, Dim)"/>.</summary>
    public static bool Same(IReadOnlyList<Dim>? a, IReadOnlyList<Dim>? b)
    {
        if (a is null || b is null || a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (!Same(a[i], b[i])) return false;
        return true;
    }
}
