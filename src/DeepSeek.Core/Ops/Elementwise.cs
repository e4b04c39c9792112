using DeepSeek.Backends;

namespace DeepSeek;

/// <summary>Which GELU formula <see cref="Tensor.Gelu"/> uses.</summary>
public enum GeluApproximation
{
    /// <summary>Exact: x·Φ(x) = x/2·(1 + erf(x/√2)).</summary>
    None,
    /// <summary>x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))).</summary>
    Tanh,
}

public sealed partial class Tensor
{
    /// <summary>−x. Integers wrap (−MinValue = MinValue).</summary>
    public Tensor Neg() => UnaryNumeric("Neg", UnaryOp.Neg);

    /// <summary>|x|. Integers wrap (|MinValue| = MinValue).</summary>
    public Tensor Abs() => UnaryNumeric("Abs", UnaryOp.Abs);

    /// <summary>x² (integers wrap).</summary>
    public Tensor Square() => UnaryNumeric("Square", UnaryOp.Square);

    /// <summary>−1, 0 or 1 by the sign of x; NaN stays NaN.</summary>
    public Tensor Sign() => UnaryNumeric("Sign", UnaryOp.Sign);

    /// <summary>max(x, 0); NaN stays NaN.</summary>
    public Tensor Relu() => UnaryNumeric("Relu", UnaryOp.Relu);

    /// <summary>Largest integer ≤ x (integer tensors are returned as a copy).</summary>
    public Tensor Floor() => UnaryNumeric("Floor", UnaryOp.Floor);

    /// <summary>Smallest integer ≥ x (integer tensors are returned as a copy).</summary>
    public Tensor Ceil() => UnaryNumeric("Ceil", UnaryOp.Ceil);

    /// <summary>Nearest integer, halves to even like torch.round (integer tensors are returned as a copy).</summary>
    public Tensor Round() => UnaryNumeric("Round", UnaryOp.Round);

    /// <summary>Rounds toward zero (integer tensors are returned as a copy).</summary>
    public Tensor Trunc() => UnaryNumeric("Trunc", UnaryOp.Trunc);

    /// <summary>eˣ (floating dtypes).</summary>
    public Tensor Exp() => UnaryFloating("Exp", UnaryOp.Exp);

    /// <summary>Natural logarithm (floating dtypes); log 0 = −∞, log of a negative number is NaN.</summary>
    public Tensor Log() => UnaryFloating("Log", UnaryOp.Log);

    /// <summary>ln(1 + x), accurate for small |x| (floating dtypes).</summary>
    public Tensor Log1p() => UnaryFloating("Log1p", UnaryOp.Log1p);

    /// <summary>eˣ − 1, accurate for small |x| (floating dtypes).</summary>
    public Tensor Expm1() => UnaryFloating("Expm1", UnaryOp.Expm1);

    /// <summary>√x (floating dtypes).</summary>
    public Tensor Sqrt() => UnaryFloating("Sqrt", UnaryOp.Sqrt);

    /// <summary>1/√x (floating dtypes).</summary>
    public Tensor Rsqrt() => UnaryFloating("Rsqrt", UnaryOp.Rsqrt);

    /// <summary>1/x (floating dtypes).</summary>
    public Tensor Reciprocal() => UnaryFloating("Reciprocal", UnaryOp.Reciprocal);

    /// <summary>sin x (floating dtypes).</summary>
    public Tensor Sin() => UnaryFloating("Sin", UnaryOp.Sin);

    /// <summary>cos x (floating dtypes).</summary>
    public Tensor Cos() => UnaryFloating("Cos", UnaryOp.Cos);

    /// <summary>tanh x (floating dtypes).</summary>
    public Tensor Tanh() => UnaryFloating("Tanh", UnaryOp.Tanh);

    /// <summary>1/(1 + e⁻ˣ) (floating dtypes).</summary>
    public Tensor Sigmoid() => UnaryFloating("Sigmoid", UnaryOp.Sigmoid);

    /// <summary>Error function (floating dtypes). F32 error ≤ 3 ulp.</summary>
    public Tensor Erf() => UnaryFloating("Erf", UnaryOp.Erf);

    /// <summary>x·sigmoid(x), also called swish (floating dtypes).</summary>
    public Tensor Silu() => UnaryFloating("Silu", UnaryOp.Silu);

    /// <summary>GELU: exact x·Φ(x) with erf, or the tanh approximation (floating dtypes).</summary>
    public Tensor Gelu(GeluApproximation approximate = GeluApproximation.None) =>
        Tracing.OpTrace.Current is { } tr && DType.IsFloatingPoint() && !IsDisposed ? TraceGelu(tr, this, approximate) : UnaryFloating("Gelu", approximate == GeluApproximation.Tanh ? UnaryOp.GeluTanh : UnaryOp.Gelu);

    /// <summary>x if x &gt; 0 else negativeSlope·x (floating dtypes).</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01) => UnaryFloating("LeakyRelu", UnaryOp.LeakyRelu, negativeSlope);

    /// <summary>x·relu6(x + 3)/6 (floating dtypes).</summary>
    public Tensor HardSwish() => UnaryFloating("HardSwish", UnaryOp.HardSwish);

