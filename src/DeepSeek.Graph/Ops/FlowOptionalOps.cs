using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Ops;

// ONNX optional operators per the ONNX operator spec: Optional (15) wraps a value or makes an empty optional of
// the `type` attribute; OptionalHasElement/OptionalGetElement read an optional. A plain tensor or sequence counts as
// a present optional (18 allows it explicitly; at 15 it reaches an optional-typed slot when a Loop/If body returns
// it unwrapped, as in test_loop16_seq_none). From 18, HasElement's input may be omitted: an empty optional.

/// <summary>Optional, OptionalHasElement and OptionalGetElement kernels.</summary>
[OpSet]
public static class FlowOptionalOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Optional", 15, Optional);
        r.Register("OptionalHasElement", 15, ctx => HasElement(ctx, lenient: false));
        r.Register("OptionalHasElement", 18, ctx => HasElement(ctx, lenient: true));
        r.Register("OptionalGetElement", [15, 18], GetElement);
    }

    private static RuntimeValue?[] Optional(OpContext ctx)
    {
        if (ctx.Has(0))
        {
            if (ctx.Inputs[0] is OptionalValue)
                throw new DTypeMismatchException($"{ctx.Describe()}: input must be a tensor or sequence, got {ctx.Inputs[0]!.Describe()}.");
            return [new OptionalValue(ctx.Inputs[0]!.Share())];
        }
        if (!ctx.Node.Attributes.TryGetValue("type", out var a) || a.Raw is not ValueType)
            throw new ModelFormatException($"{ctx.Describe()}: an Optional without input needs the 'type' attribute.");
        return [new OptionalValue(null)];
    }

    private static RuntimeValue?[] HasElement(OpContext ctx, bool lenient)
    {
        bool has;
        if (!ctx.Has(0))
        {
            if (!lenient) throw new ModelFormatException($"{ctx.Describe()}: input 0 (an optional) is required before opset 18.");
            has = false;
        }
        else if (ctx.Inputs[0] is OptionalValue o) has = o.Inner is not null;
        else has = true;
        return [new TensorValue(Tensor.Scalar(has ? 1 : 0, DType.Bool))];
    }

    private static RuntimeValue?[] GetElement(OpContext ctx)
    {
        if (!ctx.Has(0)) throw new ModelFormatException($"{ctx.Describe()}: required input 0 is missing.");
        var v = ctx.Inputs[0]!;
        if (v is OptionalValue o)
            return [o.Inner?.Share() ?? throw new ArgumentException($"{ctx.Describe()}: the optional input is empty; there is no element to get.")];
        return [v.Share()];
    }
}
