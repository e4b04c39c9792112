using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Ops.ShapeFamily;

/// <summary>Runs one ONNX node through the interpreter.</summary>
internal static class OneNode
{
    public static Tensor[] Run(string op, long opset, Tensor?[] inputs, (string Name, AttributeValue Value)[]? attrs = null, int outputs = 1)
    {
        using var g = new Graph(op);
        g.OpsetImports[""] = opset;
        var feeds = new Dictionary<string, RuntimeValue>();
        var ins = new List<Value?>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) { ins.Add(null); continue; }
            ins.Add(g.AddInput("in" + i));
            feeds["in" + i] = new TensorValue(inputs[i]!.Detach());
        }
        var n = g.AddNode(op, ins, Enumerable.Range(0, outputs).Select(i => "out" + i), name: "n");
        foreach (var (k, v) in attrs ?? []) n.Attributes[k] = v;
        foreach (var o in n.Outputs) g.AddOutput(o);
        var res = new Interpreter().Run(g, feeds);
        foreach (var f in feeds.Values) f.Dispose();
        return Enumerable.Range(0, outputs).Select(i => res["out" + i].AsTensor("out")).ToArray();
    }

    public static Tensor Run1(string op, long opset, Tensor?[] inputs, params (string Name, AttributeValue Value)[] attrs) =>
        Run(op, opset, inputs, attrs)[0];

    public static (string, AttributeValue) A(string name, long v) => (name, AttributeValue.Of(v));
    public static (string, AttributeValue) A(string name, long[] v) => (name, AttributeValue.Of(v));
    public static (string, AttributeValue) A(string name, string v) => (name, AttributeValue.Of(v));
    public static (string, AttributeValue) A(string name, float v) => (name, AttributeValue.Of(v));

    public static Tensor L(params long[] v) => Tensor.FromArray(v);
    public static Tensor F(float[] v, params int[] shape) => Tensor.FromArray(v, shape);
    public static Tensor Seq(int n, params int[] shape) => Tensor.Arange(0, n, 1, DType.F32).Reshape(shape);

    public static void Same(float[] expected, int[] shape, Tensor actual)
    {
        Assert.Equal(shape, actual.Shape.ToArray());
        Assert.Equal(expected, actual.ToArray<float>());
    }

    public static void Close(double[] expected, int[] shape, Tensor actual, double tol = 1e-5)
    {
        Assert.Equal(shape, actual.Shape.ToArray());
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - expected[i]) <= tol + tol * Math.Abs(expected[i]), $"element {i}: expected {expected[i]}, got {a[i]}");
    }
}
