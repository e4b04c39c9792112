namespace DeepSeek.Tests.Core;

public sealed class GeneratorStateTests
{
    [Fact]
    public void RestoredStateReplaysTheSameSequence()
    {
        var g = new Generator(5);
        _ = g.NextUInt64();
        using (Tensor.RandN(new Shape(3), g)) { } // leaves a cached normal sample behind
        var state = g.GetState();
        using var a = Tensor.RandN(new Shape(7), g);
        var u = g.NextDouble();
        g.SetState(state);
        using var b = Tensor.RandN(new Shape(7), g);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.Equal(u, g.NextDouble());
        Assert.Throws<ArgumentException>(() => g.SetState(default));
    }
}

public sealed class EmptyTensorTests
{
    [Fact]
    public void ZeroSizedTensorsAreContiguousAndRoundTrip()
    {
        using var t = Tensor.RandN(new Shape(4, 0), new Generator(1));
        Assert.True(t.IsContiguous);
        Assert.Empty(t.ToDoubleArray());
        using var z = Tensor.Zeros(new Shape(0, 3));
        Assert.Empty(z.ToArray<float>());
    }
}
