using DeepSeek.Backends;

namespace DeepSeek.Autograd;

/// <summary>
/// Backward of Sum, Mean, Max, Min and LogSumExp over a set of axes. The output gradient is reshaped to the
/// keep-dim shape and broadcast back over the reduced axes; Max/Min share it evenly among tied extremes.
/// </summary>
internal sealed class ReduceBackward : GradNode
{
    private readonly ReduceOp _op;
    private readonly Shape _xShape;
    private readonly int[] _keepShape;
    private readonly long _count;
    private SavedTensor? _x, _y;

    public ReduceBackward(ReduceOp op, Tensor x, Tensor y, int[] axes) : base(x)
    {
        _op = op;
        _xShape = x.Shape;
        _keepShape = x.Shape.ToArray();
        long count = 1;
        foreach (var a in axes)
        {
            count *= _keepShape[a];
            _keepShape[a] = 1;
        }
        _count = count;
        if (op is ReduceOp.Max or ReduceOp.Min or ReduceOp.LogSumExp or ReduceOp.Prod)
        {
            _x = Save(x);
            _y = Save(y);
        }
    }

    public override string Name => _op + "Backward";

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var gk = g.Reshape(_keepShape);
        var dims = _xShape.ToArray();
        Tensor gx = _op switch
        {
            ReduceOp.Sum => gk.Expand(dims).Contiguous(),
            ReduceOp.Mean => (gk * (1.0 / _count)).Expand(dims).Contiguous(),
            ReduceOp.LogSumExp => gk * (X() - Y()).Exp(),
            ReduceOp.Max or ReduceOp.Min => ExtremeGrad(gk),
            ReduceOp.Prod => ProdGrad(gk),
            _ => throw new InvalidOperationException($"{Name}: no gradient for {_op}."),
        };
        return [GradUtil.As(gx, _x?.Get(Name).DType ?? g.DType)];
    }

    private Tensor X() => _x!.Get(Name);
    private Tensor Y() => _y!.Get(Name).Reshape(_keepShape);

    private Tensor ExtremeGrad(Tensor gk)
    {
        var x = X();
        var mask = x.Eq(Y()).To(gk.DType);
        var axes = Enumerable.Range(0, _keepShape.Length).Where(i => _keepShape[i] == 1 && _xShape.Dims[i] != 1).ToArray();
        var count = axes.Length == 0 ? Tensor.OnesLike(gk) : mask.Sum(axes, keepDim: true);
        return mask * (gk / count);
    }

    // d(prod)/dx_i = product of the other elements: y/x_i when the slice has no zero; at the single zero of a
    // slice with one zero, the product of the non-zeros; 0 everywhere when a slice has two or more zeros.
    private Tensor ProdGrad(Tensor gk)
    {
        var x = X();
        var axes = Enumerable.Range(0, _keepShape.Length).Where(i => _keepShape[i] == 1 && _xShape.Dims[i] != 1).ToArray();
        var isZero = x.Eq(0);
        var zeros = axes.Length == 0 ? isZero.To(DType.I64) : isZero.Sum(axes, keepDim: true);
        var nonZeroProd = axes.Length == 0 ? Tensor.Where(isZero, 1.0, x) : Tensor.Where(isZero, 1.0, x).Prod(axes, keepDim: true);
        var atNonZero = Tensor.Where(zeros.Eq(0), Y() / Tensor.Where(isZero, 1.0, x), 0.0);
        var atZero = Tensor.Where(zeros.Eq(1), nonZeroProd.Expand(_xShape.ToArray()), 0.0);
        return gk * Tensor.Where(isZero, atZero, atNonZero);
    }

    protected override void Release()
    {
        _x?.Release();
        _y?.Release();
        _x = _y = null;
    }
}
