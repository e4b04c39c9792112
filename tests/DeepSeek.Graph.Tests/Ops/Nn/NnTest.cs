using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Ops.Nn;

using Shape = DeepSeek.Shape;

/// <summary>Runs one-node graphs and holds naive double-precision references for the NN-family kernel tests.</summary>
internal static class NnTest
{
    /// <summary>Builds a graph with a single <paramref name="op"/> node (null inputs are omitted optional inputs) and runs it.</summary>
    public static Tensor[] Run(string op, long opset, Tensor?[] inputs, IEnumerable<(string Name, object Value)>? attrs = null, int outputs = 1)
    {
        using var g = new Graph("t");
        g.OpsetImports[""] = opset;
        var values = new List<Value?>();
        var feeds = new Dictionary<string, RuntimeValue>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) { values.Add(null); continue; }
            var v = g.AddInput("in" + i);
            values.Add(v);
            feeds["in" + i] = inputs[i]!.Detach();
        }
        var node = g.AddNode(op, values, Enumerable.Range(0, outputs).Select(i => "out" + i), name: "node");
        foreach (var (name, value) in attrs ?? [])
            node.Attributes[name] = value switch
            {
                long l => AttributeValue.Of(l),
                int i => AttributeValue.Of((long)i),
                float f => AttributeValue.Of(f),
                double d => AttributeValue.Of((float)d),
                string s => AttributeValue.Of(s),
                long[] ls => AttributeValue.Of(ls),
                int[] iss => AttributeValue.Of(iss.Select(x => (long)x).ToArray()),
                float[] fs => AttributeValue.Of(fs),
                _ => throw new ArgumentException($"attribute {name}: unsupported value {value}"),
            };
        foreach (var o in node.Outputs) g.AddOutput(o);
        var res = new Interpreter().Run(g, feeds);
        return node.Outputs.Select(o => res[o.Name].AsTensor(o.Name)).ToArray();
    }

    /// <summary>Deterministic normal data.</summary>
    public static Tensor RandN(int seed, params int[] shape) => Tensor.RandN(new Shape(shape), new Generator((ulong)seed));

    /// <summary>Asserts |a − e| ≤ atol + rtol·|e| elementwise (NaN = NaN, equal infinities match) and the shape.</summary>
    public static void AssertClose(Tensor actual, int[] shape, double[] expected, double rtol = 1e-4, double atol = 1e-5)
    {
        Assert.True(actual.Shape == new Shape(shape), $"expected shape {new Shape(shape)}, got {actual.Shape}");
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            double e = expected[i], v = a[i];
            if (double.IsNaN(e) && double.IsNaN(v)) continue;
            if (double.IsInfinity(e) && e == v) continue;
            if (!(Math.Abs(v - e) <= atol + rtol * Math.Abs(e)))
                Assert.Fail($"element {i}: expected {e:R}, got {v:R}");
        }
    }

    /// <summary>Row-major strides of <paramref name="shape"/>.</summary>
    public static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>All multi-indices of <paramref name="shape"/> in row-major order.</summary>
    public static IEnumerable<int[]> Indices(int[] shape)
    {
        int total = shape.Aggregate(1, (p, v) => p * v);
        var st = Strides(shape);
        for (int f = 0; f < total; f++)
        {
            var idx = new int[shape.Length];
            for (int d = 0; d < shape.Length; d++) idx[d] = f / st[d] % shape[d];
            yield return idx;
        }
    }

    /// <summary>Naive N-d convolution (cross-correlation) with begin pads, strides, dilations and groups.</summary>
    public static double[] Conv(double[] x, int[] xs, double[] w, int[] ws, double[]? b, int[] pb, int[] s, int[] dil, int group, int[] outSpatial)
    {
        int n = xs[0], c = xs[1], m = ws[0], cg = ws[1], d = xs.Length - 2;
        var xst = Strides(xs);
        var wst = Strides(ws);
        var outShape = new[] { n, m }.Concat(outSpatial).ToArray();
        var y = new double[outShape.Aggregate(1, (p, v) => p * v)];
        var kernel = ws[2..];
        int f = 0;
        foreach (var o in Indices(outShape))
        {
            int g = o[1] / (m / group);
            double acc = b?[o[1]] ?? 0;
            for (int ci = 0; ci < cg; ci++)
                foreach (var k in Indices(kernel))
                {
                    long xi = (long)o[0] * xst[0] + (long)(g * cg + ci) * xst[1];
                    bool inside = true;
                    for (int j = 0; j < d; j++)
                    {
                        int p = o[2 + j] * s[j] - pb[j] + k[j] * dil[j];
                        if (p < 0 || p >= xs[2 + j]) { inside = false; break; }
                        xi += (long)p * xst[2 + j];
                    }
                    if (!inside) continue;
                    long wi = (long)o[1] * wst[0] + ci * wst[1];
                    for (int j = 0; j < d; j++) wi += (long)k[j] * wst[2 + j];
                    acc += x[xi] * w[wi];
                }
            y[f++] = acc;
        }
        return y;
    }

    /// <summary>Naive pooling: max (padding never wins), average (count rule) or Lp.</summary>
    public static double[] Pool(double[] x, int[] xs, int[] kernel, int[] pb, int[] pe, int[] s, int[] dil, int[] outSpatial, string kind, bool includePad, double p = 2)
    {
        int d = kernel.Length;
        var xst = Strides(xs);
        var outShape = new[] { xs[0], xs[1] }.Concat(outSpatial).ToArray();
        var y = new List<double>();
        foreach (var o in Indices(outShape))
        {
            double max = double.NegativeInfinity, sum = 0;
            int count = 0;
            foreach (var k in Indices(kernel))
            {
                long xi = (long)o[0] * xst[0] + (long)o[1] * xst[1];
                bool inside = true, inPadded = true;
                for (int j = 0; j < d; j++)
                {
                    int q = o[2 + j] * s[j] - pb[j] + k[j] * dil[j];
                    if (q < 0 || q >= xs[2 + j]) inside = false;
                    if (q < -pb[j] || q >= xs[2 + j] + pe[j]) inPadded = false;
                    if (inside) xi += (long)q * xst[2 + j];
                }
                if (inside)
                {
                    max = Math.Max(max, x[xi]);
                    sum += kind == "lp" ? Math.Pow(Math.Abs(x[xi]), p) : x[xi];
                    count++;
                }
                else if (includePad && inPadded) count++;
            }
            y.Add(kind switch { "max" => max, "avg" => sum / count, _ => Math.Pow(sum, 1 / p) });
        }
        return y.ToArray();
    }
}
