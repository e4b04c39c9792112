using System.Buffers.Binary;
using System.Runtime.InteropServices;
using DeepSeek.Onnx.Protobuf;
using OnnxType = DeepSeek.Onnx.Protobuf.TensorProto.Types.DataType;

namespace DeepSeek.Onnx;

/// <summary>
/// Builds the raw_data byte layout (little-endian, densely packed) of a TensorProto from its typed fields,
/// as the ONNX spec lays each type out: float_data for FLOAT/COMPLEX64; double_data for DOUBLE/COMPLEX128;
/// int32_data for INT32 and, one value per entry, for INT16/UINT16/INT8/UINT8/BOOL, the bit patterns of
/// FLOAT16/BFLOAT16/FLOAT8*, and one packed byte per entry for the 4- and 2-bit types; int64_data for INT64;
/// uint64_data for UINT32/UINT64.
/// </summary>
internal static class RawData
{
    /// <summary>The tensor's inline bytes as raw_data would hold them; throws for STRING and bad counts/ranges.</summary>
    public static byte[] FromTypedFields(TensorProto t, long numel, string source)
    {
        int type = t.DataType;
        string what = $"{source}: tensor '{t.Name}' ({OnnxDataTypes.Name(type)}, dims [{string.Join(", ", t.Dims)}])";
        long expectedBytes = OnnxDataTypes.RawByteCount(type, numel);
        if (expectedBytes < 0)
            throw new UnsupportedDataTypeException($"{what}: element type has no fixed-size byte layout.");
        if (expectedBytes > Array.MaxLength)
            throw new ModelFormatException($"{what}: {expectedBytes} bytes of typed data exceed one managed array.");
        var bytes = new byte[expectedBytes];
        switch ((OnnxType)type)
        {
            case OnnxType.Float:
                CheckCount(t.FloatData.Count, numel, "float_data", what);
                for (int i = 0; i < t.FloatData.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), t.FloatData[i]);
                break;
            case OnnxType.Complex64:
                CheckCount(t.FloatData.Count, 2 * numel, "float_data", what);
                for (int i = 0; i < t.FloatData.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), t.FloatData[i]);
                break;
            case OnnxType.Double:
                CheckCount(t.DoubleData.Count, numel, "double_data", what);
                for (int i = 0; i < t.DoubleData.Count; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), t.DoubleData[i]);
                break;
            case OnnxType.Complex128:
                CheckCount(t.DoubleData.Count, 2 * numel, "double_data", what);
                for (int i = 0; i < t.DoubleData.Count; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), t.DoubleData[i]);
                break;
            case OnnxType.Int64:
                CheckCount(t.Int64Data.Count, numel, "int64_data", what);
                for (int i = 0; i < t.Int64Data.Count; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), t.Int64Data[i]);
                break;
            case OnnxType.Uint64:
                CheckCount(t.Uint64Data.Count, numel, "uint64_data", what);
                for (int i = 0; i < t.Uint64Data.Count; i++) BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8 * i), t.Uint64Data[i]);
                break;
            case OnnxType.Uint32:
                CheckCount(t.Uint64Data.Count, numel, "uint64_data", what);
                for (int i = 0; i < t.Uint64Data.Count; i++)
                {
                    ulong v = t.Uint64Data[i];
                    if (v > uint.MaxValue) throw OutOfRange(what, "uint64_data", i, (long)Math.Min(v, long.MaxValue), "UINT32");
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), (uint)v);
                }
                break;
            case OnnxType.Int32:
                CheckCount(t.Int32Data.Count, numel, "int32_data", what);
                MemoryMarshal.AsBytes(t.Int32Data.ToArray().AsSpan()).CopyTo(bytes);
                break;
            case OnnxType.Int16: Narrow16(t, numel, bytes, what, short.MinValue, short.MaxValue); break;
            case OnnxType.Uint16 or OnnxType.Float16 or OnnxType.Bfloat16: Narrow16(t, numel, bytes, what, 0, ushort.MaxValue); break;
            case OnnxType.Int8: Narrow8(t, numel, bytes, what, sbyte.MinValue, sbyte.MaxValue); break;
            case OnnxType.Bool:
                CheckCount(t.Int32Data.Count, numel, "int32_data", what);
                for (int i = 0; i < t.Int32Data.Count; i++) bytes[i] = t.Int32Data[i] != 0 ? (byte)1 : (byte)0;
                break;
            default:
                // UINT8, FLOAT8* (one byte each) and the packed 4-/2-bit types (one packed byte per entry).
                Narrow8(t, expectedBytes, bytes, what, 0, byte.MaxValue);
                break;
        }
        return bytes;
    }

    private static void Narrow16(TensorProto t, long numel, byte[] bytes, string what, int min, int max)
    {
        CheckCount(t.Int32Data.Count, numel, "int32_data", what);
        for (int i = 0; i < t.Int32Data.Count; i++)
        {
            int v = t.Int32Data[i];
            if (v < min || v > max) throw OutOfRange(what, "int32_data", i, v, OnnxDataTypes.Name(t.DataType));
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)v);
        }
    }

    private static void Narrow8(TensorProto t, long count, byte[] bytes, string what, int min, int max)
    {
        CheckCount(t.Int32Data.Count, count, "int32_data", what);
        for (int i = 0; i < t.Int32Data.Count; i++)
        {
            int v = t.Int32Data[i];
            if (v < min || v > max) throw OutOfRange(what, "int32_data", i, v, OnnxDataTypes.Name(t.DataType));
            bytes[i] = (byte)v;
        }
    }

    private static void CheckCount(int have, long want, string field, string what)
    {
        if (have != want)
            throw new ModelFormatException($"{what}: {field} holds {have} values, expected {want}.");
    }

    private static ModelFormatException OutOfRange(string what, string field, int index, long value, string type) =>
        new($"{what}: {field}[{index}] = {value} is out of range for {type}.");
}
