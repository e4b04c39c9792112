using DeepSeek.Backends;

namespace DeepSeek.Autograd;

/// <summary>Backward of the pointwise unary ops: dL/dx = dL/dy · f'(x), with f' written in terms of x or y.</summary>
internal sealed class UnaryBackward : GradNode
{
    private readonly UnaryOp _op;
    private readonly double _alpha, _beta;
    private SavedTensor? _x, _y;

    public UnaryBackward(UnaryOp op, Tensor x, Tensor y, double alpha, double beta) : base(x)
    {
        _op = op;
        _alpha = alpha;
        _beta = beta;
        _x = Save(x);
        _y = Save(y);
    }

    public override string Name => _op + "Backward";

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var x = _x!.Get(Name);
        var y = _y!.Get(Name);
        const double sqrt2OverPi = 0.79788456080286535588;
        Tensor gx = _op switch
        {
            UnaryOp.Neg => g.Neg(),
            UnaryOp.Abs => g * x.Sign(),
            UnaryOp.Square => g * x * 2.0,
            UnaryOp.Relu => g * x.Gt(0).To(g.DType),
            UnaryOp.Exp => g * y,
            UnaryOp.Expm1 => g * (y + 1.0),
            UnaryOp.Log => g / x,
            UnaryOp.Log1p => g / (x + 1.0),
            UnaryOp.Sqrt => g / (y * 2.0),
            UnaryOp.Rsqrt => g * y * y * y * -0.5,
            UnaryOp.Reciprocal => -(g * y * y),
            UnaryOp.Sin => g * x.Cos(),
            UnaryOp.Cos => -(g * x.Sin()),
            UnaryOp.Tanh => g * (1.0 - y * y),
            UnaryOp.Sigmoid => g * y * (1.0 - y),
            UnaryOp.Erf => g * (x * x).Neg().Exp() * (2.0 / Math.Sqrt(Math.PI)),
            UnaryOp.Silu => SiluGrad(g, x),
            UnaryOp.Gelu => g * ((x * (1.0 / Math.Sqrt(2))).Erf() * 0.5 + 0.5 + x * (x * x * -0.5).Exp() * (1.0 / Math.Sqrt(2 * Math.PI))),
            UnaryOp.GeluTanh => GeluTanhGrad(g, x, sqrt2OverPi),
            UnaryOp.LeakyRelu => g * (x.Gt(0).To(g.DType) * (1.0 - _alpha) + _alpha),
            UnaryOp.HardSwish => g * Tensor.Where(x.Lt(-3), 0.0, Tensor.Where(x.Gt(3), 1.0, x * (1.0 / 3) + 0.5)),
            UnaryOp.HardSigmoid => HardSigmoidGrad(g, x),
            UnaryOp.Clamp => g * x.Ge(_alpha).LogicalAnd(x.Le(_beta)).To(g.DType),
            UnaryOp.Sign or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round or UnaryOp.Trunc => Tensor.ZerosLike(x),
            _ => throw new InvalidOperationException($"{Name}: {_op} is not differentiable."),
        };
        return [GradUtil.As(gx, x.DType)];
    }

    private static Tensor SiluGrad(Tensor g, Tensor x)
    {
        var s = x.Sigmoid();
        return g * s * (x * (1.0 - s) + 1.0);
    }

    private static Tensor GeluTanhGrad(Tensor g, Tensor x, double c)
    {
        var x2 = x * x;
        var t = ((x + x2 * x * 0.044715) * c).Tanh();
        var dt = (1.0 - t * t) * c * (x2 * (3 * 0.044715) + 1.0);
        return g * ((t + 1.0) * 0.5 + x * dt * 0.5);
    }

    private Tensor HardSigmoidGrad(Tensor g, Tensor x)
    {
        var z = x * _alpha + _beta;
        return g * z.Gt(0).LogicalAnd(z.Lt(1)).To(g.DType) * _alpha;
    }

    protected override void Release()
    {
        _x?.Release();
        _y?.Release();
        _x = _y = null;
    }
}

/// <summary>Backward of broadcasting binary ops; gradients are summed back to each input's shape.</summary>
internal sealed class BinaryBackward : GradNode
{
    private readonly BinaryOp _op;
    private readonly double _alpha;
    private readonly Shape _aShape, _bShape;
    private readonly DType _aType, _bType;
    private SavedTensor? _a, _b, _y;

