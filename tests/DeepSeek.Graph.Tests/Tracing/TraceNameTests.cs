using DeepSeek.Graph.Compilation;
using DeepSeek.NN;
using DeepSeek.Tracing;

namespace DeepSeek.Graph.Tests.Tracing;

using Shape = DeepSeek.Shape;

public sealed class TraceNameTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        public Block()
        {
            Conv = RegisterModule("conv1", new Conv2d(3, 4, 3, padding: 1));
            Bn = RegisterModule("bn1", new BatchNorm2d(4));
        }

        public Conv2d Conv { get; }
        public BatchNorm2d Bn { get; }

        protected override Tensor OnForward(Tensor x) => Bn.Forward(Conv.Forward(x)).Relu(); // Relu belongs to the block itself
    }

    private sealed class Net : Module<Tensor, Tensor>
    {
        public Net()
        {
            Layer = RegisterModule("layer1", new Sequential(new Block(), new Block2()));
            Fc = RegisterModule("fc", new Linear(4 * 8 * 8, 5));
        }

        public Sequential Layer { get; }
        public Linear Fc { get; }

        protected override Tensor OnForward(Tensor x) => Fc.Forward(Layer.Forward(x).Flatten(1));
    }

    private sealed class Block2 : Module<Tensor, Tensor>
    {
        public Block2() => Conv = RegisterModule("conv1", new Conv2d(4, 4, 3, padding: 1));

        public Conv2d Conv { get; }

        protected override Tensor OnForward(Tensor x) => Conv.Forward(x).Add(x);
    }

    private static Graph TraceNet(Net net)
    {
        using var x = Tensor.RandN(new Shape(2, 3, 8, 8), new Generator(1));
        return Tracer.Trace(t => net.Forward(t), x);
    }

    [Fact]
    public void NodesCarryTheModulePathOfTheLayerThatRecordedThem()
    {
        using var net = new Net();
        net.Eval();
        using var g = TraceNet(net);
        var names = g.Nodes.Select(n => (n.OpType, n.Name)).ToList();
        Assert.Contains(("Conv", "layer1.0.conv1"), names);
        Assert.Contains(("BatchNormalization", "layer1.0.bn1"), names);
        Assert.Contains(("Relu", "layer1.0"), names);
        Assert.Contains(("Conv", "layer1.1.conv1"), names);
        Assert.Contains(("Add", "layer1.1"), names);
        Assert.Contains(g.Nodes, n => n.Name.StartsWith("fc", StringComparison.Ordinal));
        // names are unique or empty (ops outside every module, like the Flatten in the root's forward)
        var nonEmpty = g.Nodes.Where(n => n.Name.Length > 0).Select(n => n.Name).ToList();
        Assert.Equal(nonEmpty.Count, nonEmpty.Distinct().Count());
        Assert.Contains(g.Nodes, n => n.OpType == "Flatten" && n.Name == "");
    }

    [Fact]
    public void NoTraceNoNames()
    {
        Assert.Equal("", OpTrace.CurrentName);
        using (OpTrace.PushName("outer")) Assert.Equal("", OpTrace.CurrentName); // costs nothing without a trace
    }

    [Fact]
    public void FusedNodesKeepTheConvName()
    {
        using var net = new Net();
        net.Eval();
        using var g = TraceNet(net);
        PassManager.Run(g, new CompileOptions());
        Assert.Contains(g.Nodes, n => n.OpType == "FusedConv" && n.Name == "layer1.0.conv1");
        Assert.Contains(g.Nodes, n => n.OpType == "FusedConv" && n.Name == "layer1.1.conv1");
    }
}
