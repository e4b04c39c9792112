// Which ONNX (and deepseek) nodes a fused elementwise program can absorb and the instructions each becomes, per the
// ONNX operator specs: Clip is max-then-min (min > max gives max, NaN propagates), variadic Max/Min/Sum fold left and
// Mean divides that sum by the input count (as the interpreter does); LeakyRelu/HardSigmoid take the spec defaults.
using DeepSeek.Backends.Cpu.Elementwise;

namespace DeepSeek.Graph.Ops;

/// <summary>An operand of a lowered node: one of the node's inputs, a literal, or an earlier instruction of the same node.</summary>
internal readonly record struct LoweredArg(LoweredArgKind Kind, int Index, float Value)
{
    public static LoweredArg Input(int i) => new(LoweredArgKind.Input, i, 0);
    public static LoweredArg Literal(float v) => new(LoweredArgKind.Literal, 0, v);
    public static LoweredArg Earlier(int k) => new(LoweredArgKind.Earlier, k, 0);
}

/// <summary>Kinds of <see cref="LoweredArg"/>.</summary>
internal enum LoweredArgKind
{
    Input,
    Literal,
    Earlier,
}

/// <summary>One instruction of a lowered node; the node's output is the last one's result.</summary>
internal sealed record LoweredInstruction(FusedOp Op, LoweredArg[] Args);

/// <summary>Maps fusible nodes to program instructions.</summary>
internal static class FusedElementwiseLowering
{
    private static readonly Dictionary<string, FusedOp> Unary = new(StringComparer.Ordinal)
    {
        ["Neg"] = FusedOp.Neg, ["Abs"] = FusedOp.Abs, ["Relu"] = FusedOp.Relu, ["Sigmoid"] = FusedOp.Sigmoid,
        ["Tanh"] = FusedOp.Tanh, ["Exp"] = FusedOp.Exp, ["Log"] = FusedOp.Log, ["Sqrt"] = FusedOp.Sqrt,
        ["Reciprocal"] = FusedOp.Reciprocal, ["Erf"] = FusedOp.Erf, ["HardSwish"] = FusedOp.HardSwish,
    };

    private static readonly Dictionary<string, FusedOp> Binary = new(StringComparer.Ordinal)
    {
        ["Add"] = FusedOp.Add, ["Sub"] = FusedOp.Sub, ["Mul"] = FusedOp.Mul, ["Div"] = FusedOp.Div,
        ["Max"] = FusedOp.Max, ["Min"] = FusedOp.Min, ["Sum"] = FusedOp.Add, ["Mean"] = FusedOp.Add,
    };

    /// <summary>
    /// True for ops whose output is an elementwise function of their inputs with numpy broadcasting, so its type is
    /// the first input's element type and the broadcast of the shapes of <see cref="ShapeInputs"/>.
    /// </summary>
    public static bool IsElementwise(Node n) =>
        (n.IsOnnx() && (Unary.ContainsKey(n.OpType) || Binary.ContainsKey(n.OpType) ||
                        n.OpType is "LeakyRelu" or "HardSigmoid" or "Clip" or "Pow" or "Gelu"))
        || (n.Domain == "deepseek" && n.OpType == "Gelu");

    /// <summary>Inputs whose shapes make up the output shape (Clip's bounds are scalars that never broadcast it).</summary>
    public static IEnumerable<int> ShapeInputs(Node n) => n.Is("Clip") ? [0] : Enumerable.Range(0, n.Inputs.Count);

