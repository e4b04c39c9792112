namespace DeepSeek.Autograd;

/// <summary>
/// Backward of Softmax and LogSoftmax, written in terms of the saved output y so the input need not be kept:
/// softmax: dx = y ⊙ (g − Σ g⊙y); log-softmax: dx = g − exp(y) ⊙ Σ g (sums along the softmax axis).
/// F16/BF16 compute in F32 and round once.
/// </summary>
internal sealed class SoftmaxBackward : GradNode
{
    private readonly int _axis;
    private readonly bool _log;
    private readonly DType _dtype;
    private SavedTensor? _y;

    public SoftmaxBackward(Tensor x, Tensor y, int axis, bool log) : base(x)
    {
        _axis = axis;
        _log = log;
        _dtype = x.DType;
        _y = Save(y);
    }

    public override string Name => _log ? "LogSoftmaxBackward" : "SoftmaxBackward";

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var y = Wide.F32(_y!.Get(Name));
        var gw = Wide.F32(g);
        Tensor gx = _log
            ? gw - y.Exp() * gw.Sum(_axis, keepDim: true)
            : y * (gw - (gw * y).Sum(_axis, keepDim: true));
        return [GradUtil.As(gx, _dtype)];
    }

    protected override void Release()
    {
        _y?.Release();
        _y = null;
    }
}

/// <summary>
/// Backward of Var and Std over a set of axes: dVar/dx = 2(x − mean)/(N − correction) and
/// dStd/dx = (x − mean)/((N − correction)·std), taken as 0 where std is 0 (as PyTorch does).
/// </summary>
internal sealed class VarianceBackward : GradNode
{
    private readonly int[] _axes;
    private readonly int[] _keepShape;
    private readonly double _denominator;
    private readonly bool _std;
    private readonly DType _dtype;
    private SavedTensor? _x, _y;

    public VarianceBackward(Tensor x, Tensor y, int[] axes, int correction, bool std) : base(x)
    {
        _axes = axes;
        _std = std;
        _dtype = x.DType;
        _keepShape = x.Shape.ToArray();
        long n = 1;
        foreach (var a in axes)
        {
            n *= _keepShape[a];
            _keepShape[a] = 1;
        }
        _denominator = n - correction;
        _x = Save(x);
        if (std) _y = Save(y);
    }

    public override string Name => _std ? "StdBackward" : "VarBackward";

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var x = Wide.F32(_x!.Get(Name));
        var gk = Wide.F32(g).Reshape(_keepShape);
        var diff = _axes.Length == 0 ? Tensor.ZerosLike(x) : x - x.Mean(_axes, keepDim: true);
        Tensor gx;
        if (_std)
        {
            var y = Wide.F32(_y!.Get(Name)).Reshape(_keepShape);
            var scale = Tensor.Where(y.Eq(0), 0.0, gk / (y * _denominator));
            gx = diff * scale;
        }
        else gx = diff * (gk * (2.0 / _denominator));
        return [GradUtil.As(gx, _dtype)];
    }

    protected override void Release()
    {
        _x?.Release();
        _y?.Release();
        _x = _y = null;
    }
}

/// <summary>
/// Backward of ops whose values are elements picked from the input along one axis, with the indices they came
/// from (MaxWithIndices, MinWithIndices, TopK, Sort): the gradient is scattered back to those indices.
/// </summary>
internal sealed class IndexedValuesBackward : GradNode
{
    private readonly string _op;
    private readonly Shape _xShape;
    private readonly int _axis;
    private readonly int[] _keepShape;
    private SavedTensor? _indices;

    /// <param name="op">Forward op name.</param>
    /// <param name="x">The input.</param>
    /// <param name="indices">The returned indices.</param>
    /// <param name="axis">The normalized axis the values were picked along.</param>
    /// <param name="keepShape">Shape of the indices with the picked axis kept (size 1 for Max/Min, k for TopK).</param>
    public IndexedValuesBackward(string op, Tensor x, Tensor indices, int axis, int[] keepShape) : base(x)
    {
        _op = op;
        _xShape = x.Shape;
        _axis = axis;
        _keepShape = keepShape;
        _indices = Save(indices);
    }

    public override string Name => _op + "Backward";

    protected internal override Tensor?[] Backward(Tensor g)
    {
        if (_xShape.Rank == 0) return [g.Reshape()];
        var idx = _indices!.Get(Name).Reshape(_keepShape);
        return [GradUtil.As(IndexGrad.ScatterAdd(_xShape, _axis, idx, g.Reshape(_keepShape)), g.DType)];
    }

    protected override void Release()
    {
        _indices?.Release();
        _indices = null;
    }
}

/// <summary>
/// Backward of CumSum: each input contributes to the outputs on one side of it, so its gradient is the cumulative
/// sum of the output gradient in the opposite direction (same exclusivity).
/// </summary>
internal sealed class CumSumBackward(Tensor x, int axis, bool exclusive, bool reverse) : GradNode(x)
{
    private readonly DType _dtype = x.DType;

    protected internal override Tensor?[] Backward(Tensor g) =>
        [GradUtil.As(g.CumSum(axis, exclusive, !reverse), _dtype)];
}

/// <summary>Widening for backward formulas of ops that compute F16/BF16 in F32.</summary>
internal static class Wide
{
    /// <summary>An F32 copy of an F16/BF16 tensor; other dtypes are returned as they are.</summary>
    public static Tensor F32(Tensor t) => t.DType is DType.F16 or DType.BF16 ? t.To(DType.F32) : t;
}
