using DeepSeek.Onnx.Protobuf;
using OnnxType = DeepSeek.Onnx.Protobuf.TensorProto.Types.DataType;

namespace DeepSeek.Onnx;

/// <summary>
/// Facts about ONNX element types (<see cref="TensorProto.Types.DataType"/>): their names, storage sizes and the
/// mapping to and from <see cref="DType"/>.
/// </summary>
public static class OnnxDataTypes
{
    /// <summary>The spec's upper-case name of an ONNX element type ("FLOAT", "BFLOAT16"...), or "UNKNOWN(n)".</summary>
    public static string Name(int dataType) =>
        DataTypeEnum.FindValueByNumber(dataType)?.Name ?? $"UNKNOWN({dataType})";

    private static readonly Google.Protobuf.Reflection.EnumDescriptor DataTypeEnum =
        TensorProto.Descriptor.EnumTypes.Single(e => e.Name == "DataType");

    /// <summary>True when <paramref name="dataType"/> maps to a <see cref="DType"/>.</summary>
    public static bool IsSupported(int dataType) => TryToDType(dataType, out _);

    /// <summary>The DeepSeek dtype for an ONNX element type; false for types DeepSeek lacks.</summary>
    public static bool TryToDType(int dataType, out DType dtype)
    {
        switch ((OnnxType)dataType)
        {
            case OnnxType.Float: dtype = DType.F32; return true;
            case OnnxType.Double: dtype = DType.F64; return true;
            case OnnxType.Float16: dtype = DType.F16; return true;
            case OnnxType.Bfloat16: dtype = DType.BF16; return true;
            case OnnxType.Int8: dtype = DType.I8; return true;
            case OnnxType.Uint8: dtype = DType.U8; return true;
            case OnnxType.Int16: dtype = DType.I16; return true;
            case OnnxType.Int32: dtype = DType.I32; return true;
            case OnnxType.Int64: dtype = DType.I64; return true;
            case OnnxType.Bool: dtype = DType.Bool; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>The DeepSeek dtype for an ONNX element type, or <see cref="UnsupportedDataTypeException"/> naming <paramref name="what"/>.</summary>
    public static DType ToDType(int dataType, string what) =>
        TryToDType(dataType, out var d) ? d : throw new UnsupportedDataTypeException(what, dataType);

    /// <summary>The ONNX element type (as its enum value) for a DeepSeek dtype.</summary>
    public static int FromDType(DType dtype) => (int)(dtype switch
    {
        DType.F32 => OnnxType.Float,
        DType.F64 => OnnxType.Double,
        DType.F16 => OnnxType.Float16,
        DType.BF16 => OnnxType.Bfloat16,
        DType.I8 => OnnxType.Int8,
        DType.U8 => OnnxType.Uint8,
        DType.I16 => OnnxType.Int16,
        DType.I32 => OnnxType.Int32,
        DType.I64 => OnnxType.Int64,
        DType.Bool => OnnxType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    });

    /// <summary>
    /// Storage size of one element in bits as raw_data lays it out (4 for INT4/UINT4/FLOAT4E2M1, 2 for INT2/UINT2,
    /// 128 for COMPLEX128...), or 0 for STRING, UNDEFINED and unknown types, whose size is not fixed.
    /// </summary>
    public static int BitsPerElement(int dataType) => (OnnxType)dataType switch
    {
        OnnxType.Float or OnnxType.Int32 or OnnxType.Uint32 => 32,
        OnnxType.Double or OnnxType.Int64 or OnnxType.Uint64 or OnnxType.Complex64 => 64,
        OnnxType.Complex128 => 128,
        OnnxType.Float16 or OnnxType.Bfloat16 or OnnxType.Int16 or OnnxType.Uint16 => 16,
        OnnxType.Int8 or OnnxType.Uint8 or OnnxType.Bool or OnnxType.Float8E4M3Fn or OnnxType.Float8E4M3Fnuz
            or OnnxType.Float8E5M2 or OnnxType.Float8E5M2Fnuz or OnnxType.Float8E8M0 => 8,
        OnnxType.Int4 or OnnxType.Uint4 or OnnxType.Float4E2M1 => 4,
        OnnxType.Int2 or OnnxType.Uint2 => 2,
        _ => 0,
    };

    /// <summary>
    /// Bytes that <paramref name="numel"/> elements occupy in raw_data (sub-byte types pack densely and round up),
    /// or -1 when the type has no fixed size.
    /// </summary>
    public static long RawByteCount(int dataType, long numel)
    {
        int bits = BitsPerElement(dataType);
        if (bits == 0) return -1;
        return bits >= 8 ? checked(numel * (bits / 8)) : checked((numel * bits + 7) / 8);
    }
}
