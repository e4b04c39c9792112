using DeepSeek.Graph.Execution;
using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx.Conformance;

/// <summary>Turns loaded <see cref="OnnxValue"/>s into interpreter values (views: the OnnxValue keeps ownership).</summary>
public static class ValueConvert
{
    /// <summary>
    /// The interpreter value for <paramref name="v"/>; <paramref name="type"/> (the graph's declared type) gives the
    /// element type of empty sequences. Tensors are shared, not copied: dispose <paramref name="v"/> after the run.
    /// </summary>
    public static RuntimeValue ToRuntime(OnnxValue v, TypeProto? type) => v.Kind switch
    {
        OnnxValueKind.Tensor => new TensorValue(v.Tensor),
        OnnxValueKind.Sequence => new SequenceValue(v.Elements.Select(e => e.Kind == OnnxValueKind.Tensor
                ? e.Tensor
                : throw new UnsupportedDataTypeException("sequences of non-tensor values are not supported by the interpreter.")).ToList(),
            ElementType(type?.SequenceType?.ElemType)),
        _ => new OptionalValue(v.HasValue ? ToRuntime(v.Value, type?.OptionalType?.ElemType) : null),
    };

    private static DType? ElementType(TypeProto? t) =>
        t?.TensorType is { } tt && OnnxDataTypes.TryToDType(tt.ElemType, out var d) ? d : null;
}
