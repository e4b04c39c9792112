using DeepSeek.Graph.Compilation.Passes;
using static DeepSeek.Graph.Tests.Compilation.Passes.PassTest;

namespace DeepSeek.Graph.Tests.Compilation.Passes;

using Shape = DeepSeek.Shape;

public sealed class BatchNormFoldingTests
{
    private const double Tolerance = 1e-5;

    /// <summary>Adds BatchNormalization(x) with random constant statistics over <paramref name="c"/> channels.</summary>
    private static Node AddBatchNorm(Graph g, Value x, int c, int seed, DType dtype = DType.F32, string output = "y")
    {
        var gen = new Generator((ulong)seed);
        var scale = g.AddConstant($"bn{seed}_scale", Tensor.RandN(new Shape(c), gen, dtype: dtype));
        var bias = g.AddConstant($"bn{seed}_b", Tensor.RandN(new Shape(c), gen, dtype: dtype));
        var mean = g.AddConstant($"bn{seed}_mean", Tensor.RandN(new Shape(c), gen, dtype: dtype));
        var variance = g.AddConstant($"bn{seed}_var", Tensor.Rand(new Shape(c), gen, 0.2, 2.0, dtype));
        var bn = g.AddNode("BatchNormalization", [x, scale, bias, mean, variance], [output], name: $"bn{seed}");
        bn.Attributes["epsilon"] = AttributeValue.Of(1e-3f);
        return bn;
    }

    private static Node AddConv(Graph g, string op, Value x, int[] wShape, bool bias, long group, int seed, DType dtype = DType.F32)
    {
        var gen = new Generator((ulong)seed);
        var w = g.AddConstant($"w{seed}", Tensor.RandN(new Shape(wShape), gen, dtype: dtype));
        int outChannels = op == "Conv" ? wShape[0] : wShape[1] * (int)group;
        var b = bias ? g.AddConstant($"b{seed}", Tensor.RandN(new Shape(outChannels), gen, dtype: dtype)) : null;
        var conv = g.AddNode(op, bias ? [x, w, b] : [x, w], [$"conv{seed}"], name: $"conv{seed}");
        conv.Attributes["group"] = AttributeValue.Of(group);
        conv.Attributes["pads"] = AttributeValue.Of(new long[] { 1, 1, 1, 1 });
        conv.Attributes["strides"] = AttributeValue.Of(new long[] { 2, 1 });
        return conv;
    }

