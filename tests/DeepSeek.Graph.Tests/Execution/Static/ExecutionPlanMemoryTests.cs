using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Execution.Static.PlanTestUtil;

namespace DeepSeek.Graph.Tests.Execution.Static;

using Shape = DeepSeek.Shape;

/// <summary>Pool accounting of planned runs (alone: other tests would move the pool counters).</summary>
[Collection("Pool")]
public sealed class ExecutionPlanMemoryTests
{
    private static Memory.PoolStatistics Stats => BackendRegistry.Get(Device.Cpu).Pool.Statistics;

    [Fact]
    public void SteadyStateRunsAllocateOnlyTheirOutputs()
    {
        // the chain plus a second output read by no one: every node has a static kernel
        using var g = ExecutionPlanTests.Chain();
        var extra = g.AddNode("Sigmoid", [g.Inputs[0]], ["side"]);
        g.AddOutput(extra.Outputs[0]);
        using var x = Tensor.RandN(new Shape(4, 16), new Generator(5));
        using var plan = ExecutionPlan.Create(g, [x]);
        Assert.Empty(plan.Report.FallbackNodes);
        for (int i = 0; i < 2; i++) DisposeAll(plan.Run([x])); // first run makes the arena instance
        const int runs = 5;
        long before = Stats.AllocationCount;
        for (int i = 0; i < runs; i++) DisposeAll(plan.Run([x]));
        long perRun = (Stats.AllocationCount - before) / runs;
        Assert.Equal(2, perRun);
        Assert.Equal(0, (Stats.AllocationCount - before) % runs);
    }

    [Fact]
    public void CompiledPaddedConvNetRunsAllocateOnlyItsOutput()
    {
        // padded dense and depthwise convs with fused epilogues: their padded-plane scratch must not come from the pool
        using var w1 = Tensor.RandN(new Shape(8, 3, 3, 3), new Generator(7));
        using var b1 = Tensor.RandN(new Shape(8), new Generator(8));
        using var wd = Tensor.RandN(new Shape(8, 1, 3, 3), new Generator(9));
        using var w2 = Tensor.RandN(new Shape(4, 8, 1, 1), new Generator(10));
        using var x = Tensor.RandN(new Shape(2, 3, 20, 20), new Generator(11));
        using var g = Tracer.Trace(t =>
        {
            using var a = t.Conv2d(w1, b1, padding: 1);
            using var r = a.Relu();
            using var d = r.Conv2d(wd, null, padding: 1, groups: 8);
            using var h = d.Relu();
            return h.Conv2d(w2);
        }, x);
        using var compiled = DeepSeek.Graph.Compilation.Compiler.Compile(g);
        Assert.Equal(3, compiled.Graph.Nodes.Count(n => n.OpType == "FusedConv"));
        for (int i = 0; i < 2; i++) DisposeAll(compiled.Run(x));
        Assert.Empty(compiled.MemoryReport!.FallbackNodes);
        const int runs = 5;
        long before = Stats.AllocationCount;
        for (int i = 0; i < runs; i++) DisposeAll(compiled.Run(x));
        Assert.Equal(runs, Stats.AllocationCount - before);
    }

    [Fact]
    public void BoundRunsOfAStaticGraphAllocateNothing()
    {
        // two threads so the kernels fan out; a padded conv (plane scratch), a broadcast Mul, a keepdims=0 mean and a GEMM
        int threads = DeepSeekOptions.Threads;
        DeepSeekOptions.Threads = 2;
        try
        {
            using var w1 = Tensor.RandN(new Shape(16, 3, 3, 3), new Generator(21));
            using var b1 = Tensor.RandN(new Shape(16), new Generator(22));
            using var scale = Tensor.RandN(new Shape(1, 16, 1, 1), new Generator(23));
            using var wf = Tensor.RandN(new Shape(16, 10), new Generator(24));
            using var x = Tensor.RandN(new Shape(2, 3, 32, 32), new Generator(25));
            using var g = Tracer.Trace(t =>
            {
                using var a = t.Conv2d(w1, b1, padding: 1);
                using var r = a.Relu();
                using var s = r * scale;
                using var m = s.Mean([2, 3]);
                return m.MatMul(wf);
            }, x);
            using var compiled = DeepSeek.Graph.Compilation.Compiler.Compile(g);
            var inputs = new[] { x };
            var expected = compiled.Run(x);
            var outputs = expected.Select(t => Tensor.Zeros(new Shape(t.Shape.ToArray()))).ToArray();
            try
            {
                Assert.Empty(compiled.MemoryReport!.FallbackNodes);
                for (int i = 0; i < 3; i++) compiled.Run(inputs, outputs);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                const int runs = 5;
                long requests = Stats.AllocationCount;
                long bytes = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < runs; i++) compiled.Run(inputs, outputs);
                bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
                Assert.Equal(0, Stats.AllocationCount - requests);
                Assert.Equal(0, bytes);
                AssertSame(expected[0], outputs[0]);
            }
            finally
            {
                DisposeAll(expected, outputs);
            }
        }
        finally
        {
            DeepSeekOptions.Threads = threads;
        }
    }

    [Fact]
    public void DisposingThePlanReturnsItsArenasAndFoldedConstants()
    {
        using var g = ExecutionPlanTests.Chain();
        using var x = Tensor.RandN(new Shape(4, 16), new Generator(6));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Stats.BytesInUse;
        var plan = ExecutionPlan.Create(g, [x]);
        var threads = Enumerable.Range(0, 3).Select(_ => new Thread(() => { for (int i = 0; i < 5; i++) DisposeAll(plan.Run([x])); })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.True(Stats.BytesInUse > before);
        plan.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(before, Stats.BytesInUse);
        Assert.Throws<ObjectDisposedException>(() => plan.Run([x]));
    }
}
