namespace DeepSeek.Tests.NN;

public class NNErrorTests
{
    [Fact]
    public void Conv2d_ChannelMismatch_NamesShapes()
    {
        using var x = Tensor.Zeros(new Shape(1, 3, 8, 8));
        using var w = Tensor.Zeros(new Shape(16, 4, 3, 3));
        var ex = Assert.Throws<ShapeMismatchException>(() => x.Conv2d(w));
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains("3 channels", ex.Message);
        Assert.Contains("[16, 4, 3, 3]", ex.Message);
        Assert.Contains("groups=1 expects 4", ex.Message);
        using var wg = Tensor.Zeros(new Shape(5, 2, 3, 3));
        using var x4 = Tensor.Zeros(new Shape(1, 4, 8, 8));
        Assert.Contains("groups=2", Assert.Throws<ShapeMismatchException>(() => x4.Conv2d(wg, null, groups: 2)).Message);
    }

    [Fact]
    public void Conv_BadShapesAndArguments()
    {
        using var x = Tensor.Zeros(new Shape(1, 2, 4, 4));
        using var w = Tensor.Zeros(new Shape(3, 2, 3, 3));
        using var big = Tensor.Zeros(new Shape(3, 2, 7, 7));
        using var badBias = Tensor.Zeros(new Shape(4));
        using var x2 = Tensor.Zeros(new Shape(4, 4));
        Assert.Contains("smaller than the dilated kernel", Assert.Throws<ShapeMismatchException>(() => x.Conv2d(big)).Message);
        Assert.Contains("bias must have shape [3]", Assert.Throws<ShapeMismatchException>(() => x.Conv2d(w, badBias)).Message);
        Assert.Throws<ShapeMismatchException>(() => x2.Conv2d(w));
        Assert.Throws<ArgumentException>(() => x.Conv2d(w, null, stride: 0));
        Assert.Throws<ArgumentException>(() => x.Conv2d(w, null, (1, 1), new[] { 1, 1, 1 }, (1, 1)));
        Assert.Throws<ArgumentException>(() => x.Conv2d(w, null, (1, 1), new[] { 1, -1, 1, 1 }, (1, 1)));
        using var wt = Tensor.Zeros(new Shape(2, 3, 3, 3));
        Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(wt, null, stride: 2, outputPadding: 2));
        using var wtBad = Tensor.Zeros(new Shape(5, 3, 3, 3));
        Assert.Contains("expects 5", Assert.Throws<ShapeMismatchException>(() => x.ConvTranspose2d(wtBad)).Message);
        using var w1 = Tensor.Zeros(new Shape(3, 2, 3, 3));
        using var x1 = Tensor.Zeros(new Shape(1, 2, 9));
        Assert.Throws<ShapeMismatchException>(() => x1.Conv1d(w1));
    }

    [Fact]
    public void NN_RejectsIntegerAndMixedDTypes()
    {
        using var xi = Tensor.Zeros(new Shape(1, 2, 4, 4), DType.I32);
        using var wi = Tensor.Zeros(new Shape(3, 2, 3, 3), DType.I32);
        using var x = Tensor.Zeros(new Shape(1, 2, 4, 4));
        using var w64 = Tensor.Zeros(new Shape(3, 2, 3, 3), DType.F64);
        Assert.Throws<DTypeMismatchException>(() => xi.Conv2d(wi));
        Assert.Throws<DTypeMismatchException>(() => x.Conv2d(w64));
        Assert.Throws<DTypeMismatchException>(() => xi.MaxPool2d(2));
        Assert.Throws<DTypeMismatchException>(() => xi.AvgPool2d(2));
        Assert.Throws<DTypeMismatchException>(() => xi.AdaptiveAvgPool2d(2));
        Assert.Throws<DTypeMismatchException>(() => xi.LayerNorm(new[] { 4 }));
        Assert.Throws<DTypeMismatchException>(() => xi.GroupNorm(1));
        using var rm = Tensor.Zeros(new Shape(2));
        using var rv = Tensor.Ones(new Shape(2));
        Assert.Throws<DTypeMismatchException>(() => xi.BatchNorm(rm, rv));
        using var g64 = Tensor.Ones(new Shape(2), DType.F64);
        Assert.Throws<DTypeMismatchException>(() => x.BatchNorm(rm, rv, g64));
    }

    [Fact]
    public void Pool_BadArguments()
    {
        using var x = Tensor.Zeros(new Shape(1, 1, 4, 4));
        Assert.Contains("at most half", Assert.Throws<ArgumentException>(() => x.MaxPool2d(2, 1, 2)).Message);
        Assert.Throws<ArgumentException>(() => x.AvgPool2d(0));
        Assert.Throws<ArgumentException>(() => x.MaxPool2d(2, 0));
        Assert.Throws<ShapeMismatchException>(() => x.MaxPool2d(5));
        Assert.Throws<ArgumentException>(() => x.AdaptiveAvgPool2d(0, 2));
        using var x2 = Tensor.Zeros(new Shape(4, 4));
        Assert.Throws<ShapeMismatchException>(() => x2.MaxPool2d(2));
        Assert.Throws<ShapeMismatchException>(() => x2.Select(0, 0).MaxPool1d(2));
    }

    [Fact]
    public void Norm_BadShapesAndArguments()
    {
        using var x = Tensor.Zeros(new Shape(2, 3, 4));
        using var c2 = Tensor.Zeros(new Shape(2));
        using var c3 = Tensor.Ones(new Shape(3));
        Assert.Contains("runningMean must have shape [3]", Assert.Throws<ShapeMismatchException>(() => x.BatchNorm(c2, c3)).Message);
        Assert.Throws<ArgumentException>(() => x.BatchNorm(null, null, training: false));
        using var one = Tensor.Zeros(new Shape(1, 3));
        Assert.Contains("more than 1 value", Assert.Throws<ShapeMismatchException>(() => one.BatchNorm(null, null, training: true)).Message);
        Assert.Contains("suffix", Assert.Throws<ShapeMismatchException>(() => x.LayerNorm(new[] { 3 })).Message);
        using var w5 = Tensor.Ones(new Shape(5));
        Assert.Throws<ShapeMismatchException>(() => x.LayerNorm(new[] { 4 }, w5));
        Assert.Contains("numGroups=2", Assert.Throws<ShapeMismatchException>(() => x.GroupNorm(2)).Message);
        Assert.Throws<ShapeMismatchException>(() => x.GroupNorm(3, c2));
        Assert.Throws<ArgumentException>(() => x.LayerNorm(new[] { 4 }, eps: -1));
    }

    [Fact]
    public void NN_DisposedTensors_Throw()
    {
        var x = Tensor.Zeros(new Shape(1, 1, 4, 4));
        using var w = Tensor.Zeros(new Shape(1, 1, 3, 3));
        x.Dispose();
        Assert.Throws<TensorDisposedException>(() => x.Conv2d(w));
        Assert.Throws<TensorDisposedException>(() => x.MaxPool2d(2));
        Assert.Throws<TensorDisposedException>(() => x.GroupNorm(1));
        using var y = Tensor.Zeros(new Shape(1, 1, 4, 4));
        var wd = Tensor.Zeros(new Shape(1, 1, 3, 3));
        wd.Dispose();
        Assert.Throws<TensorDisposedException>(() => y.Conv2d(wd));
        Assert.Throws<TensorDisposedException>(() => y.LayerNorm(new[] { 4 }, wd));
    }
}
