using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Compilation.Passes;

using Shape = DeepSeek.Shape;

/// <summary>Before/after harness for pass tests: run a pass on a graph and compare the Interpreter's outputs with an untouched clone's.</summary>
internal static class PassTest
{
    public static Graph NewGraph(string name = "g", long opset = 17)
    {
        var g = new Graph(name);
        g.OpsetImports[""] = opset;
        return g;
    }

    public static Tensor RandN(int seed, params int[] shape) => Tensor.RandN(new Shape(shape), new Generator((ulong)seed));

    public static Tensor Longs(params long[] v) => Tensor.FromArray(v);

    /// <summary>Runs <paramref name="pass"/> like the pass manager does (then drops unused values) and validates the result.</summary>
    public static (bool Changed, IReadOnlyList<string> Log) Apply(IGraphPass pass, Graph g)
    {
        var ctx = new PassContext(new CompileOptions());
        bool changed = pass.Run(g, ctx);
        if (changed) g.RemoveUnusedValues();
        g.Validate();
        return (changed, ctx.Log);
    }

    public static string[] OpTypes(Graph g) => g.Nodes.Select(n => n.OpType).ToArray();

    /// <summary>Runs <paramref name="g"/> on <paramref name="inputs"/> (not consumed) and returns its outputs by name.</summary>
    public static Dictionary<string, Tensor> Run(Graph g, params (string Name, Tensor Value)[] inputs)
    {
        var feeds = inputs.ToDictionary(i => i.Name, i => (RuntimeValue)new TensorValue(i.Value.Detach()));
        var outs = new Interpreter().Run(g, feeds);
        foreach (var f in feeds.Values) f.Dispose();
        return outs.ToDictionary(kv => kv.Key, kv => kv.Value.AsTensor(kv.Key));
    }

    /// <summary>
    /// Asserts that <paramref name="after"/> gives the outputs of <paramref name="before"/> (same names, dtypes and
    /// shapes) with ‖a − b‖∞ ≤ <paramref name="rtol"/>·‖b‖∞ per output (0 = bit-exact).
    /// </summary>
    public static void SameOutputs(Graph before, Graph after, double rtol, params (string Name, Tensor Value)[] inputs)
    {
        var expected = Run(before, inputs);
        var actual = Run(after, inputs);
        try
        {
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, e) in expected)
            {
                var a = actual[name];
                Assert.Equal(e.DType, a.DType);
                Assert.Equal(e.Shape.ToArray(), a.Shape.ToArray());
                var ed = e.ToDoubleArray();
                var ad = a.ToDoubleArray();
                double scale = ed.Length == 0 ? 0 : ed.Max(Math.Abs), worst = 0;
                for (int i = 0; i < ed.Length; i++) worst = Math.Max(worst, Math.Abs(ad[i] - ed[i]));
                Assert.True(worst <= rtol * scale, $"output '{name}': max |after − before| = {worst:G4}, allowed {rtol * scale:G4} (‖before‖∞ = {scale:G4})");
            }
        }
        finally
        {
            foreach (var t in expected.Values.Concat(actual.Values)) t.Dispose();
        }
    }

    /// <summary>Clones <paramref name="g"/>, runs <paramref name="pass"/> on the clone and checks the outputs against the original.</summary>
    public static Graph ApplyAndCompare(IGraphPass pass, Graph g, double rtol, params (string Name, Tensor Value)[] inputs)
    {
        var after = g.Clone();
        try
        {
            Assert.True(Apply(pass, after).Changed, $"{pass.Name} changed nothing:\n{after}");
            SameOutputs(g, after, rtol, inputs);
            return after;
        }
        catch
        {
            after.Dispose();
            throw;
        }
    }
}
