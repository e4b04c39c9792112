using DeepSeek.Graph.Compilation;

namespace DeepSeek.Graph.Tests.Compilation.ShapeInferenceTests;

using Shape = DeepSeek.Shape;

/// <summary>Symbolic dims, conflicts, merging with existing types, and a whole conv net (built by hand and traced).</summary>
public sealed class ShapeInferenceSymbolicTests
{
    private static readonly Dim Batch = Dim.Named("batch");

    private static Graph NewGraph()
    {
        var g = new Graph("sym");
        g.OpsetImports[""] = 17;
        return g;
    }

    private static string TypeOf(Value v) => v.Type?.ToString() ?? "null";

    [Fact]
    public void BroadcastingKeepsEqualSymbolsAndLetsOnesYield()
    {
        using var g = NewGraph();
        var a = g.AddInput("a", new TensorType(DType.F32, [Batch, 1, 4]));
        var b = g.AddInput("b", new TensorType(DType.F32, [3, 1]));
        var c = g.AddInput("c", new TensorType(DType.F32, [Batch, 3, 4]));
        var n = g.AddInput("n", new TensorType(DType.F32, [Dim.Named("n"), 3, 4]));
        var five = g.AddInput("five", new TensorType(DType.F32, [5, 1, 1]));
        var ab = g.AddNode("Add", [a, b], ["ab"]).Outputs[0];
        var abc = g.AddNode("Mul", [ab, c], ["abc"]).Outputs[0];
        var mixed = g.AddNode("Sub", [abc, n], ["mixed"]).Outputs[0];
        var known = g.AddNode("Sub", [a, five], ["known"]).Outputs[0];
        var cmp = g.AddNode("Less", [abc, b], ["cmp"]).Outputs[0];
        ShapeInference.Run(g);
        Assert.Equal("f32[batch, 3, 4]", TypeOf(ab));
        Assert.Equal("f32[batch, 3, 4]", TypeOf(abc));
        Assert.Equal("f32[?, 3, 4]", TypeOf(mixed)); // batch vs n: either may be 1
        Assert.Equal("f32[5, 1, 4]", TypeOf(known)); // batch must be 5 or 1 and the result is 5 either way
        Assert.Equal("bool[batch, 3, 4]", TypeOf(cmp));
    }

