// Static kernels for ONNX broadcasting elementwise ops (numpy rules): Add, Sub, Mul, Div, Pow, variadic Max/Min,
// comparisons and Where. The backend's binary kernel broadcasts operands itself (stride 0); comparisons and Where get a
// stride-0 broadcast view per run (no copy); the backend kernel then writes the planned output, which may take the buffer of a first operand of its own shape.
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.StaticHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>Static kernels for Add, Sub, Mul, Div, Pow, Max, Min, Equal, Less, Greater, LessOrEqual, GreaterOrEqual and Where.</summary>
[OpSet]
public static class StaticBinary
{
    /// <summary>Adds these factories to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        foreach (var (op, kind) in new[] { ("Add", BinaryOp.Add), ("Sub", BinaryOp.Sub), ("Mul", BinaryOp.Mul), ("Div", BinaryOp.Div) })
            r.Register(op, req => Fold(req, kind, IsPlainNumeric, variadic: false));
        r.Register("Max", req => Fold(req, BinaryOp.Maximum, IsPlainNumeric, variadic: true));
        r.Register("Min", req => Fold(req, BinaryOp.Minimum, IsPlainNumeric, variadic: true));
        r.Register("Pow", Pow);
        foreach (var (op, kind) in new[] { ("Equal", CompareOp.Eq), ("Less", CompareOp.Lt), ("Greater", CompareOp.Gt), ("LessOrEqual", CompareOp.Le), ("GreaterOrEqual", CompareOp.Ge) })
            r.Register(op, req => Compare(req, kind));
        r.Register("Where", Where);
    }

    /// <summary>The common type of all given inputs when they share it and the output has it too; else null.</summary>
    private static TensorMeta[]? Operands(StaticKernelRequest req, int min, int max)
    {
        if (req.Outputs.Count != 1 || req.Inputs.Count < min || req.Inputs.Count > max) return null;
        var xs = new TensorMeta[req.Inputs.Count];
        for (int i = 0; i < xs.Length; i++)
        {
            if (req.Inputs[i] is not { } m || m.DType != req.Outputs[0].DType) return null;
            xs[i] = m;
        }
        return xs;
    }


    private static IStaticKernel? Fold(StaticKernelRequest req, BinaryOp kind, Func<DType, bool> accepts, bool variadic)
    {
        if (Operands(req, variadic ? 1 : 2, variadic ? int.MaxValue : 2) is not { } xs || !accepts(xs[0].DType)) return null;
        var shape = req.Outputs[0].Shape;
        // the backend's binary kernel broadcasts its operands to dst itself: no view tensors per run
        return new DelegateStaticKernel((ins, outs) =>
        {
            var dst = outs[0];
            if (ins.Length == 1) { dst.Backend.Copy(ins[0]!, dst); return; }
            dst.Backend.Binary(kind, ins[0]!, ins[1]!, dst);
            for (int i = 2; i < ins.Length; i++) dst.Backend.Binary(kind, dst, ins[i]!, dst);
        }, xs.Length > 1 && xs[0].Shape == shape ? 0 : -1); // the backend's binary kernels may overwrite their first operand
    }

    // Pow with a float base and exponent of one type. A known exponent of 1, 2 or 3 broadcasting to the base's shape is
    // a copy or a product, as the interpreter computes it (exact for x², within an ulp for x³, and far cheaper than pow).
    private static IStaticKernel? Pow(StaticKernelRequest req)
    {
        if (Operands(req, 2, 2) is not { } xs || !IsFloat(xs[0].DType)) return null;
        var shape = req.Outputs[0].Shape;
        if (xs[0].Shape == shape && Known(req, 1) is { Numel: 1 } y)
        {
            using var y1 = y.Reshape(1);
            switch (y1.ItemAsDouble())
            {
                case 1: return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Copy(ins[0]!, outs[0]));
                case 2: return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Unary(UnaryOp.Square, ins[0]!, outs[0]), 0);
                case 3:
                    return new DelegateStaticKernel((ins, outs) =>
                    {
                        outs[0].Backend.Unary(UnaryOp.Square, ins[0]!, outs[0]);
                        outs[0].Backend.Binary(BinaryOp.Mul, outs[0], ins[0]!, outs[0]);
                    });
            }
        }
        return Fold(req, BinaryOp.Pow, IsFloat, variadic: false);
    }

    private static IStaticKernel? Compare(StaticKernelRequest req, CompareOp kind)
    {
        if (req.Outputs.Count != 1 || req.Outputs[0].DType != DType.Bool || In(req, 0) is not { } a || In(req, 1) is not { } b || req.Inputs.Count != 2) return null;
        if (a.DType != b.DType || !IsPlainNumeric(a.DType)) return null;
        var shape = req.Outputs[0].Shape;
        bool ea = a.Shape != shape, eb = b.Shape != shape;
        return new DelegateStaticKernel((ins, outs) =>
        {
            using var av = ea ? ins[0]!.BroadcastTo(shape) : null;
            using var bv = eb ? ins[1]!.BroadcastTo(shape) : null;
            outs[0].Backend.Compare(kind, av ?? ins[0]!, bv ?? ins[1]!, outs[0]);
        });
    }

    private static IStaticKernel? Where(StaticKernelRequest req)
    {
        if (req.Outputs.Count != 1 || req.Inputs.Count != 3 || In(req, 0) is not { DType: DType.Bool } c || In(req, 1) is not { } a || In(req, 2) is not { } b) return null;
        var y = req.Outputs[0];
        if (a.DType != y.DType || b.DType != y.DType || y.DType is DType.F16 or DType.BF16) return null;
        var shape = y.Shape;
        bool ec = c.Shape != shape, ea = a.Shape != shape, eb = b.Shape != shape;
        return new DelegateStaticKernel((ins, outs) =>
        {
            using var cv = ec ? ins[0]!.BroadcastTo(shape) : null;
            using var av = ea ? ins[1]!.BroadcastTo(shape) : null;
            using var bv = eb ? ins[2]!.BroadcastTo(shape) : null;
            outs[0].Backend.Where(cv ?? ins[0]!, av ?? ins[1]!, bv ?? ins[2]!, outs[0]);
        }); // no in-place: the backend's Where copies b into dst before selecting a
    }
}
