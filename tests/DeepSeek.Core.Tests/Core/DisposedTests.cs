namespace DeepSeek.Tests.Core;

public class DisposedTests
{
    private static Tensor Dead()
    {
        var t = Tensor.Zeros(2, 3);
        t.Dispose();
        return t;
    }

    public static TheoryData<string> Ops() => new() { "Reshape", "Transpose", "Permute", "Slice", "Select", "Expand", "Squeeze", "Unsqueeze", "Flatten", "Contiguous", "Clone", "CopyFrom", "ToArray", "ToDoubleArray", "To", "Index", "View" };

    [Theory]
    [MemberData(nameof(Ops))]
    public void UseAfterDispose_ThrowsNamingOpAndShape(string op)
    {
        var t = Dead();
        Assert.True(t.IsDisposed);
        using var other = Tensor.Zeros(2, 3);
        Action a = op switch
        {
            "Reshape" => () => t.Reshape(6),
            "View" => () => t.ViewAs(6),
            "Transpose" => () => t.Transpose(0, 1),
            "Permute" => () => t.Permute(1, 0),
            "Slice" => () => t.Slice(0, 0, 1),
            "Select" => () => t.Select(0, 0),
            "Expand" => () => t.Expand(2, 3),
            "Squeeze" => () => t.Squeeze(),
            "Unsqueeze" => () => t.Unsqueeze(0),
            "Flatten" => () => t.Flatten(),
            "Contiguous" => () => t.Contiguous(),
            "Clone" => () => t.Clone(),
            "CopyFrom" => () => other.CopyFrom(t),
            "ToArray" => () => t.ToArray<float>(),
            "ToDoubleArray" => () => t.ToDoubleArray(),
            "To" => () => t.To(DType.F64),
            "Index" => () => _ = t[0],
            _ => throw new ArgumentException(op),
        };
        var ex = Assert.Throws<TensorDisposedException>(a);
        Assert.Contains(op + ":", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("f32", ex.Message);
    }

    [Fact]
    public void Narrow_AfterDispose_NamesNarrow()
    {
        var t = Dead();
        var ex = Assert.Throws<TensorDisposedException>(() => t.Narrow(0, 0, 1));
        Assert.Contains("Narrow:", ex.Message);
    }

    [Fact]
    public void DisposeIsIdempotent_AndViewsKeepStorageAlive()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3 });
        var v = x.Slice(0, 1, 3);
        x.Dispose();
        x.Dispose();
        Assert.Equal(new float[] { 2, 3 }, v.ToArray<float>());
        v.Dispose();
        Assert.Contains("disposed", x.ToString());
    }

    [Fact]
    public void Scope_DisposesInnerTensors_MoveToOuterScopeSurvives()
    {
        Tensor inner, kept;
        using (Tensor.NewScope())
        {
            inner = Tensor.Ones(2);
            kept = Tensor.Ones(3).MoveToOuterScope();
        }
        Assert.True(inner.IsDisposed);
        Assert.False(kept.IsDisposed);
        kept.Dispose();
    }
}
