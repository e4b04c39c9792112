// A straight-line program over broadcast F32 tensors: the body of deepseek::FusedElementwise. Its text form is
// "t0=mul x0 x1; t1=add t0 c0; y0=tanh t1" — xN inputs, cN constants (a separate float list), tN temporaries and
// yN outputs, each tN/yN assigned exactly once before it is read (SSA), so it is also a valid evaluation order.
using System.Globalization;
using System.Text;

namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>What an operand of a fused instruction names.</summary>
public enum FusedOperandKind
{
    /// <summary>Input tensor xN.</summary>
    Input,
    /// <summary>Scalar constant cN.</summary>
    Constant,
    /// <summary>Temporary tN.</summary>
    Temp,
    /// <summary>Output yN (may also be read by later instructions).</summary>
    Output,
}

/// <summary>An operand or destination: a kind and an index ("x0", "c2", "t1", "y0").</summary>
/// <param name="Kind">What it names.</param>
/// <param name="Index">Index within that kind.</param>
public readonly record struct FusedOperand(FusedOperandKind Kind, int Index)
{
    /// <summary>Input xN.</summary>
    public static FusedOperand X(int i) => new(FusedOperandKind.Input, i);
    /// <summary>Constant cN.</summary>
    public static FusedOperand C(int i) => new(FusedOperandKind.Constant, i);
    /// <summary>Temporary tN.</summary>
    public static FusedOperand T(int i) => new(FusedOperandKind.Temp, i);
    /// <summary>Output yN.</summary>
    public static FusedOperand Y(int i) => new(FusedOperandKind.Output, i);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        FusedOperandKind.Input => "x",
        FusedOperandKind.Constant => "c",
        FusedOperandKind.Temp => "t",
        _ => "y",
    } + Index.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One instruction: <c>Dest = Op(Args…)</c>.</summary>
/// <param name="Op">The operation.</param>
/// <param name="Dest">A temporary or output.</param>
/// <param name="Args">Operands, as many as <see cref="FusedOps.Arity"/> says.</param>
public sealed record FusedInstruction(FusedOp Op, FusedOperand Dest, IReadOnlyList<FusedOperand> Args)
{
    /// <summary>"t1=add t0 c0".</summary>
    public override string ToString() => $"{Dest}={Op.Name()} {string.Join(" ", Args)}";

    /// <summary>Structural equality (same op, destination and operands).</summary>
    public bool Equals(FusedInstruction? other) =>
        other is not null && Op == other.Op && Dest == other.Dest && Args.SequenceEqual(other.Args);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Op);
        h.Add(Dest);
        foreach (var a in Args) h.Add(a);
        return h.ToHashCode();
    }
}

