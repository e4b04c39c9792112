using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Ops;

/// <summary>Helpers for the control-flow, sequence and optional kernels.</summary>
internal static class FlowHelpers
{
    /// <summary>A one-element integer tensor as long; throws naming <paramref name="what"/> otherwise.</summary>
    public static long ScalarLong(Tensor t, string what)
    {
        if (!t.DType.IsInteger())
            throw new DTypeMismatchException($"{what}: expected an integer scalar, got {t.DType.Name()}{t.Shape}.");
        if (t.Numel != 1)
            throw new ShapeMismatchException($"{what}: expected one element, got shape {t.Shape}.");
        using var l = t.DType == DType.I64 ? t.Detach() : t.To(DType.I64);
        return l.Item<long>();
    }

    /// <summary>A one-element tensor read as a boolean (non-zero = true); throws naming <paramref name="what"/> otherwise.</summary>
    public static bool ScalarBool(Tensor t, string what)
    {
        if (t.Numel != 1)
            throw new ShapeMismatchException($"{what}: expected a single boolean, got {t.DType.Name()}{t.Shape}.");
        return t.ItemAsDouble() != 0;
    }

    /// <summary>The sequence input <paramref name="i"/>, with its element type; throws naming the node otherwise.</summary>
    public static SequenceValue Sequence(OpContext ctx, int i)
    {
        if (!ctx.Has(i)) throw new ModelFormatException($"{ctx.Describe()}: required input {i} (a sequence) is missing.");
        return ctx.Inputs[i] as SequenceValue
            ?? throw new DTypeMismatchException($"{ctx.Describe()}: input {i} must be a sequence, got {ctx.Inputs[i]!.Describe()}.");
    }

    /// <summary>Element dtype of a static sequence/tensor/optional type, or null when unknown.</summary>
    public static DType? ElementTypeOf(ValueType? t) => t switch
    {
        TensorType tt => tt.ElementType,
        SequenceType s => ElementTypeOf(s.Element),
        OptionalType o => ElementTypeOf(o.Element),
        _ => null,
    };

    /// <summary>
    /// An empty stack of scan outputs (zero iterations): shape [0, known dims…] from the body output's static type
    /// (new axis at <paramref name="axis"/>), or [0] when the type gives no full shape.
    /// </summary>
    public static Tensor EmptyScanOutput(Value bodyOutput, int axis, string who)
    {
        var tt = bodyOutput.Type as TensorType;
        var dtype = tt?.ElementType ?? throw new ModelFormatException(
            $"{who}: zero iterations and the body output '{bodyOutput.Name}' declares no element type, so the empty scan output cannot be typed.");
        if (tt.Shape is { } dims && dims.All(d => d.IsKnown))
        {
            var shape = dims.Select(d => (int)d.Value!.Value).ToList();
            int a = axis < 0 ? axis + shape.Count + 1 : axis;
            shape.Insert(Math.Clamp(a, 0, shape.Count), 0);
            return Tensor.Empty(new Shape(shape.ToArray()), dtype);
        }
        return Tensor.Empty(new Shape(0), dtype);
    }

    /// <summary>Disposes every value (nulls skipped).</summary>
    public static void DisposeAll(IEnumerable<RuntimeValue?> values)
    {
        foreach (var v in values) v?.Dispose();
    }

    /// <summary>Disposes every tensor.</summary>
    public static void DisposeAll(IEnumerable<Tensor> values)
    {
        foreach (var v in values) v.Dispose();
    }
}
