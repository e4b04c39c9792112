using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;
using DeepSeek.Graph.Ops;

namespace DeepSeek.Graph.Tests.Compilation.ElementwiseFusion;

using Shape = DeepSeek.Shape;

/// <summary>Builds small graphs, runs the pass on a clone and compares the interpreter's outputs before and after.</summary>
internal static class FusionTestUtil
{
    public static Graph NewGraph(string name, long opset = 17)
    {
        var g = new Graph(name);
        g.OpsetImports[""] = opset;
        return g;
    }

    public static TensorType F32(params Dim[] dims) => new(DType.F32, dims);

    public static Value Input(Graph g, string name, params int[] shape) =>
        g.AddInput(name, F32(shape.Select(d => Dim.Of(d)).ToArray()));

    public static Value Const(Graph g, string name, float value, params int[] shape) =>
        g.AddConstant(name, Tensor.Full(new Shape(shape), value));

    public static Value Op(Graph g, string op, string output, params Value?[] inputs) => g.AddNode(op, inputs, [output], name: output).Outputs[0];

    /// <summary>Runs the interpreter; returns every output as floats.</summary>
    public static Dictionary<string, float[]> Run(Graph g, IReadOnlyDictionary<string, Tensor> feeds)
    {
        g.Validate();
        var interp = new Interpreter();
        interp.Check(g);
        var outs = interp.Run(g, feeds.ToDictionary(kv => kv.Key, kv => (RuntimeValue)new TensorValue(kv.Value)));
        var result = new Dictionary<string, float[]>();
        foreach (var (k, v) in outs)
        {
            result[k] = v.AsTensor(k).ToArray<float>();
            v.Dispose();
        }
        return result;
    }

    /// <summary>A clone of <paramref name="g"/> after the pass (validated), and the pass log.</summary>
    public static (Graph After, bool Changed, List<string> Log) Fuse(Graph g)
    {
        var after = g.Clone();
        var ctx = new PassContext(new CompileOptions());
        bool changed = new DeepSeek.Graph.Compilation.Passes.ElementwiseFusion().Run(after, ctx);
        if (changed) after.RemoveUnusedValues();
        after.Validate();
        return (after, changed, ctx.Log);
    }

    /// <summary>Random feeds of the given shapes.</summary>
    public static Dictionary<string, Tensor> Feeds(ulong seed, params (string Name, int[] Shape)[] inputs) =>
        inputs.Select((x, i) => (x.Name, T: Tensor.RandN(new Shape(x.Shape), new Generator(seed + (ulong)i)))).ToDictionary(x => x.Name, x => x.T);

    /// <summary>Asserts both graphs give the same outputs (by name) within 1e-6 relative.</summary>
    public static void AssertSameOutputs(Graph before, Graph after, IReadOnlyDictionary<string, Tensor> feeds)
    {
        var a = Run(before, feeds);
        var b = Run(after, feeds);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, expected) in a)
        {
            var actual = b[name];
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Close(expected[i], actual[i]), $"output '{name}'[{i}]: unfused {expected[i]:R}, fused {actual[i]:R}");
        }
    }

    private static bool Close(float e, float a) =>
        (float.IsNaN(e) && float.IsNaN(a)) || e == a || Math.Abs(a - e) <= 1e-6 * Math.Abs(e) + 1e-30;

    public static List<Node> FusedNodes(Graph g) => g.Nodes.Where(n => n.OpType == FusedElementwiseOps.OpType && n.Domain == FusedElementwiseOps.Domain).ToList();

    public static string Program(Node n) => n.GetString(FusedElementwiseOps.ProgramAttribute, "");

    public static float[] Constants(Node n) => n.GetFloats(FusedElementwiseOps.ConstantsAttribute) ?? [];

    public static void DisposeAll(Dictionary<string, Tensor> feeds)
    {
        foreach (var t in feeds.Values) t.Dispose();
    }
}
