using DeepSeek.Backends;

namespace DeepSeek;

/// <summary>Integer-valued rounding of a quotient for <see cref="Tensor.Div(Tensor, DivRounding)"/>.</summary>
public enum DivRounding
{
    /// <summary>Round toward zero (C-style integer division).</summary>
    Trunc,
    /// <summary>Round toward −∞ (Python's //).</summary>
    Floor,
}

public sealed partial class Tensor
{
    /// <summary>this + alpha·other with broadcasting and type promotion (<see cref="DTypeInfo.Promote"/>).</summary>
    public Tensor Add(Tensor other, double alpha = 1) => BinaryTT("Add", BinaryOp.Add, this, other, alpha);

    /// <summary>this − alpha·other with broadcasting and type promotion.</summary>
    public Tensor Sub(Tensor other, double alpha = 1) => BinaryTT("Sub", BinaryOp.Sub, this, other, alpha);

    /// <summary>this · other with broadcasting and type promotion.</summary>
    public Tensor Mul(Tensor other) => BinaryTT("Mul", BinaryOp.Mul, this, other);

    /// <summary>True division this / other: integer (and bool) inputs give F32, like torch.div.</summary>
    public Tensor Div(Tensor other) => BinaryCore("Div", BinaryOp.Div, this, other, TrueDivType(DTypeInfo.Promote(DType, other.DType)));

    /// <summary>Quotient rounded toward zero or −∞; integer inputs keep their dtype (division by zero throws).</summary>
    public Tensor Div(Tensor other, DivRounding rounding) => DivRounded("Div", this, other, DTypeInfo.Promote(DType, other.DType), rounding);

    /// <summary>this^other elementwise with broadcasting (integers: negative exponents throw).</summary>
    public Tensor Pow(Tensor other) => BinaryTT("Pow", BinaryOp.Pow, this, other);

    /// <summary>Elementwise maximum; NaN if either is NaN (torch.maximum).</summary>
    public Tensor Maximum(Tensor other) => BinaryTT("Maximum", BinaryOp.Maximum, this, other);

    /// <summary>Elementwise minimum; NaN if either is NaN (torch.minimum).</summary>
    public Tensor Minimum(Tensor other) => BinaryTT("Minimum", BinaryOp.Minimum, this, other);

    /// <summary>Python-style modulus: this − other·⌊this/other⌋, with the sign of other (torch.remainder).</summary>
    public Tensor Remainder(Tensor other) => BinaryTT("Remainder", BinaryOp.Remainder, this, other);

    /// <summary>C-style modulus with the sign of this (torch.fmod).</summary>
    public Tensor Fmod(Tensor other) => BinaryTT("Fmod", BinaryOp.Fmod, this, other);

    /// <summary>this + alpha·value. An integer tensor with a fractional value gives F32.</summary>
    public Tensor Add(double value, double alpha = 1) => BinaryTS("Add", BinaryOp.Add, value * alpha);

    /// <summary>this − alpha·value.</summary>
    public Tensor Sub(double value, double alpha = 1) => BinaryTS("Sub", BinaryOp.Sub, value * alpha);

    /// <summary>this · value.</summary>
    public Tensor Mul(double value) => BinaryTS("Mul", BinaryOp.Mul, value);

    /// <summary>True division by a scalar (integer tensors give F32).</summary>
    public Tensor Div(double value)
    {
        CheckAlive("Div");
        var result = TrueDivType(ScalarResultType(value));
        using var s = ScalarLike(value, result);
        return BinaryCore("Div", BinaryOp.Div, this, s, result);
    }

    /// <summary>Quotient by a scalar rounded toward zero or −∞.</summary>
    public Tensor Div(double value, DivRounding rounding)
    {
        CheckAlive("Div");
        var result = ScalarResultType(value);
        using var s = ScalarLike(value, result);
        return DivRounded("Div", this, s, result, rounding);
    }

    /// <summary>this^exponent; exponent 2 is computed as x·x.</summary>
    public Tensor Pow(double exponent)
    {
        CheckAlive("Pow");
        var result = ScalarResultType(exponent);
        if (exponent == 2 && result == DType && DType != DType.Bool) return Square();
        using var s = ScalarLike(exponent, result);
        return BinaryCore("Pow", BinaryOp.Pow, this, s, result);
    }

    /// <summary>Elementwise max(this, value).</summary>
    public Tensor Maximum(double value) => BinaryTS("Maximum", BinaryOp.Maximum, value);

    /// <summary>Elementwise min(this, value).</summary>
    public Tensor Minimum(double value) => BinaryTS("Minimum", BinaryOp.Minimum, value);

    /// <summary>Python-style modulus by a scalar.</summary>
    public Tensor Remainder(double value) => BinaryTS("Remainder", BinaryOp.Remainder, value);

    /// <summary>C-style modulus by a scalar.</summary>
    public Tensor Fmod(double value) => BinaryTS("Fmod", BinaryOp.Fmod, value);