    [Theory]
    [InlineData(1, true, DType.F32)]
    [InlineData(2, false, DType.F32)]
    [InlineData(4, true, DType.F64)]
    public void ConvThenBatchNormFoldsToOneConv(long group, bool bias, DType dtype)
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(dtype, [2, 4, 7, 6]));
        var conv = AddConv(g, "Conv", x, [8, 4 / (int)group, 3, 3], bias, group, 1, dtype);
        var bn = AddBatchNorm(g, conv.Outputs[0], 8, 2, dtype);
        g.AddOutput(bn.Outputs[0]);
        var originalWeight = PassKit.Bytes(g.Find("w1")!.Constant!);
        using var xv = Tensor.RandN(new Shape(2, 4, 7, 6), new Generator(3), dtype: dtype);
        using var after = ApplyAndCompare(new BatchNormFolding(), g, Tolerance, ("x", xv));
        var folded = Assert.Single(after.Nodes);
        Assert.Equal("Conv", folded.OpType);
        Assert.Equal(group, folded.GetInt("group", 1));
        Assert.Equal([2L, 1], folded.GetInts("strides")!);
        Assert.Equal(3, folded.Inputs.Count);
        Assert.Equal("y", after.Outputs[0].Name);
        Assert.Equal(originalWeight, PassKit.Bytes(g.Find("w1")!.Constant!)); // the clone's source is untouched
        Assert.Equal(2, after.Constants.Count()); // W' and b'; the BN statistics went with the BN
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public void ConvTransposeThenBatchNormFolds(long group, bool bias)
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [1, 4, 5, 5]));
        var conv = AddConv(g, "ConvTranspose", x, [4, 3, 3, 3], bias, group, 4); // 3·group output channels
        var bn = AddBatchNorm(g, conv.Outputs[0], 3 * (int)group, 5);
        g.AddOutput(g.AddNode("Relu", [bn.Outputs[0]], ["out"]).Outputs[0]);
        using var xv = RandN(6, 1, 4, 5, 5);
        using var after = ApplyAndCompare(new BatchNormFolding(), g, Tolerance, ("x", xv));
        Assert.Equal(["ConvTranspose", "Relu"], OpTypes(after));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void GemmThenBatchNormFoldsIntoGemm(bool transB, bool withC)
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [3, 5]));
        var w = g.AddConstant("w", transB ? RandN(7, 4, 5) : RandN(7, 5, 4));
        var inputs = new List<Value?> { x, w };
        if (withC) inputs.Add(g.AddConstant("c", RandN(8, 4)));
        var gemm = g.AddNode("Gemm", inputs, ["fc"]);
        gemm.Attributes["transB"] = AttributeValue.Of(transB ? 1L : 0L);
        gemm.Attributes["alpha"] = AttributeValue.Of(0.5f);
        gemm.Attributes["beta"] = AttributeValue.Of(2f);
        g.AddOutput(AddBatchNorm(g, gemm.Outputs[0], 4, 9).Outputs[0]);
        using var xv = RandN(10, 3, 5);
        using var after = ApplyAndCompare(new BatchNormFolding(), g, Tolerance, ("x", xv));
        var folded = Assert.Single(after.Nodes);
        Assert.Equal("Gemm", folded.OpType);
        Assert.Equal(0.5f, folded.GetFloat("alpha", 1));
        Assert.Equal(1f, folded.GetFloat("beta", 1));
    }

    [Fact]
    public void MatMulThenBatchNormBecomesOneGemm()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [3, 5]));
        var mm = g.AddNode("MatMul", [x, g.AddConstant("w", RandN(11, 5, 6))], ["mm"]);
        g.AddOutput(AddBatchNorm(g, mm.Outputs[0], 6, 12).Outputs[0]);
        using var xv = RandN(13, 3, 5);
        using var after = ApplyAndCompare(new BatchNormFolding(), g, Tolerance, ("x", xv));
        Assert.Equal(["Gemm"], OpTypes(after));
        Assert.Equal("y", after.Outputs[0].Name);
    }

    [Fact]
    public void ConvOutputReadTwiceDoesNotFold()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [1, 4, 6, 6]));
        var conv = AddConv(g, "Conv", x, [8, 4, 3, 3], true, 1, 14);
        var bn = AddBatchNorm(g, conv.Outputs[0], 8, 15);
        g.AddOutput(g.AddNode("Add", [bn.Outputs[0], conv.Outputs[0]], ["sum"]).Outputs[0]);
        Assert.False(Apply(new BatchNormFolding(), g).Changed);
        Assert.Equal(["Conv", "BatchNormalization", "Add"], OpTypes(g));
    }

    [Fact]
    public void TrainingModeRuntimeStatisticsAndRuntimeWeightsDoNotFold()
    {
        using var g = NewGraph();
        var x = g.AddInput("x", new TensorType(DType.F32, [1, 4, 6, 6]));
        var w = g.AddInput("w", new TensorType(DType.F32, [4, 4, 1, 1]));
        var conv1 = g.AddNode("Conv", [x, w], ["c1"]); // weight fed at run time
        var bn1 = AddBatchNorm(g, conv1.Outputs[0], 4, 16, output: "y1");
        var conv2 = AddConv(g, "Conv", bn1.Outputs[0], [4, 4, 3, 3], false, 1, 17);
        var bn2 = AddBatchNorm(g, conv2.Outputs[0], 4, 18, output: "y2");
        bn2.Attributes["training_mode"] = AttributeValue.Of(1L);
        var conv3 = AddConv(g, "Conv", bn2.Outputs[0], [4, 4, 3, 3], false, 1, 19);
        var mean = g.AddInput("mean", new TensorType(DType.F32, [4]));
        var bn3 = AddBatchNorm(g, conv3.Outputs[0], 4, 20, output: "y3");
        bn3.SetInput(3, mean); // statistics fed at run time
        g.AddOutput(bn3.Outputs[0]);
        Assert.False(Apply(new BatchNormFolding(), g).Changed);
        Assert.Equal(6, g.Nodes.Count);
    }
}
