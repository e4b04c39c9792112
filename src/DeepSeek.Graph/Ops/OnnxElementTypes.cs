namespace DeepSeek.Graph.Ops;

/// <summary>ONNX <c>TensorProto.DataType</c> codes (attributes such as Cast's <c>to</c>) mapped to Core dtypes, in one place.</summary>
internal static class OnnxElementTypes
{
    /// <summary>The Core dtype of <paramref name="code"/>; throws <see cref="UnsupportedOperatorException"/> naming <paramref name="who"/> for types Core lacks.</summary>
    public static DType ToDType(long code, string who) => code switch
    {
        1 => DType.F32,
        2 => DType.U8,
        3 => DType.I8,
        5 => DType.I16,
        6 => DType.I32,
        7 => DType.I64,
        9 => DType.Bool,
        10 => DType.F16,
        11 => DType.F64,
        16 => DType.BF16,
        _ => throw new UnsupportedOperatorException(
            $"{who}: ONNX element type {Name(code)} (code {code}) is not supported; supported: float, double, float16, bfloat16, int8, uint8, int16, int32, int64, bool."),
    };

    /// <summary>ONNX spelling of a TensorProto.DataType code, for messages and string attributes.</summary>
    public static string Name(long code) => code switch
    {
        0 => "UNDEFINED", 1 => "FLOAT", 2 => "UINT8", 3 => "INT8", 4 => "UINT16", 5 => "INT16", 6 => "INT32", 7 => "INT64",
        8 => "STRING", 9 => "BOOL", 10 => "FLOAT16", 11 => "DOUBLE", 12 => "UINT32", 13 => "UINT64", 14 => "COMPLEX64",
        15 => "COMPLEX128", 16 => "BFLOAT16", 17 => "FLOAT8E4M3FN", 18 => "FLOAT8E4M3FNUZ", 19 => "FLOAT8E5M2",
        20 => "FLOAT8E5M2FNUZ", 21 => "UINT4", 22 => "INT4", 23 => "FLOAT4E2M1", 24 => "FLOAT8E8M0", 25 => "UINT2", 26 => "INT2",
        _ => "unknown",
    };
}