    /// <summary>
    /// The instructions for <paramref name="n"/>, or null when it cannot be fused (unknown op, attributes the program
    /// cannot express, a Clip bound or Pow exponent that is not a constant scalar).
    /// </summary>
    public static LoweredInstruction[]? Lower(Node n)
    {
        if (!IsElementwise(n) || n.Outputs.Count != 1 || n.Inputs.Count == 0 || n.Inputs[0] is null) return null;
        if (n.Attributes.ContainsKey("broadcast") || n.Attributes.ContainsKey("axis")) return null; // opset < 7 legacy broadcasting
        var x = LoweredArg.Input(0);
        if (Unary.TryGetValue(n.OpType, out var u))
            return n.Inputs.Count == 1 ? [new(u, [x])] : null;
        if (Binary.TryGetValue(n.OpType, out var b))
        {
            if (n.Inputs.Count < 2 || n.Inputs.Any(i => i is null)) return null;
            if (n.OpType is not ("Max" or "Min" or "Sum" or "Mean") && n.Inputs.Count != 2) return null;
            var list = new List<LoweredInstruction> { new(b, [x, LoweredArg.Input(1)]) };
            for (int i = 2; i < n.Inputs.Count; i++) list.Add(new(b, [LoweredArg.Earlier(i - 2), LoweredArg.Input(i)]));
            if (n.OpType == "Mean") list.Add(new(FusedOp.Div, [LoweredArg.Earlier(list.Count - 1), LoweredArg.Literal(n.Inputs.Count)]));
            return list.ToArray();
        }
        switch (n.OpType)
        {
            case "LeakyRelu":
                return [new(FusedOp.LeakyRelu, [x, LoweredArg.Literal(n.GetFloat("alpha", 0.01f))])];
            case "HardSigmoid":
                return [new(FusedOp.HardSigmoid, [x, LoweredArg.Literal(n.GetFloat("alpha", 0.2f)), LoweredArg.Literal(n.GetFloat("beta", 0.5f))])];
            case "Gelu":
                return n.GetString("approximate", "none") switch
                {
                    "none" => [new(FusedOp.Gelu, [x])],
                    "tanh" => [new(FusedOp.GeluTanh, [x])],
                    _ => null,
                };
            case "Pow":
                return n.Inputs.Count == 2 && n.Inputs[1] is { } e && ScalarConstant(e) is { } p
                    && (n.Owner.OpsetFor(n.Domain) >= 12 || p.DType == DType.F32)
                    ? [new(FusedOp.Pow, [x, LoweredArg.Literal((float)p.Value)])]
                    : null;
            case "Clip":
                return LowerClip(n);
        }
        return null;
    }

    private static LoweredInstruction[]? LowerClip(Node n)
    {
        float? lo, hi;
        if (n.Owner.OpsetFor(n.Domain) < 11)
        {
            lo = n.Attributes.ContainsKey("min") ? n.GetFloat("min", 0) : null;
            hi = n.Attributes.ContainsKey("max") ? n.GetFloat("max", 0) : null;
        }
        else
        {
            lo = hi = null;
            for (int i = 1; i < n.Inputs.Count; i++)
            {
                if (n.Inputs[i] is not { } v) continue;
                if (ScalarConstant(v) is not { DType: DType.F32 } c) return null;
                if (i == 1) lo = (float)c.Value;
                else if (i == 2) hi = (float)c.Value;
                else return null;
            }
        }
        var x = LoweredArg.Input(0);
        return (lo, hi) switch
        {
            (null, null) => null, // Identity: nothing to fuse
            ({ } l, null) => [new(FusedOp.Max, [x, LoweredArg.Literal(l)])],
            (null, { } h) => [new(FusedOp.Min, [x, LoweredArg.Literal(h)])],
            ({ } l, { } h) => [new(FusedOp.Max, [x, LoweredArg.Literal(l)]), new(FusedOp.Min, [LoweredArg.Earlier(0), LoweredArg.Literal(h)])],
        };
    }

    /// <summary>A one-element constant (an initializer or a Constant node's value): its type, rank and value.</summary>
    public static (DType DType, int Rank, double Value)? ScalarConstant(Value v)
    {
        Tensor? t = v.Constant;
        if (t is null && v.Producer is { } p && p.Is("Constant") && p.Outputs.Count == 1)
        {
            if (p.Attributes.ContainsKey("value_float")) return (DType.F32, 0, p.GetFloat("value_float", 0));
            t = p.GetTensor("value");
        }
        if (t is null || t.IsDisposed || t.Numel != 1 || !(t.DType.IsFloatingPoint() || t.DType.IsInteger())) return null;
        return (t.DType, t.Rank, t.ItemAsDouble());
    }
}
