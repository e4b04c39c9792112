// Scalar elementwise ops for F64 and the integer dtypes through .NET generic math (the JIT specialises each struct
// instantiation per element type). Integer arithmetic wraps like PyTorch; division-type errors are recorded in a flag
// and thrown by the backend after the loop, so worker threads never throw.
using System.Numerics;

namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>Error flags raised by integer kernels (written by any thread, read after the loop).</summary>
internal sealed class KernelErrors
{
    public const int DivideByZero = 1, NegativePower = 2;
    public int Flag;
    public void Raise(int code) => Interlocked.CompareExchange(ref Flag, code, 0);
}

/// <summary>Floating unary ops (F64, and the F32 reference) as a scalar switch.</summary>
internal readonly struct FloatUnary<T>(UnaryOp op, T alpha, T beta) : IScalarUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x)
    {
        switch (op)
        {
            case UnaryOp.Neg: return -x;
            case UnaryOp.Abs: return T.Abs(x);
            case UnaryOp.Relu: return T.Max(x, T.Zero);
            case UnaryOp.LeakyRelu: return x > T.Zero ? x : x * alpha;
            case UnaryOp.HardSigmoid: return T.Max(T.Min(alpha * x + beta, T.One), T.Zero);
            case UnaryOp.HardSwish: { T six = T.CreateTruncating(6); return x * T.Min(T.Max(x + T.CreateTruncating(3), T.Zero), six) / six; }
            case UnaryOp.Clamp: return T.Min(T.Max(x, alpha), beta);
            case UnaryOp.Square: return x * x;
            case UnaryOp.Sign: return T.IsNaN(x) ? x : x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;
            case UnaryOp.Reciprocal: return T.One / x;
            case UnaryOp.Sqrt: return T.Sqrt(x);
            case UnaryOp.Rsqrt: return T.One / T.Sqrt(x);
            case UnaryOp.Floor: return T.Floor(x);
            case UnaryOp.Ceil: return T.Ceiling(x);
            case UnaryOp.Round: return T.Round(x, MidpointRounding.ToEven);
            case UnaryOp.Trunc: return T.Truncate(x);
            case UnaryOp.Erf: return T.CreateTruncating(ErfMath.Erf(double.CreateTruncating(x)));
            case UnaryOp.Gelu:
                {
                    double d = double.CreateTruncating(x);
                    return T.CreateTruncating(0.5 * d * ErfMath.Erfc(-d * 0.70710678118654752));
                }
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "not a simple floating unary op");
        }
    }
}

/// <summary>Integer unary ops; rounding ops are the identity, Neg/Abs/Square wrap.</summary>
internal readonly struct IntUnary<T>(UnaryOp op, T lo, T hi) : IScalarUnary<T> where T : unmanaged, IBinaryInteger<T>
{
    public T Apply(T x) => op switch
    {
        UnaryOp.Neg => -x,
        UnaryOp.Abs => T.IsNegative(x) ? -x : x,
        UnaryOp.Relu => T.IsNegative(x) ? T.Zero : x,
        UnaryOp.Sign => T.IsNegative(x) ? -T.One : x == T.Zero ? T.Zero : T.One,
        UnaryOp.Clamp => T.Min(T.Max(x, lo), hi),
        UnaryOp.Square => x * x,
        UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round or UnaryOp.Trunc => x,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not an integer unary op"),
    };
}

/// <summary>Floating binary ops as a scalar switch (F64, and F32 ops without a vector form).</summary>
internal readonly struct FloatBinary<T>(BinaryOp op, T alpha) : IScalarBinary<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T a, T b)
    {
        switch (op)
        {
            case BinaryOp.Add: return alpha == T.One ? a + b : a + alpha * b;
            case BinaryOp.Sub: return alpha == T.One ? a - b : a - alpha * b;
            case BinaryOp.Mul: return a * b;
            case BinaryOp.Div: return a / b;
            case BinaryOp.FloorDiv: return T.Floor(a / b);
            case BinaryOp.Pow: return T.Pow(a, b);
            case BinaryOp.Maximum: return T.Max(a, b);
            case BinaryOp.Minimum: return T.Min(a, b);
            case BinaryOp.Fmod: return a % b;
            case BinaryOp.Remainder:
                {
                    T r = a % b;
                    if (r != T.Zero && (T.IsNegative(r) != T.IsNegative(b))) r += b;
                    return r;
                }
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "not a floating binary op");
        }
    }
}

/// <summary>Integer binary ops with wrapping arithmetic; division by zero and negative powers raise <see cref="KernelErrors"/>.</summary>
internal readonly struct IntBinary<T>(BinaryOp op, T alpha, KernelErrors errors) : IScalarBinary<T> where T : unmanaged, IBinaryInteger<T>
{
    public T Apply(T a, T b)
    {
        switch (op)
        {
            case BinaryOp.Add: return a + alpha * b;
            case BinaryOp.Sub: return a - alpha * b;
            case BinaryOp.Mul: return a * b;
            case BinaryOp.Maximum: return T.Max(a, b);
            case BinaryOp.Minimum: return T.Min(a, b);
            case BinaryOp.Pow: return Pow(a, b);
        }
        if (b == T.Zero) { errors.Raise(KernelErrors.DivideByZero); return T.Zero; }
        bool minusOne = T.IsNegative(b) && b == -T.One; // MinValue / −1 overflows in .NET; PyTorch wraps
        switch (op)
        {
            case BinaryOp.Div: return minusOne ? -a : a / b;
            case BinaryOp.FloorDiv:
                {
                    if (minusOne) return -a;
                    T q = a / b;
                    if (a % b != T.Zero && T.IsNegative(a) != T.IsNegative(b)) q -= T.One;
                    return q;
                }
            case BinaryOp.Fmod: return minusOne ? T.Zero : a % b;
            case BinaryOp.Remainder:
                {
                    if (minusOne) return T.Zero;
                    T r = a % b;
                    if (r != T.Zero && T.IsNegative(r) != T.IsNegative(b)) r += b;
                    return r;
                }
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "not an integer binary op");
        }
    }

    private T Pow(T a, T e)
    {
        if (T.IsNegative(e))
        {
            errors.Raise(KernelErrors.NegativePower);
            return T.Zero;
        }
        T result = T.One, bas = a;
        while (e != T.Zero)
        {
            if (T.IsOddInteger(e)) result *= bas;
            e >>= 1;
            if (e != T.Zero) bas *= bas;
        }
        return result;
    }
}

/// <summary>Logical ops on Bool bytes (any non-zero byte is true; results are 0 or 1).</summary>
internal readonly struct LogicalBinary(BinaryOp op) : IScalarBinary<byte>
{
    public byte Apply(byte a, byte b) => op switch
    {
        BinaryOp.LogicalAnd => (byte)(a != 0 && b != 0 ? 1 : 0),
        BinaryOp.LogicalOr => (byte)(a != 0 || b != 0 ? 1 : 0),
        BinaryOp.LogicalXor => (byte)((a != 0) != (b != 0) ? 1 : 0),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a logical op"),
    };
}

/// <summary>Logical not on Bool bytes.</summary>
internal readonly struct LogicalNot : IScalarUnary<byte>
{
    public byte Apply(byte x) => (byte)(x == 0 ? 1 : 0);
}
