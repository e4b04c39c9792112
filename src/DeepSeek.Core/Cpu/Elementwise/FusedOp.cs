// The instruction set of a fused elementwise program: the F32 elementwise ops of ONNX (and deepseek::Gelu) that a
// chain fusion can absorb. Each op has a text name for the program form, an arity and how many of its trailing
// operands must be constants (scalar parameters that the evaluator specialises on: LeakyRelu's alpha, Pow's exponent).
namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>One instruction kind of a <see cref="FusedProgram"/>.</summary>
public enum FusedOp
{
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Sub,
    /// <summary>a · b.</summary>
    Mul,
    /// <summary>a / b.</summary>
    Div,
    /// <summary>IEEE minimum (NaN propagates), as ONNX Min and the upper bound of Clip.</summary>
    Min,
    /// <summary>IEEE maximum (NaN propagates), as ONNX Max and the lower bound of Clip.</summary>
    Max,
    /// <summary>−x.</summary>
    Neg,
    /// <summary>|x|.</summary>
    Abs,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>x if x &gt; 0 else alpha·x; operand 1 is the constant alpha.</summary>
    LeakyRelu,
    /// <summary>max(0, min(1, alpha·x + beta)); operands 1 and 2 are the constants alpha and beta.</summary>
    HardSigmoid,
    /// <summary>x·relu6(x + 3)/6.</summary>
    HardSwish,
    /// <summary>1/(1 + e^−x).</summary>
    Sigmoid,
    /// <summary>tanh x.</summary>
    Tanh,
    /// <summary>eˣ.</summary>
    Exp,
    /// <summary>ln x.</summary>
    Log,
    /// <summary>√x.</summary>
    Sqrt,
    /// <summary>1/x.</summary>
    Reciprocal,
    /// <summary>x^p; operand 1 is the constant exponent p.</summary>
    Pow,
    /// <summary>erf x.</summary>
    Erf,
    /// <summary>Exact GELU x/2·(1 + erf(x/√2)).</summary>
    Gelu,
    /// <summary>GELU's tanh approximation x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))).</summary>
    GeluTanh,
}

/// <summary>Text names and operand rules of the <see cref="FusedOp"/>s.</summary>
public static class FusedOps
{
    private static readonly (FusedOp Op, string Name, int Arity, int ConstantParams)[] Table =
    [
        (FusedOp.Add, "add", 2, 0), (FusedOp.Sub, "sub", 2, 0), (FusedOp.Mul, "mul", 2, 0), (FusedOp.Div, "div", 2, 0),
        (FusedOp.Min, "min", 2, 0), (FusedOp.Max, "max", 2, 0), (FusedOp.Neg, "neg", 1, 0), (FusedOp.Abs, "abs", 1, 0),
        (FusedOp.Relu, "relu", 1, 0), (FusedOp.LeakyRelu, "leakyrelu", 2, 1), (FusedOp.HardSigmoid, "hardsigmoid", 3, 2),
        (FusedOp.HardSwish, "hardswish", 1, 0), (FusedOp.Sigmoid, "sigmoid", 1, 0), (FusedOp.Tanh, "tanh", 1, 0),
        (FusedOp.Exp, "exp", 1, 0), (FusedOp.Log, "log", 1, 0), (FusedOp.Sqrt, "sqrt", 1, 0),
        (FusedOp.Reciprocal, "reciprocal", 1, 0), (FusedOp.Pow, "pow", 2, 1), (FusedOp.Erf, "erf", 1, 0),
        (FusedOp.Gelu, "gelu", 1, 0), (FusedOp.GeluTanh, "gelu_tanh", 1, 0),
    ];

    private static readonly Dictionary<string, FusedOp> ByName = Table.ToDictionary(e => e.Name, e => e.Op, StringComparer.Ordinal);

    /// <summary>The op's name in the program text ("add", "gelu_tanh").</summary>
    public static string Name(this FusedOp op) => Table[(int)op].Name;

    /// <summary>Number of operands.</summary>
    public static int Arity(this FusedOp op) => Table[(int)op].Arity;

    /// <summary>How many trailing operands must be constants (0 for most ops).</summary>
    public static int ConstantParams(this FusedOp op) => Table[(int)op].ConstantParams;

    /// <summary>The op named <paramref name="name"/> in program text, or false.</summary>
    public static bool TryParse(string name, out FusedOp op) => ByName.TryGetValue(name, out op);

    /// <summary>Every op name, for messages.</summary>
    public static IEnumerable<string> Names => Table.Select(e => e.Name);
}
