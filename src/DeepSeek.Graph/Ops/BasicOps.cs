using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>Identity, Constant and the four arithmetic ops (ONNX semantics: numpy broadcasting, same-type inputs).</summary>
[OpSet]
public static class BasicOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Identity", [1, 13, 14, 16, 19, 21, 23, 24, 25], ctx => [ctx.Inputs[0]!.Share()]);
        r.Register("Constant", [1, 9, 11, 12, 13, 19, 21, 23, 24, 25], Constant);
        Binary(r, "Add", [1, 6, 7, 13, 14], (a, b) => SameType("Add", a, b).Add(b));
        Binary(r, "Sub", [1, 6, 7, 13, 14], (a, b) => SameType("Sub", a, b).Sub(b));
        Binary(r, "Mul", [1, 6, 7, 13, 14], (a, b) => SameType("Mul", a, b).Mul(b));
        Binary(r, "MatMul", [1, 9, 13], (a, b) => a.MatMul(b));
        Unary(r, "Relu", [1, 6, 13, 14], x => x.Relu());
    }

    private static Tensor SameType(string op, Tensor a, Tensor b)
    {
        if (a.DType != b.DType)
            throw new DTypeMismatchException($"{op}: inputs must share one type, got {a.DType.Name()} {a.Shape} and {b.DType.Name()} {b.Shape}.");
        return a;
    }

    private static RuntimeValue?[] Constant(OpContext ctx)
    {
        var n = ctx.Node;
        if (n.GetTensor("value") is { } t) return One(t.Clone());
        if (n.Attributes.ContainsKey("value_float")) return One(Tensor.Scalar(n.GetFloat("value_float", 0)));
        if (n.GetFloats("value_floats") is { } fs) return One(Tensor.FromArray(fs));
        if (n.GetIntOrNull("value_int") is long i) return One(Tensor.Scalar(i, DType.I64));
        if (n.GetInts("value_ints") is { } ints) return One(Tensor.FromArray(ints));
        throw new UnsupportedOperatorException($"{ctx.Describe()}: only value, value_float(s) and value_int(s) attributes are supported (sparse and string constants are not).");
    }
}
