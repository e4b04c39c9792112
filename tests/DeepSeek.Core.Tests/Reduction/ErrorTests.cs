namespace DeepSeek.Tests.Reduction;

public class ErrorTests
{
    [Fact]
    public void AxisOutOfRangeNamesOpAndRank()
    {
        using var x = Tensor.Zeros(2, 3);
        var ex = Assert.Throws<AxisOutOfRangeException>(() => x.Sum(2));
        Assert.Contains("Sum", ex.Message);
        Assert.Contains("rank 2", ex.Message);
        ex = Assert.Throws<AxisOutOfRangeException>(() => x.Mean([0, -3]));
        Assert.Contains("Mean", ex.Message);
        Assert.Throws<AxisOutOfRangeException>(() => x.ArgMax(5));
        Assert.Throws<AxisOutOfRangeException>(() => x.CumSum(-3));
        Assert.Throws<AxisOutOfRangeException>(() => x.Var([2]));
    }

    [Fact]
    public void DuplicateAxesAreRejected()
    {
        using var x = Tensor.Zeros(2, 3);
        var ex = Assert.Throws<ArgumentException>(() => x.Sum([1, -1]));
        Assert.Contains("Sum", ex.Message);
        Assert.Contains("more than once", ex.Message);
        Assert.Throws<ArgumentException>(() => x.Max([0, 0]));
    }

    [Fact]
    public void FloatingOnlyOpsRejectIntegers()
    {
        using var x = Tensor.Arange(6);
        foreach (var (name, f) in new (string, Func<Tensor>)[] { ("Mean", () => x.Mean()), ("LogSumExp", () => x.LogSumExp()), ("Std", () => x.Std()) })
        {
            var ex = Assert.Throws<DTypeMismatchException>(f);
            Assert.Contains(name, ex.Message);
            Assert.Contains("i64", ex.Message);
        }
    }

    [Fact]
    public void DisposedInputIsReported()
    {
        var x = Tensor.Zeros(2, 2);
        x.Dispose();
        var ex = Assert.Throws<TensorDisposedException>(() => x.Sum());
        Assert.Contains("Sum", ex.Message);
        Assert.Throws<TensorDisposedException>(() => x.Softmax(0));
        Assert.Throws<TensorDisposedException>(() => x.TopK(1));
        Assert.Throws<TensorDisposedException>(() => x.ArgMax());
    }
}
