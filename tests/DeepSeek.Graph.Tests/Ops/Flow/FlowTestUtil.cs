using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Ops.Flow;

using Shape = DeepSeek.Shape;

/// <summary>Builds and runs small hand-made graphs for the control-flow tests.</summary>
internal static class FlowTestUtil
{
    /// <summary>The default kernels plus test-only helpers (Less, Cast to f32) so bodies can compute conditions.</summary>
    public static readonly OpRegistry Registry = Build();

    private static OpRegistry Build()
    {
        var r = new OpRegistry();
        foreach (var (domain, op, versions) in OpRegistry.Default.Entries)
            foreach (var v in versions)
                r.Register(op, v, OpRegistry.Default.Find(domain, op, v)!, domain);
        r.Register("TestLess", 1, ctx => [new TensorValue(ctx.Tensor(0).Lt(ctx.Tensor(1)))], "test");
        r.Register("TestToF32", 1, ctx => [new TensorValue(ctx.Tensor(0).To(DType.F32))], "test");
        return r;
    }

    public static Graph NewGraph(string name, long opset = 17)
    {
        var g = new Graph(name);
        g.OpsetImports[""] = opset;
        g.OpsetImports["test"] = 1;
        return g;
    }

    public static Dictionary<string, RuntimeValue> Run(Graph g, params (string Name, RuntimeValue Value)[] inputs)
    {
        g.Validate();
        var interp = new Interpreter(Registry);
        interp.Check(g);
        return interp.Run(g, inputs.ToDictionary(i => i.Name, i => i.Value));
    }

    public static Tensor F(float[] data, params int[] shape) => Tensor.FromArray(data, shape);

    public static Tensor L(long v) => Tensor.Scalar(v, DType.I64);

    public static Tensor B(bool v) => Tensor.Scalar(v ? 1 : 0, DType.Bool);

    public static float[] Floats(RuntimeValue v) => v.AsTensor("test").ToArray<float>();

    public static void Dispose(Dictionary<string, RuntimeValue> outs)
    {
        foreach (var v in outs.Values) v.Dispose();
    }
}
