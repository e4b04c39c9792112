using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Compilation.Fusion;

using Shape = DeepSeek.Shape;

/// <summary>Building small graphs by hand, running a pass, and comparing Interpreter outputs before and after.</summary>
internal static class FusionTestKit
{
    /// <summary>
    /// The default kernels plus deepseek::Gelu (attribute approximate), which another pass produces from GELU patterns;
    /// a private registry so no test changes the process-wide one.
    /// </summary>
    public static OpRegistry Registry { get; } = CreateRegistry();

    private static OpRegistry CreateRegistry()
    {
        var r = new OpRegistry();
        foreach (var (domain, op, versions) in OpRegistry.Default.Entries)
            foreach (var v in versions)
                r.Register(op, v, OpRegistry.Default.Find(domain, op, v)!, domain);
        r.Register("Gelu", 1, ctx => [new TensorValue(ctx.Tensor(0).Gelu(
            ctx.Node.GetString("approximate", "none") == "tanh" ? GeluApproximation.Tanh : GeluApproximation.None))], "deepseek");
        return r;
    }

    /// <summary>A graph with ONNX opset 17 (18 when Clip takes inputs is fine either way) and the deepseek domain.</summary>
    public static Graph NewGraph(string name, long opset = 20)
    {
        var g = new Graph(name);
        g.OpsetImports[""] = opset;
        g.OpsetImports["deepseek"] = 1;
        return g;
    }

    /// <summary>A static f32 tensor type.</summary>
    public static TensorType F32(params int[] dims) => new(DType.F32, dims.Select(d => Dim.Of(d)).ToArray());

    /// <summary>Sets <paramref name="v"/>'s static type to f32 <paramref name="dims"/> and returns it.</summary>
    public static Value Typed(Value v, params int[] dims)
    {
        v.Type = F32(dims);
        return v;
    }

    public static Tensor RandN(ulong seed, params int[] shape) => Tensor.RandN(new Shape(shape), new Generator(seed));

    /// <summary><paramref name="t"/>·<paramref name="s"/>, disposing <paramref name="t"/>.</summary>
    public static Tensor Scaled(Tensor t, double s)
    {
        using (t) return t.Mul(s);
    }

    /// <summary>Runs <paramref name="g"/> and returns every output's values.</summary>
    public static Dictionary<string, float[]> Run(Graph g, params (string Name, Tensor Value)[] inputs)
    {
        var interp = new Interpreter(Registry);
        interp.Check(g);
        var outs = interp.Run(g, inputs.ToDictionary(i => i.Name, i => (RuntimeValue)i.Value.Detach()));
        var r = new Dictionary<string, float[]>();
        foreach (var (k, v) in outs)
        {
            using (v) r[k] = v.AsTensor(k).ToArray<float>();
        }
        return r;
    }

    /// <summary>Runs <paramref name="pass"/> on <paramref name="g"/> as the PassManager would (dropping orphans, validating); returns its log.</summary>
    public static List<string> Apply(IGraphPass pass, Graph g)
    {
        var ctx = new PassContext(new CompileOptions());
        if (pass.Run(g, ctx)) g.RemoveUnusedValues();
        g.Validate();
        return ctx.Log;
    }

    /// <summary>Runs the pass on a clone of <paramref name="g"/> and asserts both graphs give the same outputs; returns the rewritten graph.</summary>
    public static Graph ApplyAndCompare(IGraphPass pass, Graph g, double tol, params (string Name, Tensor Value)[] inputs)
    {
        var before = Run(g, inputs);
        var after = g.Clone();
        Apply(pass, after);
        var got = Run(after, inputs);
        Assert.Equal(before.Keys.OrderBy(k => k), got.Keys.OrderBy(k => k));
        foreach (var (k, want) in before)
        {
            Assert.Equal(want.Length, got[k].Length);
            for (int i = 0; i < want.Length; i++)
                if (!(Math.Abs(want[i] - got[k][i]) <= tol * (1 + Math.Abs(want[i]))))
                    Assert.Fail($"output '{k}' element {i}: unfused {want[i]:R}, fused {got[k][i]:R}");
        }
        return after;
    }

    /// <summary>The op types of the graph's nodes in order, "domain.op" for non-ONNX domains.</summary>
    public static string[] OpList(Graph g) => g.Nodes.Select(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}").ToArray();
}
