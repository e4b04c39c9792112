using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Ops.Flow.FlowTestUtil;

namespace DeepSeek.Graph.Tests.Ops.Flow;

using Shape = DeepSeek.Shape;

public sealed class OptionalTests
{
    private static Dictionary<string, RuntimeValue> RunNode(string op, long opset, RuntimeValue? input, Action<Node>? attrs = null)
    {
        using var g = NewGraph(op, opset);
        var feeds = new List<(string, RuntimeValue)>();
        Value? v = null;
        if (input is not null)
        {
            v = g.AddInput("x");
            feeds.Add(("x", input));
        }
        var n = g.AddNode(op, input is null ? [] : [v], ["y"]);
        attrs?.Invoke(n);
        g.AddOutput(n.Outputs[0]);
        return Run(g, feeds.ToArray());
    }

    private static bool Has(Dictionary<string, RuntimeValue> outs)
    {
        var t = outs["y"].AsTensor("y");
        Assert.Equal(DType.Bool, t.DType);
        Assert.Equal(0, t.Rank);
        bool r = t.ItemAsDouble() != 0;
        Dispose(outs);
        return r;
    }

    [Fact]
    public void OptionalWrapsOrMakesEmpty()
    {
        using var x = F([1, 2], 2);
        var outs = RunNode("Optional", 15, new TensorValue(x));
        var o = Assert.IsType<OptionalValue>(outs["y"]);
        Assert.Equal(new float[] { 1, 2 }, o.Inner!.AsTensor("inner").ToArray<float>());
        Dispose(outs);
        outs = RunNode("Optional", 15, null, n => n.Attributes["type"] = AttributeValue.Of(new TensorType(DType.F32, null)));
        Assert.Null(Assert.IsType<OptionalValue>(outs["y"]).Inner);
        Dispose(outs);
        var ex = Assert.Throws<ModelFormatException>(() => RunNode("Optional", 15, null));
        Assert.Contains("type", ex.Message);
        Assert.False(x.IsDisposed);
    }

    [Fact]
    public void HasElementFollowsTheOpsetRules()
    {
        using var x = F([1], 1);
        Assert.True(Has(RunNode("OptionalHasElement", 15, new OptionalValue(x.Detach()))));
        Assert.False(Has(RunNode("OptionalHasElement", 15, new OptionalValue(null))));
        Assert.True(Has(RunNode("OptionalHasElement", 18, new TensorValue(x))));
        Assert.True(Has(RunNode("OptionalHasElement", 18, new SequenceValue([], DType.F32))));
        Assert.False(Has(RunNode("OptionalHasElement", 18, null)));
        Assert.False(Has(RunNode("OptionalHasElement", 18, new OptionalValue(null))));
        Assert.True(Has(RunNode("OptionalHasElement", 15, new SequenceValue([x.Detach()]))));
        Assert.Throws<ModelFormatException>(() => RunNode("OptionalHasElement", 15, null));
    }

    [Fact]
    public void GetElementUnwrapsAndRejectsEmpty()
    {
        using var x = F([3, 4], 2);
        var outs = RunNode("OptionalGetElement", 15, new OptionalValue(new SequenceValue([x.Detach()])));
        Assert.Equal(new float[] { 3, 4 }, outs["y"].AsSequence("y")[0].ToArray<float>());
        Dispose(outs);
        outs = RunNode("OptionalGetElement", 18, new TensorValue(x));
        Assert.Equal(new float[] { 3, 4 }, Floats(outs["y"]));
        Dispose(outs);
        var ex = Assert.Throws<ArgumentException>(() => RunNode("OptionalGetElement", 18, new OptionalValue(null)));
        Assert.Contains("OptionalGetElement", ex.Message);
        Assert.Contains("empty", ex.Message);
        outs = RunNode("OptionalGetElement", 15, new SequenceValue([x.Detach()]));
        Assert.Single(outs["y"].AsSequence("y"));
        Dispose(outs);
        Assert.False(x.IsDisposed);
    }
}
