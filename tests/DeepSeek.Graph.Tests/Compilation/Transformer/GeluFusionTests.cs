using DeepSeek.Graph.Compilation.Passes;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Compilation.Transformer.TransformerKit;

namespace DeepSeek.Graph.Tests.Compilation.Transformer;

public sealed class GeluFusionTests
{
    private static readonly double Sqrt2 = Math.Sqrt(2), Sqrt2OverPi = Math.Sqrt(2 / Math.PI);

    // The exact GELU in one of its arrangements: erfArg "div" (x/√2) or "mul" (x·(1/√2)); half "last", "first" or "factor".
    private static Graph ErfGelu(string erfArg, string half, bool swapOperands = false)
    {
        var g = NewGraph();
        var x = Input(g, "x", 2, 3, 8);
        Value Mul(Value a, Value b) => swapOperands ? Op(g, "Mul", b, a) : Op(g, "Mul", a, b);
        var arg = erfArg == "div" ? Op(g, "Div", x, Scalar(g, 1.4142135)) : Mul(x, Scalar(g, 0.70710677));
        var onePlus = swapOperands ? Op(g, "Add", Scalar(g, 1), Op(g, "Erf", arg)) : Op(g, "Add", Op(g, "Erf", arg), Scalar(g, 1));
        var y = half switch
        {
            "last" => Mul(Mul(x, onePlus), Scalar(g, 0.5)),
            "first" => Mul(Mul(x, Scalar(g, 0.5)), onePlus),
            _ => Mul(x, Mul(onePlus, Scalar(g, 0.5))),
        };
        g.AddOutput(y);
        return g;
    }

    private static Dictionary<string, Tensor> Feeds() => new() { ["x"] = RandN(1, 2, 3, 8).Mul(3) };

    [Theory]
    [InlineData("div", "last", false)]
    [InlineData("mul", "first", false)]
    [InlineData("mul", "factor", true)]
    [InlineData("div", "first", true)]
    public void ErfFormsBecomeOneGeluNode(string erfArg, string half, bool swap)
    {
        using var scope = Tensor.NewScope();
        using var g = ErfGelu(erfArg, half, swap);
        var (fused, changed, log) = RunPass(new GeluFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            var gelu = Assert.Single(fused.Nodes);
            Assert.Equal(("deepseek", "Gelu"), (gelu.Domain, gelu.OpType));
            Assert.Equal("none", gelu.GetString("approximate", ""));
            Assert.Same(fused.Inputs[0], gelu.Inputs[0]);
            Assert.Same(fused.Outputs[0], gelu.Outputs[0]);
            Assert.Equal(g.Outputs[0].Name, fused.Outputs[0].Name);
            Assert.Equal(1, fused.OpsetImports["deepseek"]);
            Assert.Single(log);
            AssertSameOutputs(g, fused, Feeds());
        }
    }

    [Theory]
    [InlineData(true, "first")]   // torch.export: 0.5·x first, Pow(x, 3)
    [InlineData(false, "last")]   // our tracer: x·x·x, 0.5 last
    public void TanhFormsBecomeApproximateTanh(bool pow, string half)
    {
        using var scope = Tensor.NewScope();
        using var g = NewGraph();
        var x = Input(g, "x", 4, 16);
        var cube = pow ? Op(g, "Pow", x, Scalar(g, 3)) : Op(g, "Mul", Op(g, "Mul", x, x), x);
        var inner = Op(g, "Mul", Op(g, "Add", x, Op(g, "Mul", cube, Scalar(g, 0.044715))), Scalar(g, Sqrt2OverPi));
        var onePlus = Op(g, "Add", Op(g, "Tanh", inner), Scalar(g, 1));
        var y = half == "first" ? Op(g, "Mul", Op(g, "Mul", x, Scalar(g, 0.5)), onePlus) : Op(g, "Mul", Op(g, "Mul", x, onePlus), Scalar(g, 0.5));
        g.AddOutput(y);
        var (fused, changed, _) = RunPass(new GeluFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            var gelu = Assert.Single(fused.Nodes);
            Assert.Equal("tanh", gelu.GetString("approximate", ""));
            AssertSameOutputs(g, fused, new Dictionary<string, Tensor> { ["x"] = RandN(2, 4, 16).Mul(3) });
        }
    }

