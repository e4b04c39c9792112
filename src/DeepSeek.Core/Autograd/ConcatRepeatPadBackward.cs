using DeepSeek.Backends;

namespace DeepSeek.Autograd;

// Backward of the shape-combining ops: Concat/Stack hand each input its slice of the gradient (in its own
// dtype), Repeat sums over the copies, and Pad crops (constant) or folds border positions back onto the
// source positions they copied (reflect/replicate/circular).

/// <summary>Backward of Concat: input i receives its slice of the gradient along the axis, cast to its dtype.</summary>
internal sealed class ConcatBackward : GradNode
{
    private readonly int _axis;
    private readonly int[] _sizes;
    private readonly bool[] _skipped;
    private readonly DType[] _dtypes;

    /// <param name="inputs">All inputs, in order.</param>
    /// <param name="axis">The normalized concat axis.</param>
    /// <param name="skipped">Inputs left out of the result (1-d empty tensors).</param>
    public ConcatBackward(IReadOnlyList<Tensor> inputs, int axis, bool[] skipped) : base(inputs.ToArray())
    {
        _axis = axis;
        _skipped = skipped;
        _sizes = inputs.Select((t, i) => skipped[i] ? 0 : t.Shape.Dims[axis]).ToArray();
        _dtypes = inputs.Select(t => t.DType).ToArray();
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var grads = new Tensor?[_sizes.Length];
        long offset = 0;
        for (int i = 0; i < _sizes.Length; i++)
        {
            if (Next[i] is not null)
                grads[i] = _skipped[i]
                    ? Tensor.Zeros(new Shape(0), _dtypes[i], g.Device)
                    : GradUtil.As(g.Narrow(_axis, offset, _sizes[i]), _dtypes[i]);
            offset += _sizes[i];
        }
        return grads;
    }
}

/// <summary>Backward of Stack: input i receives index i of the gradient along the new axis, cast to its dtype.</summary>
internal sealed class StackBackward(IReadOnlyList<Tensor> inputs, int axis) : GradNode(inputs.ToArray())
{
    private readonly DType[] _dtypes = inputs.Select(t => t.DType).ToArray();

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var grads = new Tensor?[_dtypes.Length];
        for (int i = 0; i < grads.Length; i++)
            if (Next[i] is not null) grads[i] = GradUtil.As(g.Select(axis, i), _dtypes[i]);
        return grads;
    }
}

/// <summary>
/// Backward of Repeat/Tile: the output viewed as [r0, n0, r1, n1, …] holds r copies per dim; the gradient is the
/// sum over the copy axes.
/// </summary>
internal sealed class RepeatBackward(Tensor x, int[] expanded) : GradNode(x)
{
    private readonly int[] _xShape = x.Shape.ToArray();

    protected internal override Tensor?[] Backward(Tensor g)
    {
        if (expanded.Length == 0) return [g.Reshape(_xShape)];
        var copyAxes = Enumerable.Range(0, expanded.Length / 2).Select(i => 2 * i).ToArray();
        return [g.Reshape(expanded).Sum(copyAxes).Reshape(_xShape)];
    }
}

/// <summary>
/// Backward of Pad. Constant mode: pad the gradient by the negated amounts (crops what was padded, zero-fills
/// what was cropped). Other modes: per padded dim, the forward's output → source index map (the padded arange)
/// drives an IndexAdd that folds every output position's gradient onto its source.
/// </summary>
internal sealed class PadBackward : GradNode
{
    private readonly int[] _pads, _before, _after, _xShape;
    private readonly PadMode _mode;
    private readonly DType _dtype;

    public PadBackward(Tensor x, int[] pads, int[] before, int[] after, PadMode mode) : base(x)
    {
        _pads = (int[])pads.Clone();
        _before = before;
        _after = after;
        _mode = mode;
        _xShape = x.Shape.ToArray();
        _dtype = x.DType;
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        if (_mode == PadMode.Constant) return [g.Pad(_pads.Select(p => -p).ToArray())];
        var cur = Wide.F32(g); // several IndexAdds: accumulate in F32 and round once
        for (int d = 0; d < _xShape.Length; d++)
        {
            if (_before[d] == 0 && _after[d] == 0) continue;
            using var arange = Tensor.Arange(_xShape[d], DType.I64, g.Device);
            var map = arange.Pad([_before[d], _after[d]], _mode);
            var shape = cur.Shape.ToArray();
            shape[d] = _xShape[d];
            cur = IndexGrad.IndexAdd(new Shape(shape), d, map, cur);
        }
        return [GradUtil.As(cur, _dtype)];
    }
}
