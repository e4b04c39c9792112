using DeepSeek.Backends;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Tracing;

using Shape = DeepSeek.Shape;

[Collection("Pool")]
public sealed class TracerMemoryTests
{
    [Fact]
    public void TracingAndDisposingTheGraphLeavesNoTensorsBehind()
    {
        using var w = Tensor.RandN(new Shape(4, 3), new Generator(20));
        using var x = Tensor.RandN(new Shape(2, 4), new Generator(21));
        long before = BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse;
        using (Tensor.NewScope())
        {
            using var g = Tracer.Trace(t =>
            {
                using var wt = w.T;
                using var tw = wt.T;
                using var m = t.MatMul(tw);
                using var a = m * 0.5;
                using var b = 2.0 + a;
                using var c = b.Reshape(3, 2);
                return c.HardSwish();
            }, x);
            var outs = new Interpreter().Run(g, new Dictionary<string, RuntimeValue> { ["input"] = x.Detach() });
            foreach (var v in outs.Values) v.Dispose();
        }
        Assert.Equal(before, BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse);
    }

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.F64)]
    public void HalfAndDoubleFunctionsTraceWithConstantsInTheirDType(DType dtype)
    {
        using var x32 = Tensor.RandN(new Shape(3, 4), new Generator(22));
        using var x = x32.To(dtype);
        Func<Tensor, Tensor> f = t =>
        {
            using var a = t * 3.0;
            using var r = a.Relu();
            return r.Sub(t, 2);
        };
        using var g = Tracer.Trace(f, x);
        Assert.All(g.Constants, c => Assert.Equal(dtype, c.Constant!.DType));
        Assert.Equal(["Mul", "Relu", "Mul", "Sub", "Identity"], g.Nodes.Select(n => n.OpType).ToArray()); // alpha = 2 is a Mul
        using var eager = f(x);
        var outs = new Interpreter().Run(g, new Dictionary<string, RuntimeValue> { ["input"] = x.Detach() });
        using var y = outs["output"].AsTensor("y");
        Assert.Equal(dtype, y.DType);
        var e = eager.To(DType.F64).ToArray<double>();
        var a = y.To(DType.F64).ToArray<double>();
        double tol = dtype == DType.F64 ? 1e-12 : dtype == DType.F16 ? 2e-3 : 2e-2;
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tol * (1 + Math.Abs(e[i])), $"[{i}] {a[i]} vs {e[i]}");
    }
}
