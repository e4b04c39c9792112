using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Ops.MathFamily;

using Shape = DeepSeek.Shape;  // the sibling namespace DeepSeek.Graph.Tests.Ops.Shape would hide the type

/// <summary>Runs one ONNX node through the interpreter and compares results against double-precision references.</summary>
internal static class MathTestUtil
{
    /// <summary>Builds a one-node graph (inputs in order; null = omitted optional input), runs it, returns output 0.</summary>
    public static Tensor Run(string op, long opset, Tensor?[] inputs, params (string Name, AttributeValue Value)[] attrs)
    {
        using var g = new Graph(op.ToLowerInvariant());
        g.OpsetImports[""] = opset;
        var ins = new List<Value?>();
        var feeds = new Dictionary<string, RuntimeValue>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t) { ins.Add(null); continue; }
            ins.Add(g.AddInput("in" + i));
            feeds["in" + i] = t.Detach();
        }
        var n = g.AddNode(op, ins, ["y"], name: "n0");
        foreach (var (name, value) in attrs) n.Attributes[name] = value;
        g.AddOutput(n.Outputs[0]);
        var interp = new Interpreter();
        interp.Check(g);
        var outs = interp.Run(g, feeds);
        return outs["y"].AsTensor("y");
    }

    /// <summary>Attribute helpers.</summary>
    public static (string, AttributeValue) Attr(string name, long v) => (name, AttributeValue.Of(v));

    /// <inheritdoc cref="Attr(string, long)"/>
    public static (string, AttributeValue) Attr(string name, float v) => (name, AttributeValue.Of(v));

    /// <inheritdoc cref="Attr(string, long)"/>
    public static (string, AttributeValue) Attr(string name, string v) => (name, AttributeValue.Of(v));

    /// <summary>Asserts |a − e| ≤ atol + rtol·|e| elementwise (NaN matches NaN, infinities must match exactly).</summary>
    public static void AssertClose(double[] expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6)
    {
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            double e = expected[i], v = a[i];
            if (double.IsNaN(e)) { Assert.True(double.IsNaN(v), $"element {i}: expected NaN, got {v:R}"); continue; }
            if (double.IsInfinity(e)) { Assert.True(e == v, $"element {i}: expected {e}, got {v:R}"); continue; }
            if (!(System.Math.Abs(v - e) <= atol + rtol * System.Math.Abs(e)))
                Assert.Fail($"element {i}: expected {e:R}, got {v:R} (|diff| {System.Math.Abs(v - e):G3})");
        }
    }

    /// <summary>Applies <paramref name="f"/> to each element of <paramref name="t"/> read as double (in logical order).</summary>
    public static double[] Map(Tensor t, Func<double, double> f) => t.ToDoubleArray().Select(f).ToArray();

    /// <summary>Reference values of a broadcast binary function computed with naive index arithmetic.</summary>
    public static double[] Map2(Tensor a, Tensor b, Func<double, double, double> f)
    {
        var shape = Shape.Broadcast(a.Shape, b.Shape, "test");
        using var ae = a.BroadcastTo(shape);
        using var be = b.BroadcastTo(shape);
        var av = ae.ToDoubleArray();
        var bv = be.ToDoubleArray();
        return av.Select((x, i) => f(x, bv[i])).ToArray();
    }

    /// <summary>A [rows, cols] F32 tensor of uniform values in [lo, hi), returned as a transposed (non-contiguous) view.</summary>
    public static Tensor TransposedRand(int rows, int cols, double lo, double hi, int seed, DType dtype = DType.F32)
    {
        using var t = Tensor.Rand(new Shape(cols, rows), new Generator((ulong)seed), lo, hi, DType.F32);
        using var c = t.To(dtype);
        return c.Transpose(0, 1);
    }
}
