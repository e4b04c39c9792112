using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx;

/// <summary>
/// An ONNX element type that DeepSeek tensors cannot hold (STRING, UINT16/32/64, FLOAT8*, INT4/UINT4, FLOAT4,
/// COMPLEX...), or a value kind it does not model (maps, sparse tensors where a dense one is needed).
/// Conformance runners count these cases as unsupported rather than failed.
/// </summary>
public sealed class UnsupportedDataTypeException : NotSupportedException
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedDataTypeException(string message) : base(message) { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public UnsupportedDataTypeException(string message, Exception inner) : base(message, inner) { }
    /// <summary>Creates the exception.</summary>
    public UnsupportedDataTypeException() { }

    /// <summary>Creates the exception for tensor <paramref name="tensorName"/> of ONNX type <paramref name="dataType"/>.</summary>
    public UnsupportedDataTypeException(string tensorName, int dataType)
        : base($"ONNX tensor '{tensorName}' has element type {OnnxDataTypes.Name(dataType)} ({dataType}), which DeepSeek tensors do not support; " +
               "supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8, UINT8, INT16, INT32, INT64, BOOL.")
    {
        TensorName = tensorName;
        DataType = dataType;
    }

    /// <summary>Name of the tensor (or value) at fault, when known.</summary>
    public string? TensorName { get; }

    /// <summary>The ONNX <see cref="TensorProto.Types.DataType"/> value at fault, when the cause is an element type.</summary>
    public int? DataType { get; }
}
