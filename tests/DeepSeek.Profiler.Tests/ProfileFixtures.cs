using DeepSeek.Graph;
using DeepSeek.Graph.Execution;
using DeepSeek.NN;

namespace DeepSeek.Profiler.Tests;

using Shape = DeepSeek.Shape;
using Graph = DeepSeek.Graph.Graph;

/// <summary>Small traced models and helpers to run them under a profile session.</summary>
internal static class ProfileFixtures
{
    /// <summary>An MLP whose "big" layer does ~97% of the FLOPs: 128→128 (small), 128→4096 (big), 4096→16 (head).</summary>
    internal sealed class BigLinearNet : Module<Tensor, Tensor>
    {
        public BigLinearNet()
        {
            var g = new Generator(7);
            Small = RegisterModule("small", new Linear(128, 128, generator: g));
            Big = RegisterModule("big", new Linear(128, 4096, generator: g));
            Head = RegisterModule("head", new Linear(4096, 16, generator: g));
        }

        public Linear Small { get; }
        public Linear Big { get; }
        public Linear Head { get; }

        protected override Tensor OnForward(Tensor x) => Head.Forward(Big.Forward(Small.Forward(x).Relu()).Relu());
    }

    /// <summary>A small conv net: conv → relu → conv → global pool → flatten.</summary>
    internal sealed class ConvNet : Module<Tensor, Tensor>
    {
        public ConvNet()
        {
            Conv1 = RegisterModule("conv1", new Conv2d(3, 16, 3, padding: 1));
            Conv2 = RegisterModule("conv2", new Conv2d(16, 32, 3, padding: 1));
        }

        public Conv2d Conv1 { get; }
        public Conv2d Conv2 { get; }

        protected override Tensor OnForward(Tensor x) => Conv2.Forward(Conv1.Forward(x).Relu()).Relu().Mean([2, 3]);
    }

    public static Graph Trace(Module<Tensor, Tensor> m, Tensor example)
    {
        m.Eval();
        return Tracer.Trace(t => m.Forward(t), example);
    }

    public static void Interpret(Graph g, Tensor x)
    {
        var outs = new Interpreter().Run(g, new Dictionary<string, RuntimeValue> { [g.Inputs[0].Name] = new TensorValue(x) });
        foreach (var o in outs.Values) o.Dispose();
    }

    public static Tensor RandN(params int[] dims) => Tensor.RandN(new Shape(dims), new Generator(11));

    /// <summary>Profiles <paramref name="runs"/> interpreter runs of <paramref name="g"/> after one warm-up.</summary>
    public static Profile ProfileInterpreter(Graph g, Tensor x, int runs)
    {
        Interpret(g, x);
        using var session = new ProfileSession();
        session.Start();
        for (int i = 0; i < runs; i++) session.Step(() => { Interpret(g, x); return 0; });
        return session.Stop();
    }
}
