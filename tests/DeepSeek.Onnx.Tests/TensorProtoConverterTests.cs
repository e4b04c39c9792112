using System.Buffers.Binary;
using DeepSeek.Onnx.Protobuf;
using Google.Protobuf;
using DT = DeepSeek.Onnx.Protobuf.TensorProto.Types.DataType;

namespace DeepSeek.Onnx.Tests;

/// <summary>TensorProto → Tensor for each dtype, from raw_data and from the typed fields, and back.</summary>
public sealed class TensorProtoConverterTests
{
    private static TensorProto Header(DT type, params long[] dims)
    {
        var p = new TensorProto { Name = "t", DataType = (int)type };
        p.Dims.AddRange(dims);
        return p;
    }

    private static TensorProto Raw(DT type, byte[] raw, params long[] dims)
    {
        var p = Header(type, dims);
        p.RawData = ByteString.CopyFrom(raw);
        return p;
    }

    [Fact]
    public void FloatFromRawAndFloatData()
    {
        float[] v = [1.5f, -2.25f, 0f, float.PositiveInfinity, 3e-39f, -7f];
        var raw = new byte[24];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), v[i]);
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Float, raw, 2, 3)))
        {
            Assert.Equal(DType.F32, t.DType);
            Assert.Equal(new[] { 2, 3 }, t.Shape.ToArray());
            Assert.Equal(v, t.ToArray<float>());
        }
        var typed = Header(DT.Float, 3, 2);
        typed.FloatData.AddRange(v);
        using (var t = TensorProtoConverter.ToTensor(typed))
        {
            Assert.Equal(new[] { 3, 2 }, t.Shape.ToArray());
            Assert.Equal(v, t.ToArray<float>());
        }
    }

    [Fact]
    public void DoubleFromRawAndDoubleData()
    {
        double[] v = [Math.PI, -1e300, 0.5];
        var raw = new byte[24];
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteDoubleLittleEndian(raw.AsSpan(8 * i), v[i]);
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Double, raw, 3)))
            Assert.Equal(v, t.ToArray<double>());
        var typed = Header(DT.Double, 3);
        typed.DoubleData.AddRange(v);
        using (var t = TensorProtoConverter.ToTensor(typed))
        {
            Assert.Equal(DType.F64, t.DType);
            Assert.Equal(v, t.ToArray<double>());
        }
    }

    [Fact]
    public void Float16FromRawAndInt32BitPatterns()
    {
        // 1.0 = 0x3C00, -2.0 = 0xC000, 0.333 ~ 0x3555, +inf = 0x7C00
        ushort[] bits = [0x3C00, 0xC000, 0x3555, 0x7C00];
        byte[] raw = [0x00, 0x3C, 0x00, 0xC0, 0x55, 0x35, 0x00, 0x7C];
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Float16, raw, 4)))
        {
            Assert.Equal(DType.F16, t.DType);
            Assert.Equal(bits, t.ToArray<Half>().Select(BitConverter.HalfToUInt16Bits).ToArray());
            Assert.Equal(new[] { 1.0, -2.0, 0.333251953125, double.PositiveInfinity }, t.ToDoubleArray());
        }
        var typed = Header(DT.Float16, 2, 2);
        typed.Int32Data.AddRange(bits.Select(b => (int)b));
        using (var t = TensorProtoConverter.ToTensor(typed))
            Assert.Equal(bits, t.ToArray<Half>().Select(BitConverter.HalfToUInt16Bits).ToArray());
    }

    [Fact]
    public void BFloat16FromRawAndInt32BitPatterns()
    {
        // 1.0 = 0x3F80, -3.0 = 0xC040, 0.5 = 0x3F00
        ushort[] bits = [0x3F80, 0xC040, 0x3F00];
        byte[] raw = [0x80, 0x3F, 0x40, 0xC0, 0x00, 0x3F];
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Bfloat16, raw, 3)))
        {
            Assert.Equal(DType.BF16, t.DType);
            Assert.Equal(new[] { 1.0, -3.0, 0.5 }, t.ToDoubleArray());
        }
        var typed = Header(DT.Bfloat16, 3);
        typed.Int32Data.AddRange(bits.Select(b => (int)b));
        using (var t = TensorProtoConverter.ToTensor(typed))
            Assert.Equal(bits, t.ToArray<BFloat16>().Select(b => b.Bits).ToArray());
    }

    [Fact]
    public void SmallIntegersFromRawAndInt32Data()
    {
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Int8, [0x7F, 0x80, 0xFF, 0x05], 4)))
            Assert.Equal(new sbyte[] { 127, -128, -1, 5 }, t.ToArray<sbyte>());
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Uint8, [0x7F, 0x80, 0xFF], 3)))
            Assert.Equal(new byte[] { 127, 128, 255 }, t.ToArray<byte>());
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Int16, [0x01, 0x80, 0xFF, 0x7F], 2)))
            Assert.Equal(new short[] { -32767, 32767 }, t.ToArray<short>());

        var i8 = Header(DT.Int8, 3);
        i8.Int32Data.AddRange([-128, 0, 127]);
        using (var t = TensorProtoConverter.ToTensor(i8)) Assert.Equal(new sbyte[] { -128, 0, 127 }, t.ToArray<sbyte>());
        var u8 = Header(DT.Uint8, 2);
        u8.Int32Data.AddRange([0, 255]);
        using (var t = TensorProtoConverter.ToTensor(u8)) Assert.Equal(new byte[] { 0, 255 }, t.ToArray<byte>());
        var i16 = Header(DT.Int16, 2);
        i16.Int32Data.AddRange([-32768, 1234]);
        using (var t = TensorProtoConverter.ToTensor(i16)) Assert.Equal(new short[] { -32768, 1234 }, t.ToArray<short>());
    }

    [Fact]
    public void Int32AndInt64FromRawAndTypedFields()
    {
        var raw32 = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(raw32, int.MinValue);
        BinaryPrimitives.WriteInt32LittleEndian(raw32.AsSpan(4), 42);
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Int32, raw32, 2)))
            Assert.Equal(new[] { int.MinValue, 42 }, t.ToArray<int>());
        var i32 = Header(DT.Int32, 1, 3);
        i32.Int32Data.AddRange([-1, 0, int.MaxValue]);
        using (var t = TensorProtoConverter.ToTensor(i32)) Assert.Equal(new[] { -1, 0, int.MaxValue }, t.ToArray<int>());

        var raw64 = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(raw64, long.MinValue);
        BinaryPrimitives.WriteInt64LittleEndian(raw64.AsSpan(8), 1L << 40);
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Int64, raw64, 2)))
            Assert.Equal(new[] { long.MinValue, 1L << 40 }, t.ToArray<long>());
        var i64 = Header(DT.Int64, 2);
        i64.Int64Data.AddRange([-5L, long.MaxValue]);
        using (var t = TensorProtoConverter.ToTensor(i64)) Assert.Equal(new[] { -5L, long.MaxValue }, t.ToArray<long>());
    }

    [Fact]
    public void BoolFromRawAndInt32DataNormalisesToZeroOne()
    {
        using (var t = TensorProtoConverter.ToTensor(Raw(DT.Bool, [1, 0, 2, 0xFF], 4)))
        {
            Assert.Equal(DType.Bool, t.DType);
            Assert.Equal(new[] { true, false, true, true }, t.ToArray<bool>());
            Assert.Equal(new[] { 1.0, 0, 1, 1 }, t.ToDoubleArray());
        }
        var typed = Header(DT.Bool, 3);
        typed.Int32Data.AddRange([0, 1, 7]);
        using (var t = TensorProtoConverter.ToTensor(typed)) Assert.Equal(new[] { false, true, true }, t.ToArray<bool>());
    }

    [Fact]
    public void ScalarAndEmptyTensors()
    {
        var scalar = Header(DT.Float);
        scalar.FloatData.Add(2.5f);
        using (var t = TensorProtoConverter.ToTensor(scalar))
        {
            Assert.Equal(0, t.Rank);
            Assert.Equal(2.5f, t.Item<float>());
        }
        using (var t = TensorProtoConverter.ToTensor(Header(DT.Int64, 0, 3)))
        {
            Assert.Equal(new[] { 0, 3 }, t.Shape.ToArray());
            Assert.Equal(0, t.Numel);
        }
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.I8)]
    [InlineData(DType.U8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    [InlineData(DType.Bool)]
    public void TensorToProtoAndBackIsExactIncludingViews(DType dtype)
    {
        using var scope = Tensor.NewScope();
        using var src = Tensor.RandN(new Shape(4, 6), new Generator(7), std: 20);
        using var typed = src.To(dtype);
        using var view = typed.Transpose(0, 1).Slice(0, 0, 6, 2); // [3, 4], non-contiguous
        var proto = TensorProtoConverter.ToTensorProto(view, "w");
        Assert.Equal("w", proto.Name);
        Assert.Equal(OnnxDataTypes.FromDType(dtype), proto.DataType);
        Assert.Equal(new long[] { 3, 4 }, proto.Dims.ToArray());
        Assert.Equal(12 * dtype.SizeOf(), proto.RawData.Length);
        using var back = TensorProtoConverter.ToTensor(TensorProto.Parser.ParseFrom(proto.ToByteArray()));
        Assert.Equal(dtype, back.DType);
        Assert.Equal(new[] { 3, 4 }, back.Shape.ToArray());
        Assert.Equal(view.ToDoubleArray(), back.ToDoubleArray());
    }

    [Fact]
    public void UnsupportedTypesNameTensorAndType()
    {
        foreach (var type in new[] { DT.String, DT.Uint16, DT.Uint32, DT.Uint64, DT.Float8E4M3Fn, DT.Float8E5M2, DT.Int4, DT.Uint4, DT.Float4E2M1, DT.Complex64, DT.Complex128 })
        {
            var p = Header(type, 1);
            p.Name = "weird";
            var e = Assert.Throws<UnsupportedDataTypeException>(() => TensorProtoConverter.ToTensor(p));
            Assert.Contains("'weird'", e.Message, StringComparison.Ordinal);
            Assert.Contains(type.ToString().ToUpperInvariant(), e.Message.Replace("_", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Equal((int)type, e.DataType);
            Assert.IsAssignableFrom<NotSupportedException>(e);
        }
    }

    [Fact]
    public void MalformedDataIsRejectedWithModelFormatException()
    {
        var shortRaw = Raw(DT.Float, new byte[10], 3);
        var e1 = Assert.Throws<ModelFormatException>(() => TensorProtoConverter.ToTensor(shortRaw));
        Assert.Contains("raw_data holds 10 bytes", e1.Message, StringComparison.Ordinal);
        Assert.Contains("need 12", e1.Message, StringComparison.Ordinal);

        var fewFloats = Header(DT.Float, 2, 2);
        fewFloats.FloatData.AddRange([1f, 2f, 3f]);
        var e2 = Assert.Throws<ModelFormatException>(() => TensorProtoConverter.ToTensor(fewFloats));
        Assert.Contains("float_data holds 3 values, expected 4", e2.Message, StringComparison.Ordinal);

        var badI8 = Header(DT.Int8, 1);
        badI8.Int32Data.Add(300);
        Assert.Contains("out of range for INT8", Assert.Throws<ModelFormatException>(() => TensorProtoConverter.ToTensor(badI8)).Message, StringComparison.Ordinal);

        Assert.Contains("negative dimension", Assert.Throws<ModelFormatException>(() => TensorProtoConverter.ToTensor(Header(DT.Float, 2, -1))).Message, StringComparison.Ordinal);
        Assert.Contains("no data_type", Assert.Throws<ModelFormatException>(() => TensorProtoConverter.ToTensor(new TensorProto { Name = "x" })).Message, StringComparison.Ordinal);

        var seg = Header(DT.Float, 1);
        seg.FloatData.Add(1);
        seg.Segment = new TensorProto.Types.Segment { Begin = 0, End = 1 };
        Assert.Throws<UnsupportedDataTypeException>(() => TensorProtoConverter.ToTensor(seg));
    }

    [Fact]
    public void DisposedTensorCannotBeExported()
    {
        var t = Tensor.Ones(2);
        t.Dispose();
        Assert.Throws<TensorDisposedException>(() => TensorProtoConverter.ToTensorProto(t, "gone"));
    }
}
