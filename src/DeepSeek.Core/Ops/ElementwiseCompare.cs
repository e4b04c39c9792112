using DeepSeek.Backends;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>this == other elementwise (broadcast, promoted) → Bool.</summary>
    public Tensor Eq(Tensor other) => CompareTT("Eq", CompareOp.Eq, other);
    /// <summary>this != other elementwise → Bool (true where either is NaN).</summary>
    public Tensor Ne(Tensor other) => CompareTT("Ne", CompareOp.Ne, other);
    /// <summary>this &lt; other elementwise → Bool.</summary>
    public Tensor Lt(Tensor other) => CompareTT("Lt", CompareOp.Lt, other);
    /// <summary>this ≤ other elementwise → Bool.</summary>
    public Tensor Le(Tensor other) => CompareTT("Le", CompareOp.Le, other);
    /// <summary>this &gt; other elementwise → Bool.</summary>
    public Tensor Gt(Tensor other) => CompareTT("Gt", CompareOp.Gt, other);
    /// <summary>this ≥ other elementwise → Bool.</summary>
    public Tensor Ge(Tensor other) => CompareTT("Ge", CompareOp.Ge, other);

    /// <summary>this == value elementwise → Bool.</summary>
    public Tensor Eq(double value) => CompareTS("Eq", CompareOp.Eq, value);
    /// <summary>this != value elementwise → Bool.</summary>
    public Tensor Ne(double value) => CompareTS("Ne", CompareOp.Ne, value);
    /// <summary>this &lt; value elementwise → Bool.</summary>
    public Tensor Lt(double value) => CompareTS("Lt", CompareOp.Lt, value);
    /// <summary>this ≤ value elementwise → Bool.</summary>
    public Tensor Le(double value) => CompareTS("Le", CompareOp.Le, value);
    /// <summary>this &gt; value elementwise → Bool.</summary>
    public Tensor Gt(double value) => CompareTS("Gt", CompareOp.Gt, value);
    /// <summary>this ≥ value elementwise → Bool.</summary>
    public Tensor Ge(double value) => CompareTS("Ge", CompareOp.Ge, value);

    /// <summary>
    /// Elementwise select: a where cond is true, else b. cond must be Bool; the three shapes broadcast together
    /// and a, b promote to a common dtype (<see cref="DTypeInfo.Promote"/>).
    /// </summary>
    public static Tensor Where(Tensor cond, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(cond);
        cond.CheckAlive("Where");
        OpChecks.Alive("Where", a, b);
        OpChecks.SameDevice("Where", cond, a);
        OpChecks.SameDevice("Where", a, b);
        if (cond.DType != DType.Bool)
            throw new DTypeMismatchException($"Where: condition must be a bool tensor, got {cond.DType.Name()} with shape {cond.Shape}; compare first (e.g. x.Gt(0)).");
        if (Autograd.GradMode.ShouldRecord(a, b))
        {
            Tensor r;
            using (NoGrad()) r = Where(cond, a, b);
            return r.WithGradFn(new Autograd.WhereBackward(cond, a, b));
        }
        if (Tracing.OpTrace.Current is { } tr) return TraceWhere(tr, cond, a, b, () => Where(cond, a, b));
        var shape = Shape.Broadcast(Shape.Broadcast(cond.Shape, a.Shape, "Where"), b.Shape, "Where");
        var dtype = DTypeInfo.Promote(a.DType, b.DType);
        using var ac = ConvertView(a, dtype);
        using var bc = ConvertView(b, dtype);
        using var cv = cond.BroadcastTo(shape);
        using var av = ac.BroadcastTo(shape);
        using var bv = bc.BroadcastTo(shape);
        var y = Empty(shape, dtype, a.Device);
        a.Backend.Where(cv, av, bv, y);
        return y;
    }

    /// <summary>a where cond is true, else the scalar b (in a's dtype, or F32 for an integer a and a fractional b).</summary>
    public static Tensor Where(Tensor cond, Tensor a, double b)
    {
        ArgumentNullException.ThrowIfNull(a);
        a.CheckAlive("Where");
        using var s = Scalar(b, a.ScalarResultType(b), a.Device);
        return Where(cond, a, s);
    }

    /// <summary>The scalar a where cond is true, else b.</summary>
    public static Tensor Where(Tensor cond, double a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(b);
        b.CheckAlive("Where");
        using var s = Scalar(a, b.ScalarResultType(a), b.Device);
        return Where(cond, s, b);
    }

    private Tensor CompareTT(string op, CompareOp kind, Tensor other)
    {
        OpChecks.Alive(op, this, other);
        var dtype = DTypeInfo.Promote(DType, other.DType);
        return CompareCore(op, kind, this, other, dtype == DType.BF16 ? DType.F32 : dtype);
    }

    private Tensor CompareTS(string op, CompareOp kind, double value)
    {
        CheckAlive(op);
        // Compare in this dtype when the scalar is exactly representable there, else in F64 (exact for every
        // integer dtype but I64 beyond 2^53), so u8 &lt; 300 or i32 == 2.5 answer as they would in math.
        DType dtype = DType switch
        {
            DType.BF16 => DType.F32,
            _ when DType.IsFloatingPoint() => DType,
            _ => FitsExactly(value, DType) ? DType : DType.F64,
        };
        using var s = Scalar(value, dtype, Device);
        return CompareCore(op, kind, this, s, dtype);
    }

    private static bool FitsExactly(double v, DType t)
    {
        if (!double.IsFinite(v) || Math.Floor(v) != v) return false;
        return t switch
        {
            DType.Bool => v is 0 or 1,
            DType.I8 => v is >= sbyte.MinValue and <= sbyte.MaxValue,
            DType.U8 => v is >= 0 and <= byte.MaxValue,
            DType.I16 => v is >= short.MinValue and <= short.MaxValue,
            DType.I32 => v is >= int.MinValue and <= int.MaxValue,
            _ => v >= -9.2233720368547758e18 && v < 9.2233720368547758e18,
        };
    }

    private static Tensor CompareCore(string op, CompareOp kind, Tensor a, Tensor b, DType compute)
    {
        OpChecks.SameDevice(op, a, b);
        var shape = Shape.Broadcast(a.Shape, b.Shape, op);
        if (Tracing.OpTrace.Current is { } tr) return TraceCompare(tr, kind, a, b, compute, () => CompareCore(op, kind, a, b, compute));
        using var ac = ConvertView(a, compute);
        using var bc = ConvertView(b, compute);
        using var av = ac.BroadcastTo(shape);
        using var bv = bc.BroadcastTo(shape);
        var y = Empty(shape, DType.Bool, a.Device);
        a.Backend.Compare(kind, av, bv, y);
        return y;
    }
}
