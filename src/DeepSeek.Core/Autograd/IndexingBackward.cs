namespace DeepSeek.Autograd;

// Backward of the index-driven ops. Reads (IndexSelect, Embedding, Gather) become accumulating writes of the
// gradient (IndexAdd / ScatterAdd, so repeated indices sum), and accumulating writes become reads.
// The writes go straight into a fresh zero tensor through the backend's in-place kernels (no copy of a
// weight-sized buffer), accumulating F16/BF16 in F32 and rounding once.

/// <summary>Accumulating writes of a gradient into zeros, for backward formulas.</summary>
internal static class IndexGrad
{
    /// <summary>The dtype gradients of <paramref name="dtype"/> accumulate in.</summary>
    public static DType AccumulatorType(DType dtype) => dtype is DType.F16 or DType.BF16 ? DType.F32 : dtype;

    /// <summary>Zeros of <paramref name="shape"/> with g[…, k, …] added at index[k] along <paramref name="axis"/>; result in the accumulator dtype.</summary>
    public static Tensor IndexAdd(Shape shape, int axis, Tensor index, Tensor g)
    {
        var acc = Tensor.Zeros(shape, AccumulatorType(g.DType), g.Device);
        var idx = index.Rank == 0 ? index.Reshape(1) : index;
        acc.Backend.IndexAdd(acc, axis, idx, Wide.F32(g));
        return acc;
    }

    /// <summary>Zeros of <paramref name="shape"/> with g[p] added at p with coordinate <paramref name="axis"/> = index[p]; result in the accumulator dtype.</summary>
    public static Tensor ScatterAdd(Shape shape, int axis, Tensor index, Tensor g)
    {
        var acc = Tensor.Zeros(shape, AccumulatorType(g.DType), g.Device);
        acc.Backend.ScatterAdd(acc, axis, index, Wide.F32(g));
        return acc;
    }
}

/// <summary>Backward of IndexSelect: the gradient rows are added back into the selected positions.</summary>
internal sealed class IndexSelectBackward : GradNode
{
    private readonly Shape _xShape;
    private readonly int _axis;
    private SavedTensor? _index;

    public IndexSelectBackward(Tensor x, int axis, Tensor index) : base(x)
    {
        _xShape = x.Shape;
        _axis = axis;
        _index = Save(index);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        return [GradUtil.As(IndexGrad.IndexAdd(_xShape, _axis, _index!.Get(Name), g), g.DType)];
    }

    protected override void Release()
    {
        _index?.Release();
        _index = null;
    }
}

/// <summary>Backward of Embedding with respect to the weight: every looked-up row's gradient is added to its row.</summary>
internal sealed class EmbeddingBackward : GradNode
{
    private readonly Shape _wShape;
    private SavedTensor? _indices;

    public EmbeddingBackward(Tensor indices, Tensor weight) : base(weight)
    {
        _wShape = weight.Shape;
        _indices = Save(indices);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var flat = _indices!.Get(Name).Reshape(-1);
        var rows = g.Reshape(-1, _wShape[1]);
        return [GradUtil.As(IndexGrad.IndexAdd(_wShape, 0, flat, rows), g.DType)];
    }

    protected override void Release()
    {
        _indices?.Release();
        _indices = null;
    }
}

/// <summary>Backward of Gather: the gradient is scatter-added back to the gathered positions.</summary>
internal sealed class GatherBackward : GradNode
{
    private readonly Shape _xShape;
    private readonly int _axis;
    private SavedTensor? _index;

    public GatherBackward(Tensor x, int axis, Tensor index) : base(x)
    {
        _xShape = x.Shape;
        _axis = axis;
        _index = Save(index);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        return [GradUtil.As(IndexGrad.ScatterAdd(_xShape, _axis, _index!.Get(Name), g), g.DType)];
    }

    protected override void Release()
    {
        _index?.Release();
        _index = null;
    }
}

/// <summary>
/// Backward of ScatterAdd: self receives the gradient unchanged; src receives the gradient gathered at the
/// scattered positions, zero outside the corner the index covers.
/// </summary>
internal sealed class ScatterAddBackward : GradNode
{
    private readonly int _axis;
    private readonly Shape _srcShape;
    private SavedTensor? _index;

    public ScatterAddBackward(Tensor self, int axis, Tensor index, Tensor src)
        : base(self.RequiresGrad ? self : null, src.RequiresGrad ? src : null)
    {
        _axis = axis;
        _srcShape = src.Shape;
        _index = Save(index);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        Tensor? gs = null;
        if (Next[1] is not null)
        {
            var index = _index!.Get(Name);
            var picked = g.Gather(_axis, index);
            gs = picked.Shape == _srcShape ? picked : picked.Pad(CornerPads(index.Shape, _srcShape));
        }
        return [Next[0] is null ? null : g, gs];
    }

    /// <summary>Pads (torch order, last dim first) that grow <paramref name="from"/> to <paramref name="to"/> at the end of each dim.</summary>
    private static int[] CornerPads(Shape from, Shape to)
    {
        var pads = new int[2 * from.Rank];
        for (int d = 0; d < from.Rank; d++) pads[2 * (from.Rank - 1 - d) + 1] = to.Dims[d] - from.Dims[d];
        return pads;
    }

    protected override void Release()
    {
        _index?.Release();
        _index = null;
    }
}

/// <summary>Backward of IndexAdd: self receives the gradient; source receives the gradient rows at the indices.</summary>
internal sealed class IndexAddBackward : GradNode
{
    private readonly int _axis;
    private SavedTensor? _index;

    public IndexAddBackward(Tensor self, int axis, Tensor index, Tensor source)
        : base(self.RequiresGrad ? self : null, source.RequiresGrad ? source : null)
    {
        _axis = axis;
        _index = Save(index);
    }

    protected internal override Tensor?[] Backward(Tensor g) =>
        [Next[0] is null ? null : g, Next[1] is null ? null : g.IndexSelect(_axis, _index!.Get(Name))];

    protected override void Release()
    {
        _index?.Release();
        _index = null;
    }
}

/// <summary>Backward of MaskedFill: filled positions get no gradient; broadcast dims are summed back.</summary>
internal sealed class MaskedFillBackward : GradNode
{
    private readonly Shape _xShape;
    private SavedTensor? _mask;

    public MaskedFillBackward(Tensor x, Tensor mask) : base(x)
    {
        _xShape = x.Shape;
        _mask = Save(mask);
    }

    protected internal override Tensor?[] Backward(Tensor g) =>
        [GradUtil.SumTo(g.MaskedFill(_mask!.Get(Name), 0), _xShape)];

    protected override void Release()
    {
        _mask?.Release();
        _mask = null;
    }
}

/// <summary>Backward of Flip: flip the gradient along the same dims.</summary>
internal sealed class FlipBackward(Tensor x, int[] dims) : GradNode(x)
{
    protected internal override Tensor?[] Backward(Tensor g) => [g.Flip(dims)];
}

/// <summary>Backward of Tril/Triu: the same triangle of the gradient (the zeroed part had no influence).</summary>
internal sealed class TriangleBackward(Tensor x, int diagonal, bool upper) : GradNode(x)
{
    public override string Name => upper ? "TriuBackward" : "TrilBackward";

    protected internal override Tensor?[] Backward(Tensor g) => [upper ? g.Triu(diagonal) : g.Tril(diagonal)];
}
