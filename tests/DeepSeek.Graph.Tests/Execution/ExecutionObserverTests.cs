using System.Collections.Concurrent;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Execution.Static.PlanTestUtil;

namespace DeepSeek.Graph.Tests.Execution;

using Shape = DeepSeek.Shape;

public sealed class ExecutionObserverTests
{
    private sealed class Collect : ExecutionObserver
    {
        public readonly ConcurrentQueue<NodeExecution> Seen = new();

        public override void OnNode(in NodeExecution execution) => Seen.Enqueue(execution);
    }

    [Fact]
    public void InterpreterReportsEveryNodeWithTypesAndTimes()
    {
        using var g = Static.ExecutionPlanTests.Chain();
        using var x = Tensor.RandN(new Shape(4, 16), new Generator(3));
        var obs = new Collect();
        Tensor[] got;
        using (ExecutionObserver.Begin(obs)) got = Interpret(g, x);
        DisposeAll(got);
        var seen = obs.Seen.ToArray();
        Assert.Equal(g.Nodes.Select(n => n.OpType), seen.Select(e => e.OpType));
        Assert.All(seen, e => Assert.Equal(ExecutorKind.Interpreter, e.Executor));
        Assert.All(seen, e => Assert.True(e.EndTimestamp >= e.StartTimestamp));
        for (int i = 1; i < seen.Length; i++) Assert.True(seen[i].StartTimestamp >= seen[i - 1].EndTimestamp);
        Assert.Equal(new TensorMeta(DType.F32, new Shape(4, 16)), seen[0].Inputs[0]);
        Assert.Equal(new TensorMeta(DType.F32, new Shape(16, 32)), seen[0].Inputs[1]);
        Assert.Equal(new TensorMeta(DType.F32, new Shape(4, 32)), seen[0].Outputs[0]);
        Assert.All(seen, e => Assert.Equal(Environment.CurrentManagedThreadId, e.ThreadId));
    }

    [Fact]
    public void PlanReportsEveryStepOnlyWhileAnObserverIsActive()
    {
        using var g = Static.ExecutionPlanTests.Chain();
        using var x = Tensor.RandN(new Shape(4, 16), new Generator(4));
        using var plan = ExecutionPlan.Create(g, [x]);
        var obs = new Collect();
        DisposeAll(plan.Run([x]));
        Assert.Empty(obs.Seen);
        using (ExecutionObserver.Begin(obs)) DisposeAll(plan.Run([x]));
        var seen = obs.Seen.ToArray();
        // Reshape and Flatten of arena values are views made once per instance: no step runs for them
        Assert.Equal(["MatMul", "Add", "Relu", "MatMul", "Sigmoid", "Softmax", "Mul", "Tanh"], seen.Select(e => e.OpType));
        Assert.All(seen, e => Assert.Equal(ExecutorKind.Static, e.Executor));
        Assert.Equal(new TensorMeta(DType.F32, new Shape(4, 32)), seen[0].Outputs[0]);
        DisposeAll(plan.Run([x])); // the scope ended: nothing more is reported
        Assert.Equal(seen.Length, obs.Seen.Count);
    }

    [Fact]
    public void UnobservedPlanRunsAllocateNoMoreThanBefore()
    {
        using var g = Static.ExecutionPlanTests.Chain();
        using var x = Tensor.RandN(new Shape(4, 16), new Generator(5));
        using var plan = ExecutionPlan.Create(g, [x]);
        for (int i = 0; i < 3; i++) DisposeAll(plan.Run([x]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        DisposeAll(plan.Run([x]));
        long one = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) DisposeAll(plan.Run([x]));
        long ten = GC.GetAllocatedBytesForCurrentThread() - before;
        // managed allocation per run is constant (outputs, scope objects): no per-node observer records
        Assert.True(ten <= 10 * one + 1024, $"one run {one} B, ten runs {ten} B");
        var obs = new Collect();
        long observed;
        using (ExecutionObserver.Begin(obs))
        {
            before = GC.GetAllocatedBytesForCurrentThread();
            DisposeAll(plan.Run([x]));
            observed = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(observed > one, $"observed run {observed} B vs unobserved {one} B");
    }

    [Fact]
    public void FailingNodeIsReported()
    {
        using var g = new Graph("bad");
        g.OpsetImports[""] = 17;
        var a = g.AddInput("a");
        var b = g.AddInput("b");
        g.AddOutput(g.AddNode("Add", [a, b], [""], name: "adder").Outputs[0]);
        using var x = Tensor.Zeros(new Shape(2, 3));
        using var y = Tensor.Zeros(new Shape(4, 5));
        var failed = new List<string>();
        var obs = new FailObserver(failed);
        using (ExecutionObserver.Begin(obs))
            Assert.ThrowsAny<DeepSeekException>(() => Interpret(g, x, y));
        Assert.Equal(["adder"], failed);
    }

    private sealed class FailObserver(List<string> failed) : ExecutionObserver
    {
        public override void OnNode(in NodeExecution execution) { }

        public override void OnNodeFailed(Node node, Exception error) => failed.Add(node.Name);
    }
}
