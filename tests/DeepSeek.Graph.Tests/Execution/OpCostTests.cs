using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Execution;

using Shape = DeepSeek.Shape;

public sealed class OpCostTests
{
    private static TensorMeta F32(params int[] dims) => new(DType.F32, new Shape(dims));

    private static Node NodeOf(string op, string domain = "")
    {
        var g = new Graph("g");
        return g.AddNode(op, [], [""], domain);
    }

    [Fact]
    public void ConvCountsTwoFlopsPerMultiplyAdd()
    {
        // x [1, 3, 8, 8], w [4, 3, 3, 3], pad 1 → y [1, 4, 8, 8]: 256 outputs × 27 MACs
        var c = OpCost.Estimate(NodeOf("Conv"), [F32(1, 3, 8, 8), F32(4, 3, 3, 3), F32(4)], [F32(1, 4, 8, 8)]);
        Assert.Equal(2L * 256 * 27 + 256, c.Flops); // + bias
        Assert.Equal(4L * (192 + 108 + 4 + 256), c.Bytes);
    }

    [Fact]
    public void MatMulAndGemmUseTheInnerDimension()
    {
        var m = OpCost.Estimate(NodeOf("MatMul"), [F32(2, 5, 7), F32(7, 3)], [F32(2, 5, 3)]);
        Assert.Equal(2L * 30 * 7, m.Flops);
        var gemm = NodeOf("Gemm");
        gemm.Attributes["transA"] = AttributeValue.Of(1L);
        var g = OpCost.Estimate(gemm, [F32(7, 5), F32(7, 3)], [F32(5, 3)]);
        Assert.Equal(2L * 15 * 7, g.Flops);
    }

    [Fact]
    public void AttentionCountsBothProducts()
    {
        // B=1, H=2, L=4, S=6, E=8: rows 8, per row S·(2E + 2E + 5)
        var a = OpCost.Estimate(NodeOf("Attention", "deepseek"), [F32(1, 2, 4, 8), F32(1, 2, 6, 8), F32(1, 2, 6, 8)], [F32(1, 2, 4, 8)]);
        Assert.Equal(8L * 6 * (16 + 16 + 5), a.Flops);
    }

    [Fact]
    public void ElementwisePoolingAndUnknownOps()
    {
        Assert.Equal(24L, OpCost.Estimate(NodeOf("Relu"), [F32(2, 12)], [F32(2, 12)]).Flops);
        var pool = NodeOf("MaxPool");
        pool.Attributes["kernel_shape"] = AttributeValue.Of(new long[] { 3, 3 });
        Assert.Equal(16L * 9, OpCost.Estimate(pool, [F32(1, 1, 6, 6)], [F32(1, 1, 4, 4)]).Flops);
        var unknown = OpCost.Estimate(NodeOf("Transpose"), [F32(3, 4)], [F32(4, 3)]);
        Assert.Null(unknown.Flops);
        Assert.Equal(96L, unknown.Bytes);
    }
}