    /// <summary>this += alpha·other in place (other broadcasts to this shape; its dtype must convert to this one); returns this.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1) => BinaryInPlace("AddInPlace", BinaryOp.Add, other, alpha);

    /// <summary>this += value in place; returns this.</summary>
    public Tensor AddInPlace(double value)
    {
        CheckAlive("AddInPlace");
        using var s = ScalarLike(value, ScalarResultType(value));
        return BinaryInPlace("AddInPlace", BinaryOp.Add, s, 1);
    }

    /// <summary>this ·= other in place (other broadcasts to this shape); returns this.</summary>
    public Tensor MulInPlace(Tensor other) => BinaryInPlace("MulInPlace", BinaryOp.Mul, other, 1);

    /// <summary>this ·= value in place; returns this.</summary>
    public Tensor MulInPlace(double value)
    {
        CheckAlive("MulInPlace");
        using var s = ScalarLike(value, ScalarResultType(value));
        return BinaryInPlace("MulInPlace", BinaryOp.Mul, s, 1);
    }

    /// <summary>Elementwise logical and of two Bool tensors (broadcast).</summary>
    public Tensor LogicalAnd(Tensor other) => Logical("LogicalAnd", BinaryOp.LogicalAnd, other);

    /// <summary>Elementwise logical or of two Bool tensors (broadcast).</summary>
    public Tensor LogicalOr(Tensor other) => Logical("LogicalOr", BinaryOp.LogicalOr, other);

    /// <summary>Elementwise logical xor of two Bool tensors (broadcast).</summary>
    public Tensor LogicalXor(Tensor other) => Logical("LogicalXor", BinaryOp.LogicalXor, other);

    private Tensor Logical(string op, BinaryOp kind, Tensor other)
    {
        OpChecks.Alive(op, this, other);
        if (DType != DType.Bool || other.DType != DType.Bool)
            throw new DTypeMismatchException($"{op}: expected bool tensors, got {DType.Name()} with shape {Shape} and {other.DType.Name()} with shape {other.Shape}; compare first (e.g. x.Ne(0)).");
        return BinaryCore(op, kind, this, other, DType.Bool);
    }

    private static Tensor BinaryTT(string op, BinaryOp kind, Tensor a, Tensor b, double alpha = 1)
    {
        OpChecks.Alive(op, a, b);
        return BinaryCore(op, kind, a, b, DTypeInfo.Promote(a.DType, b.DType), alpha);
    }

    private Tensor BinaryTS(string op, BinaryOp kind, double value)
    {
        CheckAlive(op);
        if (Tracing.OpTrace.Current is { } tr && OnnxBinary(kind) is { } onnx)
            return TraceScalarBinary(tr, onnx, this, value, false, () => BinaryTS(op, kind, value));
        var result = ScalarResultType(value);
        using var s = ScalarLike(value, result);
        return BinaryCore(op, kind, this, s, result);
    }

    /// <summary>scalar ⊕ tensor with the scalar on the left (for the C# operators).</summary>
    private static Tensor BinarySTensor(string op, BinaryOp kind, double value, Tensor t)
    {
        t.CheckAlive(op);
        if (Tracing.OpTrace.Current is { } tr && OnnxBinary(kind) is { } onnx)
            return TraceScalarBinary(tr, onnx, t, value, true, () => BinarySTensor(op, kind, value, t));
        var result = kind == BinaryOp.Div ? TrueDivType(t.ScalarResultType(value)) : t.ScalarResultType(value);
        using var s = t.ScalarLike(value, result);
        return BinaryCore(op, kind, s, t, result);
    }

    /// <summary>PyTorch's result type of tensor ⊕ Python scalar: floats keep the tensor dtype; integers keep theirs for
    /// integral scalars and become F32 otherwise; Bool becomes I64 (integral) or F32.</summary>
    private DType ScalarResultType(double v)
    {
        if (DType.IsFloatingPoint()) return DType;
        bool integral = double.IsFinite(v) && Math.Floor(v) == v;
        if (!integral) return DType.F32;
        return DType == DType.Bool ? DType.I64 : DType;
    }

    /// <summary>A 0-d tensor holding value in the compute dtype of <paramref name="result"/> (F16/BF16 scalars stay F32, unrounded).</summary>
    private Tensor ScalarLike(double value, DType result) => Scalar(value, ComputeType(result), Device);

    private static DType ComputeType(DType result) => result is DType.F16 or DType.BF16 ? DType.F32 : result;

    private static DType TrueDivType(DType promoted) => promoted.IsFloatingPoint() ? promoted : DType.F32;

