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
