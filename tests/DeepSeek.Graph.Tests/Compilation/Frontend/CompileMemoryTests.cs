using DeepSeek.Backends;
using DeepSeek.Graph.Compilation;

namespace DeepSeek.Graph.Tests.Compilation.Frontend;

using Shape = DeepSeek.Shape;

[Collection("Pool")]
public sealed class CompileMemoryTests
{
    [Fact]
    public void CompilingRunningAndDisposingLeavesNoTensorsBehind()
    {
        using var w = Tensor.RandN(new Shape(3, 3), new Generator(60));
        using var hi = Tensor.RandN(new Shape(4, 3), new Generator(61), mean: 2);
        using var lo = Tensor.RandN(new Shape(4, 3), new Generator(62), mean: -2);
        Tensor[] F(Tensor[] xs)
        {
            var x = xs[0];
            using var m = x.Mean();
            using var gt = m.Gt(0.0);
            using var s = x.Sum();
            bool big = s.Item<float>() > 10; // a value guard
            using var picked = Tensor.Cond(gt, () => [x.MatMul(w)], () => [x.Neg()])[0]; // an If
            return [big ? picked * 2.0 : picked + 1.0, x.Clone()];
        }
        var pool = BackendRegistry.Get(Device.Cpu).Pool;
        GC.Collect(); // storages other tests leaked must not be finalized inside the measured region
        GC.WaitForPendingFinalizers();
        long before = pool.Statistics.BytesInUse;
        using (Tensor.NewScope())
        {
            using var f = Compiler.Compile(F, new CompileOptions { MaxVariants = 2 });
            foreach (var x in new[] { hi, lo, hi, lo, hi })
                foreach (var y in f.Run(x)) y.Dispose();
            using var third = Tensor.RandN(new Shape(4, 3), new Generator(63), mean: 1);
            foreach (var y in f.Run(third)) y.Dispose(); // eager fallback
            Assert.Equal(2, f.Stats.Traces);
            Assert.Equal(1, f.Stats.EagerFallbacks);
            _ = f.Dump();
        }
        Assert.Equal(before, pool.Statistics.BytesInUse);
    }

    [Fact]
    public void OutputsJoinTheCallersScope()
    {
        using var x = Tensor.RandN(new Shape(8), new Generator(64));
        var pool = BackendRegistry.Get(Device.Cpu).Pool;
        using var f = Compiler.Compile(xs => [xs[0].Relu()]);
        f.Run(x)[0].Dispose(); // trace outside the measured region
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = pool.Statistics.BytesInUse;
        Tensor y;
        using (Tensor.NewScope())
        {
            y = f.Run(x)[0];
            Assert.False(y.IsDisposed);
        }
        Assert.True(y.IsDisposed);
        Assert.Equal(before, pool.Statistics.BytesInUse);
    }
}