    /// <summary>Converts, broadcasts, runs one kernel in the compute dtype and converts the result if needed.</summary>
    private static Tensor BinaryCore(string op, BinaryOp kind, Tensor a, Tensor b, DType result, double alpha = 1)
    {
        if (Tracing.OpTrace.Current is { } tr && OnnxBinary(kind) is { } onnx)
            return TraceBinary(tr, onnx, kind, a, b, result, alpha, () => BinaryCore(op, kind, a, b, result, alpha));
        if (Autograd.GradMode.ShouldRecord(a, b))
        {
            Tensor r;
            using (NoGrad()) r = BinaryCore(op, kind, a, b, result, alpha);
            if (!r.DType.IsFloatingPoint()) return r;
            return r.WithGradFn(new Autograd.BinaryBackward(kind, a, b, r, alpha));
        }
        OpChecks.SameDevice(op, a, b);
        var shape = Shape.Broadcast(a.Shape, b.Shape, op);
        bool logical = kind is BinaryOp.LogicalAnd or BinaryOp.LogicalOr or BinaryOp.LogicalXor;
        if (result == DType.Bool && !logical)
            throw new DTypeMismatchException($"{op}: arithmetic on two bool tensors (shapes {a.Shape} and {b.Shape}) is not supported; use LogicalAnd/LogicalOr/LogicalXor or cast with To(dtype).");
        if (result.IsInteger() && kind is BinaryOp.Add or BinaryOp.Sub && Math.Floor(alpha) != alpha)
            throw new ArgumentException($"{op}: alpha {alpha} must be an integer for {result.Name()} tensors.");
        var compute = ComputeType(result);
        using var ac = ConvertView(a, compute);
        using var bc = ConvertView(b, compute);
        using var av = ac.BroadcastTo(shape);
        using var bv = bc.BroadcastTo(shape);
        var y = Empty(shape, compute, a.Device);
        a.Backend.Binary(kind, av, bv, y, alpha);
        if (compute == result) return y;
        using (y) return y.To(result);
    }

    private static Tensor DivRounded(string op, Tensor a, Tensor b, DType result, DivRounding rounding)
    {
        // rounded quotients are piecewise constant: no gradient is recorded
        using var noGrad = NoGrad();
        if (rounding == DivRounding.Floor) return BinaryCore(op, BinaryOp.FloorDiv, a, b, result);
        if (!result.IsFloatingPoint()) return BinaryCore(op, BinaryOp.Div, a, b, result);
        using var q = BinaryCore(op, BinaryOp.Div, a, b, ComputeType(result));
        q.Backend.Unary(UnaryOp.Trunc, q, q);
        return q.To(result);
    }

    /// <summary>A view of <paramref name="t"/> when it already has <paramref name="dtype"/>, else a converted copy (caller disposes).</summary>
    private static Tensor ConvertView(Tensor t, DType dtype) => t.DType == dtype ? t.View(t._shape, t._strides, t.Offset) : t.To(dtype);

    private Tensor BinaryInPlace(string op, BinaryOp kind, Tensor other, double alpha)
    {
        OpChecks.Alive(op, this, other);
        if (Tracing.OpTrace.Current is not null)
            throw new UnsupportedOperatorException($"{op}: in-place ops cannot be traced (tensor of shape {Shape}); use the out-of-place op.");
        OpChecks.SameDevice(op, this, other);
        var shape = Shape.Broadcast(Shape, other.Shape, op);
        if (shape != Shape)
            throw new ShapeMismatchException($"{op}: other of shape {other.Shape} does not broadcast to this tensor's shape {Shape} (an in-place result keeps the destination's shape).");
        if (DType == DType.Bool)
            throw new DTypeMismatchException($"{op}: bool destination (shape {Shape}) is not supported; cast first.");
        var promoted = DTypeInfo.Promote(DType, other.DType);
        if (!DType.IsFloatingPoint() && promoted.IsFloatingPoint())
            throw new DTypeMismatchException($"{op}: result type {promoted.Name()} (from {DType.Name()} and {other.DType.Name()}) cannot be stored in place into a {DType.Name()} tensor.");
        if (!DType.IsFloatingPoint() && Math.Floor(alpha) != alpha)
            throw new ArgumentException($"{op}: alpha {alpha} must be an integer for a {DType.Name()} destination.");
        CheckWritable(op);
        if (Autograd.GradMode.IsEnabled && other.RequiresGrad)
            throw new InvalidOperationException($"{op}: the other operand (shape {other.Shape}) requires grad, and in-place ops are not recorded by autograd; use the out-of-place op or Tensor.NoGrad().");
        var compute = ComputeType(DType);
        // An input that shares memory with this tensor in a different layout would be overwritten while read.
        bool overlaps = ReferenceEquals(other.Storage, Storage) && (other.Offset != Offset || !other.Strides.SequenceEqual(Strides) || other.Shape != Shape);
        using var oc = overlaps ? other.To(compute) : ConvertView(other, compute);
        using var ob = oc.BroadcastTo(Shape);
        if (compute == DType)
        {
            Backend.Binary(kind, this, ob, this, alpha);
            return this;
        }
        using var t32 = To(compute);
        Backend.Binary(kind, t32, ob, t32, alpha);
        Backend.Cast(t32, this);
        return this;
    }
}