/// <summary>
/// A validated fused elementwise program: instructions over <see cref="InputCount"/> broadcasting F32 inputs and
/// <see cref="Constants"/>, defining <see cref="OutputCount"/> outputs of the inputs' broadcast shape.
/// </summary>
public sealed class FusedProgram
{
    /// <summary>Creates and validates a program; throws <see cref="ModelFormatException"/> describing the first problem.</summary>
    public FusedProgram(IReadOnlyList<FusedInstruction> instructions, IReadOnlyList<float> constants, int inputCount)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        ArgumentNullException.ThrowIfNull(constants);
        Instructions = instructions.ToArray();
        Constants = constants.ToArray();
        InputCount = inputCount;
        OutputCount = Validate();
    }

    /// <summary>Instructions in evaluation order.</summary>
    public IReadOnlyList<FusedInstruction> Instructions { get; }

    /// <summary>Values of c0, c1, ….</summary>
    public IReadOnlyList<float> Constants { get; }

    /// <summary>Number of input tensors (x0 … x(n−1)).</summary>
    public int InputCount { get; }

    /// <summary>Number of outputs (y0 … y(n−1)).</summary>
    public int OutputCount { get; }

    /// <summary>Index of the last instruction reading input <paramref name="input"/>, or −1 when none reads it.</summary>
    public int LastReadOf(int input)
    {
        int last = -1;
        for (int i = 0; i < Instructions.Count; i++)
            if (Instructions[i].Args.Contains(FusedOperand.X(input))) last = i;
        return last;
    }

    /// <summary>Index of the instruction that defines output <paramref name="output"/>.</summary>
    public int DefinitionOf(int output)
    {
        for (int i = 0; i < Instructions.Count; i++)
            if (Instructions[i].Dest == FusedOperand.Y(output)) return i;
        throw new ArgumentOutOfRangeException(nameof(output), output, $"the program has {OutputCount} outputs.");
    }

    /// <summary>
    /// Parses the text form: statements "dest=op operand…" separated by ';' (whitespace is free), with xN inputs,
    /// cN indices into <paramref name="constants"/>, tN temporaries and yN outputs. The input count is one more
    /// than the highest xN read unless <paramref name="inputCount"/> says more.
    /// </summary>
    public static FusedProgram Parse(string text, IReadOnlyList<float>? constants = null, int inputCount = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<FusedInstruction>();
        int maxInput = -1;
        foreach (var raw in text.Split(';'))
        {
            var stmt = raw.Trim();
            if (stmt.Length == 0) continue;
            int eq = stmt.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) throw Bad(text, $"statement '{stmt}' has no '='");
            var dest = ParseOperand(text, stmt[..eq].Trim());
            var parts = stmt[(eq + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) throw Bad(text, $"statement '{stmt}' has no op");
            if (!FusedOps.TryParse(parts[0], out var op))
                throw Bad(text, $"unknown op '{parts[0]}' in '{stmt}' (ops: {string.Join(", ", FusedOps.Names)})");
            var args = new FusedOperand[parts.Length - 1];
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = ParseOperand(text, parts[i + 1]);
                if (args[i].Kind == FusedOperandKind.Input) maxInput = Math.Max(maxInput, args[i].Index);
            }
            list.Add(new FusedInstruction(op, dest, args));
        }
        return new FusedProgram(list, constants ?? [], Math.Max(inputCount, maxInput + 1));
    }

    /// <summary>The text form ("t0=mul x0 x1; y0=tanh t0"); <see cref="Parse"/> with the same constants reads it back.</summary>
    public override string ToString() => string.Join("; ", Instructions.Select(i => i.ToString()));

    /// <summary>The text form followed by the constants, for messages: "y0=add x0 c0 [c0=0.5]".</summary>
    public string Describe()
    {
        if (Constants.Count == 0) return ToString();
        var sb = new StringBuilder(ToString()).Append(" [");
        for (int i = 0; i < Constants.Count; i++)
            sb.Append(i == 0 ? "" : ", ").Append('c').Append(i).Append('=').Append(Constants[i].ToString("R", CultureInfo.InvariantCulture));
        return sb.Append(']').ToString();
    }

    private static FusedOperand ParseOperand(string text, string token)
    {
        if (token.Length < 2 || !int.TryParse(token.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw Bad(text, $"operand '{token}' is not xN, cN, tN or yN");
        return token[0] switch
        {
            'x' => FusedOperand.X(index),
            'c' => FusedOperand.C(index),
            't' => FusedOperand.T(index),
            'y' => FusedOperand.Y(index),
            _ => throw Bad(text, $"operand '{token}' is not xN, cN, tN or yN"),
        };
    }

    private static ModelFormatException Bad(string text, string why) => new($"FusedElementwise program \"{text}\": {why}.");

    // Checks SSA form, arities, constant parameters and ranges; returns the output count (outputs must be y0..yk-1).
    private int Validate()
    {
        if (InputCount < 0) throw Bad(ToString(), $"input count {InputCount} is negative");
        if (Instructions.Count == 0) throw Bad("", "the program is empty");
        var defined = new HashSet<FusedOperand>();
        int outputs = 0;
        foreach (var ins in Instructions)
        {
            if (!Enum.IsDefined(ins.Op)) throw Bad(ToString(), $"op {(int)ins.Op} is not a FusedOp");
            if (ins.Args.Count != ins.Op.Arity())
                throw Bad(ToString(), $"'{ins}': {ins.Op.Name()} takes {ins.Op.Arity()} operand(s), got {ins.Args.Count}");
            for (int a = 0; a < ins.Args.Count; a++)
            {
                var arg = ins.Args[a];
                if (arg.Index < 0) throw Bad(ToString(), $"'{ins}': negative index in {arg}");
                bool mustBeConstant = a >= ins.Op.Arity() - ins.Op.ConstantParams();
                if (mustBeConstant && arg.Kind != FusedOperandKind.Constant)
                    throw Bad(ToString(), $"'{ins}': operand {a} of {ins.Op.Name()} must be a constant cN");
                switch (arg.Kind)
                {
                    case FusedOperandKind.Input when arg.Index >= InputCount:
                        throw Bad(ToString(), $"'{ins}' reads {arg} but the program has {InputCount} input(s)");
                    case FusedOperandKind.Constant when arg.Index >= Constants.Count:
                        throw Bad(ToString(), $"'{ins}' reads {arg} but only {Constants.Count} constant(s) are given");
                    case FusedOperandKind.Temp or FusedOperandKind.Output when !defined.Contains(arg):
                        throw Bad(ToString(), $"'{ins}' reads {arg} before it is assigned");
                }
            }
            if (ins.Dest.Kind is not (FusedOperandKind.Temp or FusedOperandKind.Output) || ins.Dest.Index < 0)
                throw Bad(ToString(), $"'{ins}': the destination must be tN or yN");
            if (!defined.Add(ins.Dest)) throw Bad(ToString(), $"'{ins}': {ins.Dest} is assigned twice");
            if (ins.Dest.Kind == FusedOperandKind.Output) outputs = Math.Max(outputs, ins.Dest.Index + 1);
        }
        if (outputs == 0) throw Bad(ToString(), "no output yN is assigned");
        for (int i = 0; i < outputs; i++)
            if (!defined.Contains(FusedOperand.Y(i))) throw Bad(ToString(), $"output y{i} is never assigned (outputs must be y0..y{outputs - 1})");
        return outputs;
    }
}