    [Fact]
    public void ReshapeAndFlattenCarryASymbolThrough()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [Batch, 64, 1, 1]));
        var r0 = g.AddNode("Reshape", [x, g.AddConstant("s0", Tensor.FromArray(new long[] { 0, -1 }))], ["r0"]).Outputs[0];
        var r1 = g.AddNode("Reshape", [x, g.AddConstant("s1", Tensor.FromArray(new long[] { -1, 64 }))], ["r1"]).Outputs[0];
        var r2 = g.AddNode("Reshape", [x, g.AddConstant("s2", Tensor.FromArray(new long[] { -1, 32 }))], ["r2"]).Outputs[0];
        var f = g.AddNode("Flatten", [x], ["f"]).Outputs[0];
        var t = g.AddNode("Transpose", [r0], ["t"]).Outputs[0];
        var sh = g.AddNode("Shape", [x], ["sh"]).Outputs[0];
        ShapeInference.Run(g);
        Assert.Equal("f32[batch, 64]", TypeOf(r0));
        Assert.Equal("f32[batch, 64]", TypeOf(r1));
        Assert.Equal("f32[?, 32]", TypeOf(r2)); // 2·batch has no name
        Assert.Equal("f32[batch, 64]", TypeOf(f));
        Assert.Equal("f32[64, batch]", TypeOf(t));
        Assert.Equal("i64[4]", TypeOf(sh));
    }

    [Fact]
    public void AContradictionThrowsNamingTheNodeAndShapes()
    {
        using var g = NewGraph();
        var a = g.AddInput("a", new TensorType(DType.F32, [2, 3]));
        var b = g.AddInput("b", new TensorType(DType.F32, [4, 3]));
        g.AddNode("Add", [a, b], ["y"], name: "bad_add");
        var ex = Assert.Throws<ShapeMismatchException>(() => ShapeInference.Run(g));
        Assert.Contains("Add node 'bad_add'", ex.Message);
        Assert.Contains("f32[2, 3]", ex.Message);
        Assert.Contains("f32[4, 3]", ex.Message);
    }

    [Fact]
    public void ExistingTypesAreCompletedNeverOverwrittenAndUnknownOpsStayUntyped()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [Batch, 3]));
        var relu = g.AddNode("Relu", [x], ["relu"]).Outputs[0];
        relu.Type = new TensorType(null, [Dim.Of(2), Dim.Unknown]); // a traced size, an unknown dim, no dtype
        var custom = g.AddNode("Mystery", [x], ["m"], domain: "com.example").Outputs[0];
        var after = g.AddNode("Exp", [custom], ["e"]).Outputs[0];
        Assert.Equal(1, ShapeInference.Run(g));
        Assert.Equal("f32[2, 3]", TypeOf(relu));
        Assert.Null(custom.Type);
        Assert.Null(after.Type);
        Assert.Equal(0, ShapeInference.Run(g));
    }

    // conv(3→16, 3×3, pad 1) → BN → ReLU → maxpool 2 → conv(16→32, 3×3, stride 2, pad 1) → ReLU → GAP → flatten → FC(10) → softmax
    [Fact]
    public void ABatchSymbolFlowsThroughAHandBuiltConvNet()
    {
        using var g = NewGraph();
        var gen = new Generator(1);
        Value Const(string name, params int[] shape) => g.AddConstant(name, Tensor.RandN(new Shape(shape), gen));
        var x = g.AddInput("image", new TensorType(DType.F32, [Batch, 3, 32, 32]));
        var c1 = g.AddNode("Conv", [x, Const("w1", 16, 3, 3, 3), Const("b1", 16)], ["c1"]);
        c1.Attributes["pads"] = AttributeValue.Of(new long[] { 1, 1, 1, 1 });
        var bn = g.AddNode("BatchNormalization", [c1.Outputs[0], Const("s", 16), Const("b", 16), Const("m", 16), Const("v", 16)], ["bn"]);
        var r1 = g.AddNode("Relu", [bn.Outputs[0]], ["r1"]);
        var mp = g.AddNode("MaxPool", [r1.Outputs[0]], ["mp"]);
        mp.Attributes["kernel_shape"] = AttributeValue.Of(new long[] { 2, 2 });
        mp.Attributes["strides"] = AttributeValue.Of(new long[] { 2, 2 });
        var c2 = g.AddNode("Conv", [mp.Outputs[0], Const("w2", 32, 16, 3, 3)], ["c2"]);
        c2.Attributes["pads"] = AttributeValue.Of(new long[] { 1, 1, 1, 1 });
        c2.Attributes["strides"] = AttributeValue.Of(new long[] { 2, 2 });
        var r2 = g.AddNode("Relu", [c2.Outputs[0]], ["r2"]);
        var gap = g.AddNode("GlobalAveragePool", [r2.Outputs[0]], ["gap"]);
        var fl = g.AddNode("Flatten", [gap.Outputs[0]], ["fl"]);
        var fc = g.AddNode("Gemm", [fl.Outputs[0], Const("wfc", 10, 32), Const("bfc", 10)], ["fc"]);
        fc.Attributes["transB"] = AttributeValue.Of(1L);
        var sm = g.AddNode("Softmax", [fc.Outputs[0]], ["probs"]);
        g.AddOutput(sm.Outputs[0]);
        Assert.Equal(10, ShapeInference.Run(g));
        Assert.Equal("f32[batch, 16, 32, 32]", TypeOf(bn.Outputs[0]));
        Assert.Equal("f32[batch, 16, 16, 16]", TypeOf(mp.Outputs[0]));
        Assert.Equal("f32[batch, 32, 8, 8]", TypeOf(r2.Outputs[0]));
        Assert.Equal("f32[batch, 32, 1, 1]", TypeOf(gap.Outputs[0]));
        Assert.Equal("f32[batch, 10]", TypeOf(g.Outputs[0]));
    }

    [Fact]
    public void ABatchSymbolFlowsThroughATracedConvNet()
    {
        var gen = new Generator(2);
        using var w1 = Tensor.RandN(new Shape(8, 3, 3, 3), gen);
        using var b1 = Tensor.RandN(new Shape(8), gen);
        using var mean = Tensor.RandN(new Shape(8), gen);
        using var variance = Tensor.Rand(new Shape(8), gen, 0.5, 1.5);
        using var w2 = Tensor.RandN(new Shape(16, 8, 3, 3), gen);
        using var wfc = Tensor.RandN(new Shape(5, 16), gen);
        using var bfc = Tensor.RandN(new Shape(5), gen);
        Func<Tensor, Tensor> net = x =>
        {
            using var c1 = x.Conv2d(w1, b1, padding: 1);
            using var bn = c1.BatchNorm(mean, variance);
            using var r1 = bn.Relu();
            using var mp = r1.MaxPool2d(2);
            using var c2 = mp.Conv2d(w2, null, stride: 2, padding: 1);
            using var r2 = c2.Relu();
            using var gap = r2.AdaptiveAvgPool2d(1);
            using var fl = gap.Flatten(1);
            using var wt = wfc.T;
            using var mm = fl.MatMul(wt);
            return mm + bfc; // the tracer turns MatMul(x, Wᵀ) + b into Gemm
        };
        using var example = Tensor.RandN(new Shape(2, 3, 12, 12), gen);
        using var g = Tracer.Trace(net, example, new TraceOptions { BatchDimName = "batch" });
        Assert.Contains(g.Nodes, n => n.OpType == "Gemm");
        var traced = g.Nodes.SelectMany(n => n.Outputs).ToDictionary(v => v, v => (TensorType)v.Type!);
        foreach (var v in traced.Keys) v.Type = null;
        ShapeInference.Run(g);
        Assert.Equal("f32[batch, 5]", TypeOf(g.Outputs[0]));
        // every activation has the traced sizes, with the batch dim named
        foreach (var (v, t) in traced)
        {
            var inferred = Assert.IsType<TensorType>(v.Type);
            Assert.Equal(t.ElementType, inferred.ElementType);
            Assert.Equal(Batch, inferred.Shape![0]);
            Assert.Equal(t.Shape!.Skip(1), inferred.Shape.Skip(1));
        }
    }
}
