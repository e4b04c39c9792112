namespace DeepSeek.Autograd;

/// <summary>Backward of shape-only views (reshape, squeeze, unsqueeze, flatten): reshape the gradient back.</summary>
internal sealed class ReshapeBackward(Tensor x) : GradNode(x)
{
    private readonly int[] _shape = x.Shape.ToArray();

    protected internal override Tensor?[] Backward(Tensor g) => [g.Reshape(_shape)];
}

/// <summary>Backward of permute/transpose: apply the inverse permutation.</summary>
internal sealed class PermuteBackward : GradNode
{
    private readonly int[] _inverse;

    public PermuteBackward(Tensor x, int[] perm) : base(x)
    {
        _inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) _inverse[perm[i]] = i;
    }

    protected internal override Tensor?[] Backward(Tensor g) => [g.Permute(_inverse)];
}

/// <summary>Backward of slice/narrow: the gradient lands in the sliced positions of a zero tensor.</summary>
internal sealed class SliceBackward(Tensor x, int dim, long start, long end, long step) : GradNode(x)
{
    private readonly Shape _shape = x.Shape;

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var gx = Tensor.Zeros(_shape, g.DType, g.Device);
        using var s = gx.Slice(dim, start, end, step);
        s.CopyFrom(g);
        return [gx];
    }
}

/// <summary>Backward of select: the gradient lands in one index of a zero tensor.</summary>
internal sealed class SelectBackward(Tensor x, int dim, long index) : GradNode(x)
{
    private readonly Shape _shape = x.Shape;

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var gx = Tensor.Zeros(_shape, g.DType, g.Device);
        using var s = gx.Select(dim, index);
        s.CopyFrom(g);
        return [gx];
    }
}

/// <summary>Backward of expand/broadcast: sum over the broadcast dimensions.</summary>
internal sealed class ExpandBackward(Tensor x) : GradNode(x)
{
    private readonly Shape _shape = x.Shape;

    protected internal override Tensor?[] Backward(Tensor g) => [GradUtil.SumTo(g, _shape)];
}

/// <summary>Backward of ops that return the same values (contiguous, clone, alias): pass the gradient through.</summary>
internal sealed class IdentityBackward(Tensor x) : GradNode(x)
{
    protected internal override Tensor?[] Backward(Tensor g) => [g];
}