    public BinaryBackward(BinaryOp op, Tensor a, Tensor b, Tensor y, double alpha)
        : base(a.RequiresGrad ? a : null, b.RequiresGrad ? b : null)
    {
        _op = op;
        _alpha = alpha;
        _aShape = a.Shape;
        _bShape = b.Shape;
        _aType = a.DType;
        _bType = b.DType;
        if (op is not (BinaryOp.Add or BinaryOp.Sub))
        {
            _a = Save(a);
            _b = Save(b);
        }
        if (op == BinaryOp.Pow) _y = Save(y);
    }

    public override string Name => _op + "Backward";

    protected internal override Tensor?[] Backward(Tensor g)
    {
        bool needA = Next[0] is not null, needB = Next[1] is not null;
        Tensor? ga = null, gb = null;
        switch (_op)
        {
            case BinaryOp.Add:
                if (needA) ga = g;
                if (needB) gb = _alpha == 1 ? g : g * _alpha;
                break;
            case BinaryOp.Sub:
                if (needA) ga = g;
                if (needB) gb = g * -_alpha;
                break;
            case BinaryOp.Mul:
                if (needA) ga = g * B();
                if (needB) gb = g * A();
                break;
            case BinaryOp.Div:
                if (needA) ga = g / B();
                if (needB) gb = -(g * A() / (B() * B()));
                break;
            case BinaryOp.Pow:
                {
                    var a = A();
                    var b = B();
                    if (needA) ga = g * b * a.Pow(b - 1.0);
                    if (needB)
                    {
                        // d/db a^b = a^b · ln a, taken as 0 where a == 0 (the limit for b > 0, as PyTorch does)
                        var lg = Tensor.Where(a.Eq(0), 0.0, a.Log());
                        gb = g * _y!.Get(Name) * lg;
                    }
                    break;
                }
            case BinaryOp.Maximum:
            case BinaryOp.Minimum:
                {
                    var a = A();
                    var b = B();
                    var aWins = _op == BinaryOp.Maximum ? a.Gt(b) : a.Lt(b);
                    var tie = a.Eq(b);
                    // ties split the gradient evenly between the two inputs
                    var wa = aWins.To(g.DType) + tie.To(g.DType) * 0.5;
                    if (needA) ga = g * wa;
                    if (needB) gb = g * (1.0 - wa);
                    break;
                }
            case BinaryOp.Remainder:
                if (needA) ga = g;
                if (needB) gb = -(g * A().Div(B(), DivRounding.Floor));
                break;
            case BinaryOp.Fmod:
                if (needA) ga = g;
                if (needB) gb = -(g * A().Div(B(), DivRounding.Trunc));
                break;
            case BinaryOp.FloorDiv:
                if (needA) ga = Tensor.Zeros(_aShape, _aType, g.Device);
                if (needB) gb = Tensor.Zeros(_bShape, _bType, g.Device);
                break;
            default:
                throw new InvalidOperationException($"{Name}: {_op} is not differentiable.");
        }
        return
        [
            ga is null ? null : GradUtil.As(GradUtil.SumTo(ga, _aShape), _aType),
            gb is null ? null : GradUtil.As(GradUtil.SumTo(gb, _bShape), _bType),
        ];
    }

    private Tensor A() => _a!.Get(Name);
    private Tensor B() => _b!.Get(Name);

    protected override void Release()
    {
        _a?.Release();
        _b?.Release();
        _y?.Release();
        _a = _b = _y = null;
    }
}

/// <summary>Backward of <see cref="Tensor.Where(Tensor, Tensor, Tensor)"/>: the gradient goes to the chosen branch.</summary>
internal sealed class WhereBackward : GradNode
{
    private SavedTensor? _cond;
    private readonly Shape _aShape, _bShape;
    private readonly DType _aType, _bType;

    public WhereBackward(Tensor cond, Tensor a, Tensor b) : base(a.RequiresGrad ? a : null, b.RequiresGrad ? b : null)
    {
        _cond = Save(cond);
        _aShape = a.Shape;
        _bShape = b.Shape;
        _aType = a.DType;
        _bType = b.DType;
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var c = _cond!.Get(Name);
        Tensor? ga = Next[0] is null ? null : GradUtil.As(GradUtil.SumTo(Tensor.Where(c, g, 0.0), _aShape), _aType);
        Tensor? gb = Next[1] is null ? null : GradUtil.As(GradUtil.SumTo(Tensor.Where(c, 0.0, g), _bShape), _bType);
        return [ga, gb];
    }

    protected override void Release()
    {
        _cond?.Release();
        _cond = null;
    }
}

/// <summary>Backward of a dtype cast: the gradient is cast back.</summary>
internal sealed class CastBackward(Tensor x) : GradNode(x)
{
    private readonly DType _from = x.DType;

    protected internal override Tensor?[] Backward(Tensor g) => [GradUtil.As(g, _from)];
}
