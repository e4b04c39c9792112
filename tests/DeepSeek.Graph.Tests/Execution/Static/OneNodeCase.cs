namespace DeepSeek.Graph.Tests.Execution.Static;

using Shape = DeepSeek.Shape;

/// <summary>A one-node graph to build: runtime inputs, constant inputs, omitted inputs and attributes.</summary>
internal sealed class OneNodeCase(string op, long opset) : IDisposable
{
    private readonly List<(Tensor? Data, bool Constant)> _inputs = new();
    private readonly Dictionary<string, AttributeValue> _attrs = new();
    private int _seed = 1;

    public OneNodeCase X(Tensor t) { _inputs.Add((t, false)); return this; }
    public OneNodeCase C(Tensor t) { _inputs.Add((t, true)); return this; }
    public OneNodeCase None() { _inputs.Add((null, false)); return this; }
    public OneNodeCase A(string name, long v) { _attrs[name] = AttributeValue.Of(v); return this; }
    public OneNodeCase A(string name, float v) { _attrs[name] = AttributeValue.Of(v); return this; }
    public OneNodeCase A(string name, string v) { _attrs[name] = AttributeValue.Of(v); return this; }
    public OneNodeCase A(string name, params long[] v) { _attrs[name] = AttributeValue.Of(v); return this; }

    /// <summary>Normal samples, F32 unless another dtype is asked for.</summary>
    public Tensor N(params int[] shape) => Tensor.RandN(new Shape(shape), new Generator((ulong)_seed++));

    /// <summary>Uniform samples in [lo, hi) of <paramref name="dtype"/>.</summary>
    public Tensor U(double lo, double hi, DType dtype, params int[] shape)
    {
        using var f = Tensor.Rand(new Shape(shape), new Generator((ulong)_seed++), lo, hi, DType.F64);
        return f.To(dtype);
    }

    /// <summary>Integer samples in [lo, hi).</summary>
    public Tensor I(long lo, long hi, DType dtype, params int[] shape) => Tensor.RandInt(lo, hi, new Shape(shape), new Generator((ulong)_seed++), dtype);

    /// <summary>Builds the graph: runtime inputs become graph inputs (returned as feeds), constants are copied into it.</summary>
    public (Graph Graph, Tensor[] Feeds) Build(int outputs = 1)
    {
        var g = new Graph(op.ToLowerInvariant());
        g.OpsetImports[""] = opset;
        var values = new List<Value?>();
        var feeds = new List<Tensor>();
        for (int i = 0; i < _inputs.Count; i++)
        {
            var (t, constant) = _inputs[i];
            if (t is null) values.Add(null);
            else if (constant) values.Add(g.AddConstant("c" + i, t.Clone()));
            else { values.Add(g.AddInput("x" + i)); feeds.Add(t); }
        }
        var node = g.AddNode(op, values, Enumerable.Range(0, outputs).Select(i => "y" + i), name: "n");
        foreach (var (k, v) in _attrs) node.Attributes[k] = v;
        foreach (var o in node.Outputs) g.AddOutput(o);
        return (g, feeds.ToArray());
    }

    public void Dispose()
    {
        foreach (var (t, _) in _inputs) t?.Dispose();
    }
}
