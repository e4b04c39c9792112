// Static kernels for ONNX unary elementwise ops, Clip, Not, Cast and CastLike: one backend call writing the planned output.
// Parameters (LeakyRelu/HardSigmoid alpha and beta, Clip bounds, Cast target) are read once when the node is prepared,
// with the ONNX spec defaults. The unary ops read element i before writing element i, so output 0 may take input 0's buffer.
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.StaticHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>Static (prepared, allocation-free) kernels for unary elementwise ops, Clip, Not, Cast and CastLike.</summary>
[OpSet]
public static class StaticUnary
{
    /// <summary>Adds these factories to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        Unary(r, "Relu", UnaryOp.Relu, IsPlainNumeric);
        Unary(r, "Neg", UnaryOp.Neg, IsPlainNumeric);
        Unary(r, "Abs", UnaryOp.Abs, IsPlainNumeric);
        Unary(r, "Sigmoid", UnaryOp.Sigmoid, IsFloat);
        Unary(r, "Tanh", UnaryOp.Tanh, IsFloat);
        Unary(r, "Exp", UnaryOp.Exp, IsFloat);
        Unary(r, "Log", UnaryOp.Log, IsFloat);
        Unary(r, "Sqrt", UnaryOp.Sqrt, IsFloat);
        Unary(r, "Erf", UnaryOp.Erf, IsFloat);
        Unary(r, "HardSwish", UnaryOp.HardSwish, IsFloat);
        Unary(r, "LeakyRelu", UnaryOp.LeakyRelu, IsFloat, n => (n.GetFloat("alpha", 0.01f), 0));
        Unary(r, "HardSigmoid", UnaryOp.HardSigmoid, IsFloat, n => (n.GetFloat("alpha", 0.2f), n.GetFloat("beta", 0.5f)));
        Unary(r, "Not", UnaryOp.LogicalNot, t => t == DType.Bool);
        r.Register("Clip", Clip);
        r.Register("Cast", Cast);
        r.Register("CastLike", CastLike);
    }

    private static void Unary(StaticKernelRegistry r, string op, UnaryOp kind, Func<DType, bool> accepts, Func<Node, (double, double)>? parameters = null) =>
        r.Register(op, req =>
        {
            if (SameTypeUnary(req) is not { } x || !accepts(x.DType)) return null;
            var (a, b) = parameters?.Invoke(req.Node) ?? (0, 0);
            return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Unary(kind, ins[0]!, outs[0], a, b), inPlaceInput: 0);
        });

    /// <summary>Input 0's type when the node maps one input to one output of the same type and shape.</summary>
    private static TensorMeta? SameTypeUnary(StaticKernelRequest req) =>
        req.Outputs.Count == 1 && In(req, 0) is { } x && req.Outputs[0] == x ? x : null;

    // Clip-1/6 reads float attributes, Clip-11+ optional scalar inputs; both are min(max(x, lo), hi) with NaN kept.
    private static IStaticKernel? Clip(StaticKernelRequest req)
    {
        if (SameTypeUnary(req) is not { } x || !IsFloat(x.DType)) return null;
        double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        if (req.Opset < 11)
        {
            if (req.Node.Attributes.ContainsKey("min")) lo = req.Node.GetFloat("min", 0);
            if (req.Node.Attributes.ContainsKey("max")) hi = req.Node.GetFloat("max", 0);
        }
        else
        {
            if (Unknown(req, 1) || Unknown(req, 2)) return null;
            if (Known(req, 1) is { } min) { if (min.Numel != 1) return null; lo = Scalar(min); }
            if (Known(req, 2) is { } max) { if (max.Numel != 1) return null; hi = Scalar(max); }
        }
        if (double.IsNaN(lo) || double.IsNaN(hi)) return null;
        if (double.IsNegativeInfinity(lo) && double.IsPositiveInfinity(hi))
            return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Copy(ins[0]!, outs[0]), inPlaceInput: 0);
        return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Unary(UnaryOp.Clamp, ins[0]!, outs[0], lo, hi), inPlaceInput: 0);
    }

    private static double Scalar(Tensor t)
    {
        using var c = t.Reshape(1);
        return c.ItemAsDouble();
    }

    // Cast: the backend converts any pair of types (floats → integers truncate, → bool is x ≠ 0, → F16/BF16 round to even).
    private static IStaticKernel? Cast(StaticKernelRequest req)
    {
        if (req.Outputs.Count != 1 || In(req, 0) is not { } x || !req.Node.Attributes.TryGetValue("to", out var to) || to.Kind != AttributeKind.Int) return null;
        var y = req.Outputs[0];
        if (y.Shape != x.Shape || y.DType != OnnxElementTypes.ToDType((long)to.Raw, req.Describe())) return null;
        return Convert(x, y);
    }

    // CastLike: Cast to the second input's type (only its type is read).
    private static IStaticKernel? CastLike(StaticKernelRequest req) =>
        req.Outputs.Count == 1 && In(req, 0) is { } x && In(req, 1) is { } like && req.Outputs[0] == x with { DType = like.DType }
            ? Convert(x, req.Outputs[0])
            : null;

    private static IStaticKernel Convert(TensorMeta x, TensorMeta y) => x.DType == y.DType
        ? new DelegateStaticKernel((ins, outs) => outs[0].Backend.Copy(ins[0]!, outs[0]))
        : new DelegateStaticKernel((ins, outs) => outs[0].Backend.Cast(ins[0]!, outs[0]));
}