    /// <summary>
    /// max(0, min(1, alpha·x + beta)) (floating dtypes). The defaults give PyTorch's relu6(x + 3)/6;
    /// ONNX HardSigmoid defaults are alpha = 0.2, beta = 0.5.
    /// </summary>
    public Tensor HardSigmoid(double alpha = 1.0 / 6, double beta = 0.5) => UnaryFloating("HardSigmoid", UnaryOp.HardSigmoid, alpha, beta);

    /// <summary>
    /// Clamps into [min, max] (either bound may be omitted, not both); NaN stays NaN and min &gt; max gives max,
    /// like torch.clamp. An integer tensor with a fractional bound gives an F32 result.
    /// </summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        CheckAlive("Clamp");
        if (min is null && max is null) throw new ArgumentException($"Clamp: at least one of min and max must be given (tensor shape {Shape}, dtype {DType.Name()}).");
        if (DType.IsInteger() && (!IsIntegral(min) || !IsIntegral(max)))
        {
            using var f = To(DType.F32);
            return f.Clamp(min, max);
        }
        return UnaryNumeric("Clamp", UnaryOp.Clamp, min ?? double.NegativeInfinity, max ?? double.PositiveInfinity);

        static bool IsIntegral(double? v) => v is null || (double.IsFinite(v.Value) && Math.Floor(v.Value) == v.Value);
    }

    /// <summary>Clamps elementwise between tensor bounds (broadcast; either may be null, not both): min(max(x, min), max).</summary>
    public Tensor Clamp(Tensor? min, Tensor? max)
    {
        CheckAlive("Clamp");
        if (min is null && max is null) throw new ArgumentException($"Clamp: at least one of min and max must be given (tensor shape {Shape}).");
        if (min is null) return Minimum(max!);
        if (max is null) return Maximum(min);
        using var lo = Maximum(min);
        return lo.Minimum(max);
    }

    /// <summary>Logical not of a Bool tensor.</summary>
    public Tensor LogicalNot()
    {
        CheckAlive("LogicalNot");
        if (DType != DType.Bool) throw new DTypeMismatchException($"LogicalNot: expected a bool tensor, got {DType.Name()} with shape {Shape}; compare first (e.g. x.Ne(0)).");
        if (Tracing.OpTrace.Current is { } tr) return TraceOneOrFold(tr, "Not", this, [this], LogicalNot);
        var y = Empty(Shape, DType.Bool, Device);
        Backend.Unary(UnaryOp.LogicalNot, this, y);
        return y;
    }

    /// <summary>Clamps this tensor in place (see <see cref="Clamp(double?, double?)"/>); returns this.</summary>
    public Tensor ClampInPlace(double? min = null, double? max = null)
    {
        CheckAlive("ClampInPlace");
        if (min is null && max is null) throw new ArgumentException($"ClampInPlace: at least one of min and max must be given (tensor shape {Shape}).");
        if (DType == DType.Bool) throw new DTypeMismatchException($"ClampInPlace: bool tensors (shape {Shape}) are not supported.");
        CheckWritable("ClampInPlace");
        return UnaryInPlace(UnaryOp.Clamp, min ?? double.NegativeInfinity, max ?? double.PositiveInfinity);
    }

    private Tensor UnaryNumeric(string op, UnaryOp kind, double alpha = 0, double beta = 0)
    {
        CheckAlive(op);
        if (DType == DType.Bool)
            throw new DTypeMismatchException($"{op}: bool tensors (shape {Shape}) are not supported; expected a numeric dtype (f32, f64, f16, bf16, i8, u8, i16, i32, i64). Cast with To(dtype).");
        return UnaryRun(kind, alpha, beta);
    }

    private Tensor UnaryFloating(string op, UnaryOp kind, double alpha = 0, double beta = 0)
    {
        CheckAlive(op);
        OpChecks.Floating(op, this);
        return UnaryRun(kind, alpha, beta);
    }

    private Tensor UnaryRun(UnaryOp kind, double alpha, double beta)
    {
        if (Tracing.OpTrace.Current is { } tr && OnnxUnary(kind, alpha, beta) is { } onnx)
            return TraceOne(tr, onnx.Op, [this], () => UnaryRun(kind, alpha, beta), onnx.Attrs);
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = UnaryRun(kind, alpha, beta);
            return r.WithGradFn(new Autograd.UnaryBackward(kind, this, r, alpha, beta));
        }
        if (DType is DType.F16 or DType.BF16)
        {
            using var x32 = To(DType.F32);
            Backend.Unary(kind, x32, x32, alpha, beta);
            return x32.To(DType);
        }
        var y = Empty(Shape, DType, Device);
        Backend.Unary(kind, this, y, alpha, beta);
        return y;
    }

    private Tensor UnaryInPlace(UnaryOp kind, double alpha, double beta)
    {
        if (DType is DType.F16 or DType.BF16)
        {
            using var x32 = To(DType.F32);
            Backend.Unary(kind, x32, x32, alpha, beta);
            Backend.Cast(x32, this);
            return this;
        }
        Backend.Unary(kind, this, this, alpha, beta);
        return this;
    }

    /// <summary>In-place writes need every element to have its own memory: no broadcast (stride-0) dims.</summary>
    private void CheckWritable(string op)
    {
        BeforeInPlaceWrite(op);
        for (int i = 0; i < Rank; i++)
            if (_strides[i] == 0 && _shape[i] > 1)
                throw new ArgumentException($"{op}: this tensor (shape {Shape}, strides [{string.Join(", ", _strides)}]) is a broadcast view whose elements share memory; write to a Contiguous() copy instead.");
    }
}
