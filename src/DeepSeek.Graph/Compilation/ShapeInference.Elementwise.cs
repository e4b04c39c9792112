// Inference rules of the elementwise families (ONNX operator specs): unary ops keep type and shape; binary, variadic
// and Where broadcast numpy-style; comparisons yield bool; Cast/CastLike change only the element type; Dropout,
// Identity and Constant; per-element activations and softmax-like ops keep their input's type.
using DeepSeek.Graph.Ops;

namespace DeepSeek.Graph.Compilation;

public static partial class ShapeInference
{
    private static readonly string[] SameAsInput =
    [
        "Abs", "Neg", "Floor", "Ceil", "Round", "Reciprocal", "Sqrt", "Exp", "Log", "Sin", "Cos", "Tan", "Asin", "Acos",
        "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Tanh", "Sigmoid", "Erf", "Sign", "Relu", "LeakyRelu", "Elu",
        "Selu", "Celu", "ThresholdedRelu", "HardSigmoid", "HardSwish", "Gelu", "Mish", "Softplus", "Softsign", "Swish",
        "Shrink", "Softmax", "LogSoftmax", "Hardmax", "Not", "BitwiseNot", "Clip", "CumSum", "CumProd", "LRN",
        "InstanceNormalization", "LpNormalization", "MeanVarianceNormalization", "GroupNormalization",
        "RMSNormalization", "PRelu", "Trilu",
    ];

    private static readonly string[] BroadcastSameType =
    [
        "Add", "Sub", "Mul", "Div", "Mod", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "And", "Or", "Xor",
        "Max", "Min", "Sum", "Mean",
    ];

    private static readonly string[] Comparisons = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"];

    private static void AddElementwiseRules(Dictionary<string, Rule> r)
    {
        foreach (var op in SameAsInput) r[op] = c => c.Out(c.Type(0));
        foreach (var op in BroadcastSameType) r[op] = c => c.Out(T(FirstDType(c), BroadcastInputs(c)));
        // the exponent / shift may have another type: the result has the first input's
        r["Pow"] = c => c.Out(T(c.DType(0), BroadcastInputs(c)));
        r["BitShift"] = r["Pow"];
        foreach (var op in Comparisons) r[op] = c => c.Out(T(DType.Bool, BroadcastInputs(c)));
        r["IsNaN"] = c => c.Out(T(DType.Bool, c.Shape(0)));
        r["IsInf"] = c => c.Out(T(DType.Bool, c.Shape(0)));
        r["Where"] = c => c.Out(T(c.DType(1) ?? c.DType(2), Broadcast(c, c.Shape(0), c.Shape(1), c.Shape(2))));
        r["Cast"] = Cast;
        r["CastLike"] = c => c.Out(T(c.DType(1), c.Shape(0)));
        r["Identity"] = c => c.Out(c.Has(0) ? c.Node.Inputs[0]!.Type : null);
        r["Dropout"] = Dropout;
        r["Constant"] = Constant;
    }

    private static DType? FirstDType(InferContext c)
    {
        for (int i = 0; i < c.Node.Inputs.Count; i++)
            if (c.DType(i) is { } d) return d;
        return null;
    }

    private static Dim[]? BroadcastInputs(InferContext c) =>
        Broadcast(c, Enumerable.Range(0, c.Node.Inputs.Count).Where(c.Has).Select(c.Shape).ToArray());

    private static ValueType?[] Cast(InferContext c)
    {
        if (c.Node.GetIntOrNull("to") is not long code) return c.Out();
        return c.Out(T(OnnxElementTypes.ToDType(code, c.Describe()), c.Shape(0)));
    }

    private static ValueType?[] Dropout(InferContext c)
    {
        var mask = c.Opset >= 10 ? DType.Bool : c.DType(0);
        return c.Out(c.Type(0), T(mask, c.Shape(0)));
    }

    private static ValueType?[] Constant(InferContext c)
    {
        var n = c.Node;
        if (n.GetTensor("value") is { } t) return c.Out(T(t.DType, t.Shape.Dims.ToArray().Select(d => Dim.Of(d)).ToArray()));
        if (n.Attributes.ContainsKey("value_float")) return c.Out(T(DType.F32, []));
        if (n.GetFloats("value_floats") is { } fs) return c.Out(T(DType.F32, [fs.Length]));
        if (n.Attributes.ContainsKey("value_int")) return c.Out(T(DType.I64, []));
        if (n.GetInts("value_ints") is { } ints) return c.Out(T(DType.I64, [ints.Length]));
        return c.Out();
    }
}
