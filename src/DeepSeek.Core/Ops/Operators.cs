namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>Elementwise sum with broadcasting and type promotion.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => NotNull(a).Add(NotNull(b));
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double b) => NotNull(a).Add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double a, Tensor b) => NotNull(b).Add(a);

    /// <summary>Elementwise difference with broadcasting and type promotion.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => NotNull(a).Sub(NotNull(b));
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double b) => NotNull(a).Sub(b);
    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(double a, Tensor b) => BinarySTensor("Sub", Backends.BinaryOp.Sub, a, NotNull(b));

    /// <summary>Elementwise product with broadcasting and type promotion.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => NotNull(a).Mul(NotNull(b));
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double b) => NotNull(a).Mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double a, Tensor b) => NotNull(b).Mul(a);

    /// <summary>True division with broadcasting (integer inputs give F32).</summary>
    public static Tensor operator /(Tensor a, Tensor b) => NotNull(a).Div(NotNull(b));
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double b) => NotNull(a).Div(b);
    /// <summary>Scalar divided by tensor.</summary>
    public static Tensor operator /(double a, Tensor b) => BinarySTensor("Div", Backends.BinaryOp.Div, a, NotNull(b));

    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => NotNull(a).Neg();

    /// <summary>Logical and of Bool tensors.</summary>
    public static Tensor operator &(Tensor a, Tensor b) => NotNull(a).LogicalAnd(NotNull(b));
    /// <summary>Logical or of Bool tensors.</summary>
    public static Tensor operator |(Tensor a, Tensor b) => NotNull(a).LogicalOr(NotNull(b));
    /// <summary>Logical xor of Bool tensors.</summary>
    public static Tensor operator ^(Tensor a, Tensor b) => NotNull(a).LogicalXor(NotNull(b));
    /// <summary>Logical not of a Bool tensor.</summary>
    public static Tensor operator !(Tensor a) => NotNull(a).LogicalNot();

    private static Tensor NotNull(Tensor t, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(t))] string? name = null) =>
        t ?? throw new ArgumentNullException(name);
}