    [Fact]
    public void IntermediateReadElsewhereBlocksTheFusion()
    {
        using var scope = Tensor.NewScope();
        using var g = ErfGelu("div", "last");
        var erf = g.Nodes.Single(n => n.OpType == "Erf");
        g.AddOutput(erf.Outputs[0]); // the erf is a graph output too
        var (fused, changed, _) = RunPass(new GeluFusion(), g);
        using (fused)
        {
            Assert.False(changed);
            Assert.Equal(g.Nodes.Count, fused.Nodes.Count);
        }
    }

    [Fact]
    public void WrongConstantOrNonConstantScaleIsLeftAlone()
    {
        using var scope = Tensor.NewScope();
        foreach (var divisor in new[] { 2.0, double.NaN })
        {
            using var g = NewGraph();
            var x = Input(g, "x", 8);
            var s = Input(g, "s");
            var d = double.IsNaN(divisor) ? s : Scalar(g, divisor); // x/2, or x/s with s an input
            var y = Op(g, "Mul", Op(g, "Mul", x, Op(g, "Add", Op(g, "Erf", Op(g, "Div", x, d)), Scalar(g, 1))), Scalar(g, 0.5));
            g.AddOutput(y);
            var (fused, changed, _) = RunPass(new GeluFusion(), g);
            using (fused)
            {
                Assert.False(changed);
                Assert.DoesNotContain(fused.Nodes, n => n.Domain == "deepseek");
            }
        }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("tanh")]
    public void StaticKernelWritesTheInterpreterValuesAlsoInPlace(string approximate)
    {
        using var scope = Tensor.NewScope();
        using var g = NewGraph();
        var node = g.AddNode("Gelu", [Input(g, "x", 3, 40)], ["y"], "deepseek");
        node.Attributes["approximate"] = AttributeValue.Of(approximate);
        g.OpsetImports["deepseek"] = 1;
        g.AddOutput(node.Outputs[0]);
        var x = RandN(4, 3, 40).Mul(3);
        var expected = RunAll(g, new Dictionary<string, Tensor> { ["x"] = x })["y"];
        var meta = new TensorMeta(DType.F32, x.Shape);
        using var kernel = StaticKernelRegistry.Default.TryCreate(new StaticKernelRequest(node, 1, [meta], [meta], [null]));
        Assert.NotNull(kernel);
        Assert.Equal(0, kernel!.InPlaceInput);
        var y = Tensor.Empty(x.Shape);
        kernel.Run([x], [y]);
        Assert.Equal(expected, y.ToDoubleArray());
        kernel.Run([x], [x]); // the planner may hand the input's buffer as the output
        Assert.Equal(expected, x.ToDoubleArray());
        // half precision runs in the interpreter
        Assert.Null(StaticKernelRegistry.Default.TryCreate(new StaticKernelRequest(node, 1, [new TensorMeta(DType.F16, x.Shape)], [new TensorMeta(DType.F16, x.Shape)], [null])));
    }

    [Fact]
    public void ConstantNodesAsOperandsAreRecognisedAndRemoved()
    {
        using var scope = Tensor.NewScope();
        // exporters write scalars as Constant nodes; the fusion reads them and drops the ones it no longer needs
        using var g = NewGraph();
        var x = Input(g, "x", 5);
        Value K(double v) => Op(g, "Constant", [], ("value", AttributeValue.Of(Tensor.Scalar(v))));
        var y = Op(g, "Mul", Op(g, "Mul", x, Op(g, "Add", Op(g, "Erf", Op(g, "Div", x, K(Sqrt2))), K(1))), K(0.5));
        g.AddOutput(y);
        var (fused, changed, _) = RunPass(new GeluFusion(), g);
        using (fused)
        {
            Assert.True(changed);
            Assert.Single(fused.Nodes);
            AssertSameOutputs(g, fused, new Dictionary<string, Tensor> { ["x"] = RandN(3, 5) });
        }
    }
}
