namespace DeepSeek.Autograd;

/// <summary>
/// Backward of MatMul (and Mm, Bmm, Dot, Outer, which run through it): with 1-d operands promoted to [1, K] / [K, 1]
/// and the output gradient reshaped to the full [..., M, N], dA = dY·Bᵀ and dB = Aᵀ·dY, each summed over the batch
/// dims its operand was broadcast along (<see cref="GradUtil.SumTo"/>) and reshaped back to the operand's shape.
/// </summary>
internal sealed class MatMulBackward : GradNode
{
    private readonly string _op;
    private readonly Shape _aShape, _bShape;
    private readonly DType _aType, _bType;
    private SavedTensor? _a, _b;

    public MatMulBackward(string op, Tensor a, Tensor b) : base(a, b)
    {
        _op = op;
        _aShape = a.Shape;
        _bShape = b.Shape;
        _aType = a.DType;
        _bType = b.DType;
        if (Next[1] is not null) _a = Save(a);
        if (Next[0] is not null) _b = Save(b);
    }

    public override string Name => _op + "Backward";

    protected internal override Tensor?[] Backward(Tensor g)
    {
        bool aVec = _aShape.Rank == 1, bVec = _bShape.Rank == 1;
        // the full [..., M, N] gradient: put back the dims a 1-d operand removed
        var gf = g;
        if (aVec) gf = gf.Unsqueeze(bVec ? 0 : -2);
        if (bVec) gf = gf.Unsqueeze(-1);
        Tensor? ga = null, gb = null;
        if (Next[0] is not null)
        {
            var b = _b!.Get(Name);
            var b2 = bVec ? b.Unsqueeze(1) : b;
            var full = gf.MatMul(b2.Transpose(-1, -2));
            var aShape2 = aVec ? new Shape(1, _aShape.Dims[0]) : _aShape;
            ga = GradUtil.As(GradUtil.SumTo(full, aShape2).Reshape(_aShape.ToArray()), _aType);
        }
        if (Next[1] is not null)
        {
            var a = _a!.Get(Name);
            var a2 = aVec ? a.Unsqueeze(0) : a;
            var full = a2.Transpose(-1, -2).MatMul(gf);
            var bShape2 = bVec ? new Shape(_bShape.Dims[0], 1) : _bShape;
            gb = GradUtil.As(GradUtil.SumTo(full, bShape2).Reshape(_bShape.ToArray()), _bType);
        }
        return [ga, gb];
    }

    protected override void Release()
    {
        _a?.Release();
        _b?.Release();
        _a = _b = null;
    }
}

/// <summary>
/// Backward of Linear y = x·Wᵀ + b: dx = dy·W, dW = dy₂ᵀ·x₂ over the flattened leading dims, db = Σ dy over them.
/// </summary>
internal sealed class LinearBackward : GradNode
{
    private readonly Shape _xShape;
    private readonly DType _dtype;
    private SavedTensor? _x, _w;

    public LinearBackward(Tensor input, Tensor weight, Tensor? bias) : base(input, weight, bias)
    {
        _xShape = input.Shape;
        _dtype = input.DType;
        if (Next[1] is not null) _x = Save(input);
        if (Next[0] is not null) _w = Save(weight);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        int outF = g.Shape.Dims[^1], inF = _xShape.Dims[^1];
        var g2 = g.Reshape(-1, outF);
        Tensor? gx = null, gw = null, gb = null;
        if (Next[0] is not null) gx = GradUtil.As(g2.Mm(_w!.Get(Name)).Reshape(_xShape.ToArray()), _dtype);
        if (Next[1] is not null) gw = GradUtil.As(g2.Transpose(0, 1).Mm(_x!.Get(Name).Reshape(-1, inF)), _dtype);
        if (Next[2] is not null) gb = GradUtil.As(g2.Sum(0), _dtype);
        return [gx, gw, gb];
    }

    protected override void Release()
    {
        _x?.Release();
        _w?.Release();
        _x = _w = null;
    }
}
