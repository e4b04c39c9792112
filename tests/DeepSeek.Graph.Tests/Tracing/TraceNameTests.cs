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

    [Fact]
    public void TransformerFusionsKeepTheLayerName()
    {
        using var scope = Tensor.NewScope();
        var config = new DeepSeek.Models.Text.BertConfig { VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 32, MaxPositionEmbeddings = 16 };
        using var model = new DeepSeek.Models.Text.BertModel(config, new Generator(21));
        model.Eval();
        var ids = Tensor.FromArray(new long[] { 1, 5, 9, 3, 7, 2, 4, 8 }, 2, 4);
        using var g = Tracer.Trace(t => model.Forward(t).LastHiddenState, ids);
        PassManager.Run(g, new CompileOptions());
        var attention = g.Nodes.Where(n => n.OpType == "Attention").Select(n => n.Name).ToList();
        Assert.Equal(2, attention.Count);
        Assert.All(attention, n => Assert.StartsWith("encoder.", n, StringComparison.Ordinal));
        Assert.Contains(attention, n => n.StartsWith("encoder.1.attention", StringComparison.Ordinal));
        var skip = g.Nodes.Where(n => n.OpType == "SkipLayerNorm").Select(n => n.Name).ToList();
        Assert.NotEmpty(skip);
        Assert.All(skip, n => Assert.NotEqual("", n));
        Assert.Contains("encoder.0.output.LayerNorm", skip);
        var named = g.Nodes.Where(n => n.Name.Length > 0).Select(n => n.Name).ToList();
        Assert.Equal(named.Count, named.Distinct().Count());
    }
}
