using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Compilation.Transformer;

/// <summary>Builds small graphs by hand, runs a pass on a copy and compares the Interpreter's outputs before and after.</summary>
internal static class TransformerKit
{
    public static Graph NewGraph(long opset = 17)
    {
        var g = new Graph("test");
        g.OpsetImports[""] = opset;
        return g;
    }

    public static Value Input(Graph g, string name, params long[] shape) =>
        g.AddInput(name, new TensorType(DType.F32, shape.Select(d => Dim.Of(d)).ToArray()));

    public static Value Scalar(Graph g, double value, DType dtype = DType.F32) => g.AddConstant(g.FreshName("c"), Tensor.Scalar(value, dtype));

    public static Value Const(Graph g, Tensor data) => g.AddConstant(g.FreshName("w"), data);

    public static Value Op(Graph g, string op, params Value?[] inputs) => g.AddNode(op, inputs, [""]).Outputs[0];

    public static Value Op(Graph g, string op, Value?[] inputs, params (string Name, AttributeValue Value)[] attrs)
    {
        var n = g.AddNode(op, inputs, [""]);
        foreach (var (k, a) in attrs) n.Attributes[k] = a;
        return n.Outputs[0];
    }

    /// <summary>Gives <paramref name="v"/> a static F32 type (what a tracer or shape inference would record).</summary>
    public static Value Typed(this Value v, params long[] shape)
    {
        v.Type = new TensorType(DType.F32, shape.Select(d => Dim.Of(d)).ToArray());
        return v;
    }

    public static (string, AttributeValue) A(string name, long v) => (name, AttributeValue.Of(v));
    public static (string, AttributeValue) A(string name, long[] v) => (name, AttributeValue.Of(v));
    public static (string, AttributeValue) A(string name, float v) => (name, AttributeValue.Of(v));

    /// <summary>A copy of <paramref name="g"/> after <paramref name="pass"/>, validated, with unused values dropped; and the pass log.</summary>
    public static (Graph Graph, bool Changed, IReadOnlyList<string> Log) RunPass(IGraphPass pass, Graph g)
    {
        var copy = g.Clone();
        var ctx = new PassContext(new CompileOptions());
        bool changed = pass.Run(copy, ctx);
        copy.RemoveUnusedValues();
        copy.Validate();
        new Interpreter().Check(copy);
        return (copy, changed, ctx.Log);
    }

    /// <summary>Op types ("deepseek::Gelu" for non-ONNX domains) with their counts.</summary>
    public static Dictionary<string, int> Ops(Graph g) =>
        g.Nodes.GroupBy(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}::{n.OpType}").ToDictionary(x => x.Key, x => x.Count());

    public static Node Single(Graph g, string op, string domain = "") => Assert.Single(g.Nodes, n => n.OpType == op && n.Domain == domain);

    /// <summary>Runs both graphs on the same inputs and asserts every output agrees within <paramref name="rtol"/> of the output's scale.</summary>
    public static void AssertSameOutputs(Graph before, Graph after, IReadOnlyDictionary<string, Tensor> feeds, double rtol = 1e-5)
    {
        var a = RunAll(before, feeds);
        var b = RunAll(after, feeds);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, expected) in a)
        {
            var actual = b[name];
            Assert.Equal(expected.Length, actual.Length);
            double scale = expected.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
            for (int i = 0; i < expected.Length; i++)
            {
                if (double.IsNaN(expected[i])) { Assert.True(double.IsNaN(actual[i]), $"{name}[{i}]: NaN expected, got {actual[i]}"); continue; }
                double tol = rtol * (Math.Abs(expected[i]) + scale) + 1e-30;
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"{name}[{i}]: unfused {expected[i]:R}, fused {actual[i]:R}");
            }
        }
    }

    public static Dictionary<string, double[]> RunAll(Graph g, IReadOnlyDictionary<string, Tensor> feeds)
    {
        var inputs = feeds.Where(kv => g.Inputs.Any(i => i.Name == kv.Key)).ToDictionary(kv => kv.Key, kv => (RuntimeValue)kv.Value.Detach());
        var outs = new Interpreter().Run(g, inputs);
        var result = new Dictionary<string, double[]>();
        foreach (var (name, v) in outs)
        {
            result[name] = v.AsTensor(name).ToDoubleArray();
            v.Dispose();
        }
        foreach (var v in inputs.Values) v.Dispose();
        return result;
    }

    public static Tensor RandN(ulong seed, params int[] shape) => Tensor.RandN(new Shape(shape), new Generator(seed));
}
