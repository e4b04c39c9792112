namespace DeepSeek.Backends;

/// <summary>Pointwise unary/binary math, comparisons, where, clamp and dtype casts.</summary>
/// <remarks>
/// The op layer has already broadcast every input to the output's shape (stride-0 views) and converted it to
/// the compute dtype, which is also the output's dtype (Bool for comparisons). F16/BF16 arrive as F32 for math;
/// kernels see F32, F64, the integer types and (for logical ops, where and comparisons) Bool.
/// Outputs are usually contiguous but in-place ops pass a strided destination that may alias an input exactly.
/// </remarks>
public interface IElementwiseKernels
{
    /// <summary>Converts <paramref name="src"/> into <paramref name="dst"/> (same shape, any strides, any dtypes).
    /// Floats to F16/BF16 round to nearest even; floats to integers truncate toward zero; anything to Bool is x ≠ 0.</summary>
    void Cast(Tensor src, Tensor dst);

    /// <summary>
    /// dst = op(src) elementwise; src and dst share shape and dtype. <paramref name="alpha"/> and <paramref name="beta"/>
    /// are the op's parameters (LeakyRelu slope; HardSigmoid alpha/beta; Clamp min/max with ±∞ for "no bound").
    /// </summary>
    void Unary(UnaryOp op, Tensor src, Tensor dst, double alpha = 0, double beta = 0);

    /// <summary>
    /// dst = op(a, b) elementwise; a, b and dst share the dtype, and a's and b's shapes equal dst's or broadcast to it
    /// (numpy rules, as if expanded with <see cref="Tensor.BroadcastTo(Shape)"/>). For <see cref="BinaryOp.Add"/> and
    /// <see cref="BinaryOp.Sub"/>, b is scaled by <paramref name="alpha"/> first (torch.add's alpha).
    /// Integer division or remainder by zero throws <see cref="DivideByZeroException"/>; integer overflow wraps.
    /// </summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor dst, double alpha = 1);

    /// <summary>dst (Bool) = op(a, b) elementwise; a and b share shape and dtype. NaN compares unequal to everything.</summary>
    void Compare(CompareOp op, Tensor a, Tensor b, Tensor dst);

    /// <summary>dst = cond ? a : b elementwise; cond is Bool; a, b and dst share dtype; all share shape.</summary>
    void Where(Tensor cond, Tensor a, Tensor b, Tensor dst);
}

/// <summary>Unary elementwise kernels.</summary>
public enum UnaryOp
{
    /// <summary>−x (integers wrap).</summary>
    Neg,
    /// <summary>|x| (integers wrap at the minimum value).</summary>
    Abs,
    /// <summary>eˣ.</summary>
    Exp,
    /// <summary>Natural logarithm.</summary>
    Log,
    /// <summary>√x.</summary>
    Sqrt,
    /// <summary>1/√x.</summary>
    Rsqrt,
    /// <summary>sin x.</summary>
    Sin,
    /// <summary>cos x.</summary>
    Cos,
    /// <summary>tanh x.</summary>
    Tanh,
    /// <summary>1/(1+e⁻ˣ).</summary>
    Sigmoid,
    /// <summary>max(x, 0), NaN stays NaN.</summary>
    Relu,
    /// <summary>x if x &gt; 0 else alpha·x.</summary>
    LeakyRelu,
    /// <summary>x·Φ(x) = x/2·(1 + erf(x/√2)).</summary>
    Gelu,
    /// <summary>x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))).</summary>
    GeluTanh,
    /// <summary>x·sigmoid(x).</summary>
    Silu,
    /// <summary>x·relu6(x+3)/6.</summary>
    HardSwish,
    /// <summary>max(0, min(1, alpha·x + beta)).</summary>
    HardSigmoid,
    /// <summary>min(max(x, alpha), beta); NaN stays NaN.</summary>
    Clamp,
    /// <summary>Error function.</summary>
    Erf,
    /// <summary>1/x.</summary>
    Reciprocal,
    /// <summary>x².</summary>
    Square,
    /// <summary>Largest integer ≤ x.</summary>
    Floor,
    /// <summary>Smallest integer ≥ x.</summary>
    Ceil,
    /// <summary>Nearest integer, halves to even.</summary>
    Round,
    /// <summary>Integer part (rounds toward zero).</summary>
    Trunc,
    /// <summary>−1, 0 or 1 (NaN stays NaN).</summary>
    Sign,
    /// <summary>ln(1 + x), accurate for small x.</summary>
    Log1p,
    /// <summary>eˣ − 1, accurate for small x.</summary>
    Expm1,
    /// <summary>Logical not on Bool.</summary>
    LogicalNot,
}

/// <summary>Binary elementwise kernels.</summary>
public enum BinaryOp
{
    /// <summary>a + alpha·b.</summary>
    Add,
    /// <summary>a − alpha·b.</summary>
    Sub,
    /// <summary>a · b.</summary>
    Mul,
    /// <summary>a / b (floats: IEEE; integers: truncated quotient).</summary>
    Div,
    /// <summary>⌊a / b⌋.</summary>
    FloorDiv,
    /// <summary>a^b.</summary>
    Pow,
    /// <summary>max(a, b), NaN if either is NaN.</summary>
    Maximum,
    /// <summary>min(a, b), NaN if either is NaN.</summary>
    Minimum,
    /// <summary>a − b·⌊a/b⌋: the result has the sign of b (Python's %).</summary>
    Remainder,
    /// <summary>a − b·trunc(a/b): the result has the sign of a (C's fmod).</summary>
    Fmod,
    /// <summary>a ∧ b on Bool.</summary>
    LogicalAnd,
    /// <summary>a ∨ b on Bool.</summary>
    LogicalOr,
    /// <summary>a ⊕ b on Bool.</summary>
    LogicalXor,
}

/// <summary>Elementwise comparisons producing Bool.</summary>
public enum CompareOp
{
    /// <summary>a == b.</summary>
    Eq,
    /// <summary>a != b (true when either is NaN).</summary>
    Ne,
    /// <summary>a &lt; b.</summary>
    Lt,
    /// <summary>a ≤ b.</summary>
    Le,
    /// <summary>a &gt; b.</summary>
    Gt,
    /// <summary>a ≥ b.</summary>
    Ge,
}
