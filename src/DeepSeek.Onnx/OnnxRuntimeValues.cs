using DeepSeek.Graph.Execution;
using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx;

/// <summary>
/// Bridges <see cref="OnnxValue"/> (what ONNX value files hold) to the executor's <see cref="RuntimeValue"/>:
/// tensors, sequences of tensors and optionals. The runtime value gets its own views of the tensors, so both sides
/// are disposed independently.
/// </summary>
public static class OnnxRuntimeValues
{
    /// <summary>The runtime value for <paramref name="value"/> (new tensor views sharing its data).</summary>
    /// <exception cref="UnsupportedDataTypeException">Sequences of non-tensors, which the executor does not model.</exception>
    public static RuntimeValue ToRuntimeValue(OnnxValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (value.Kind)
        {
            case OnnxValueKind.Tensor:
                return new TensorValue(value.Tensor.Detach());
            case OnnxValueKind.Sequence:
                if (value.Elements.Any(e => e.Kind != OnnxValueKind.Tensor))
                    throw new UnsupportedDataTypeException("OnnxRuntimeValues: sequences of sequences or optionals are not supported by the executor.");
                return new SequenceValue(value.Tensors.Select(t => t.Detach()).ToList());
            default:
                return new OptionalValue(value.HasValue ? ToRuntimeValue(value.Value) : null);
        }
    }

    /// <summary>Reads a value file (see <see cref="OnnxValue.Load"/>) as a runtime value for the executor.</summary>
    public static RuntimeValue Load(string path, TypeProto type)
    {
        using var v = OnnxValue.Load(path, type);
        return ToRuntimeValue(v);
    }
}
