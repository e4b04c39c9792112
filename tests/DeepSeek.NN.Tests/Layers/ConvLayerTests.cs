namespace DeepSeek.NN.Tests.Layers;

public class ConvLayerTests
{
    [Theory]
    [InlineData(1, 0, 1, 1, true)]
    [InlineData(2, 1, 1, 2, true)]
    [InlineData(1, 2, 2, 1, false)]
    public void Conv2dMatchesNaive(int stride, int padding, int dilation, int groups, bool bias)
    {
        using var conv = new Conv2d(4, 6, 3, stride, padding, dilation, groups, bias, new Generator(1), DType.F64);
        using var xbuf = Tensor.RandN(new Shape(2, 7, 6, 4), new Generator(2), dtype: DType.F64);
        using var x = xbuf.Permute(0, 3, 1, 2); // [2, 4, 7, 6], non-contiguous
        using var y = conv.Forward(x);
        var expected = Naive.Conv2d(x.Contiguous().ToDoubleArray(), 2, 4, 7, 6, conv.Weight.Data.ToDoubleArray(), 6, 3, 3,
            conv.Bias?.Data.ToDoubleArray(), stride, stride, padding, padding, dilation, dilation, groups, out int oh, out int ow);
        Assert.Equal(new Shape(2, 6, oh, ow), y.Shape);
        TestSupport.AssertClose(expected, y.ToDoubleArray(), 1e-10, 1e-10);
    }

    [Fact]
    public void Conv2dParametersFollowTorch()
    {
        using var conv = new Conv2d(8, 16, (3, 5), (1, 1), (0, 0), (1, 1), groups: 2, generator: new Generator(3));
        Assert.Equal(["weight", "bias"], conv.StateDict().Keys);
        Assert.Equal(new Shape(16, 4, 3, 5), conv.Weight.Shape);
        Assert.Equal(new Shape(16), conv.Bias!.Shape);
        double bound = 1 / Math.Sqrt(4 * 3 * 5); // kaiming_uniform(a=√5) and the bias both give ±1/√fan_in
        var w = conv.Weight.Data.ToDoubleArray();
        Assert.True(w.Max() <= bound && w.Min() >= -bound && w.Max() > 0.8 * bound);
        var b = conv.Bias.Data.ToDoubleArray();
        Assert.True(b.Max() <= bound && b.Min() >= -bound);
        using var noBias = new Conv2d(3, 3, 1, bias: false);
        Assert.Equal(["weight"], noBias.StateDict().Keys);
        Assert.Null(noBias.Bias);
    }

    [Fact]
    public void Conv1dMatchesNaive()
    {
        using var conv = new Conv1d(3, 4, 3, stride: 2, padding: 1, generator: new Generator(4), dtype: DType.F64);
        Assert.Equal(new Shape(4, 3, 3), conv.Weight.Shape);
        using var x = Tensor.RandN(new Shape(2, 3, 9), new Generator(5), dtype: DType.F64);
        using var y = conv.Forward(x);
        // a 1-d convolution is a 2-d one with height 1
        var expected = Naive.Conv2d(x.ToDoubleArray(), 2, 3, 1, 9, conv.Weight.Data.ToDoubleArray(), 4, 1, 3,
            conv.Bias!.Data.ToDoubleArray(), 1, 2, 0, 1, 1, 1, 1, out _, out int ow);
        Assert.Equal(new Shape(2, 4, ow), y.Shape);
        TestSupport.AssertClose(expected, y.ToDoubleArray(), 1e-10, 1e-10);
    }

    [Theory]
    [InlineData(1, 0, 0, 1)]
    [InlineData(2, 1, 1, 1)]
    [InlineData(2, 0, 0, 2)]
    public void ConvTranspose2dMatchesNaive(int stride, int padding, int outputPadding, int groups)
    {
        using var conv = new ConvTranspose2d(4, 6, 3, stride, padding, outputPadding, groups, generator: new Generator(6), dtype: DType.F64);
        Assert.Equal(new Shape(4, 6 / groups, 3, 3), conv.Weight.Shape);
        using var x = Tensor.RandN(new Shape(2, 4, 3, 5), new Generator(7), dtype: DType.F64);
        using var y = conv.Forward(x);
        var expected = Naive.ConvTranspose2d(x.ToDoubleArray(), 2, 4, 3, 5, conv.Weight.Data.ToDoubleArray(), 6, 3, 3,
            conv.Bias!.Data.ToDoubleArray(), stride, padding, outputPadding, groups, out int oh, out int ow);
        Assert.Equal(new Shape(2, 6, oh, ow), y.Shape);
        TestSupport.AssertClose(expected, y.ToDoubleArray(), 1e-10, 1e-10);
        // torch computes fan_in from weight dim 1: (out/groups)·kh·kw
        double bound = 1 / Math.Sqrt(6 / groups * 9.0);
        Assert.True(conv.Bias.Data.ToDoubleArray().All(v => Math.Abs(v) <= bound));
    }

    [Fact]
    public void Errors()
    {
        Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3, groups: 2));
        using var conv = new Conv2d(3, 4, 3);
        using var x = Tensor.Zeros(new Shape(1, 5, 8, 8));
        var e = Assert.Throws<ShapeMismatchException>(() => conv.Forward(x));
        Assert.Contains("Conv2d", e.Message);
        Assert.Contains("[1, 5, 8, 8]", e.Message);
        using var x3 = Tensor.Zeros(new Shape(3, 8, 8));
        Assert.Throws<ShapeMismatchException>(() => conv.Forward(x3));
    }
}
