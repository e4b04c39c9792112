using DeepSeek.Onnx.Protobuf;
using Google.Protobuf;

namespace DeepSeek.Onnx;

/// <summary>
/// TensorProto ⇄ <see cref="Tensor"/>. Reading accepts every layout the ONNX spec allows for the element types
/// DeepSeek has (FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8, UINT8, INT16, INT32, INT64, BOOL): raw_data
/// (little-endian), the typed fields, and external data streamed straight into tensor memory (so tensors over
/// 2 GB never pass through one managed array). Writing produces raw_data, or external data for large tensors.
/// Other element types throw <see cref="UnsupportedDataTypeException"/> naming the tensor and the type.
/// </summary>
public static class TensorProtoConverter
{
    /// <summary>Bytes moved per step when streaming external data (keeps buffers small for multi-GB tensors).</summary>
    internal const int ChunkBytes = 1 << 24;

    /// <summary>
    /// Converts <paramref name="proto"/> to a new contiguous tensor on <paramref name="device"/> (CPU by default).
    /// External data is read from <paramref name="externalDataDirectory"/> (the model's directory), with the
    /// checks of <see cref="ExternalData.Resolve"/>.
    /// </summary>
    /// <exception cref="UnsupportedDataTypeException">The element type has no DeepSeek dtype, or the tensor is segmented.</exception>
    /// <exception cref="ModelFormatException">Dims, data length or external entries do not agree with the spec.</exception>
    public static Tensor ToTensor(TensorProto proto, string? externalDataDirectory = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(proto);
        const string source = "TensorProtoConverter.ToTensor";
        string name = string.IsNullOrEmpty(proto.Name) ? "<unnamed>" : proto.Name;
        if (!proto.HasDataType || proto.DataType == 0)
            throw new ModelFormatException($"{source}: tensor '{name}' has no data_type (field 2).");
        if (proto.Segment is not null)
            throw new UnsupportedDataTypeException($"{source}: tensor '{name}' is one segment [{proto.Segment.Begin}, {proto.Segment.End}) of a split tensor; segmented tensors are not supported.");
        var dtype = OnnxDataTypes.ToDType(proto.DataType, name);
        var shape = ToShape(proto, source);
        long numel = shape.Numel;
        long bytes = numel * dtype.SizeOf();

        var result = Tensor.Empty(shape, dtype, device);
        try
        {
            if (ExternalData.IsExternal(proto))
            {
                if (externalDataDirectory is null)
                    throw new ArgumentException(
                        $"{source}: tensor '{name}' keeps its data in an external file; pass the model's directory as externalDataDirectory.", nameof(externalDataDirectory));
                var info = ExternalData.Resolve(proto, externalDataDirectory, source);
                StreamInto(result, info, dtype == DType.Bool);
            }
            else if (proto.HasRawData)
            {
                if (proto.RawData.Length != bytes)
                    throw new ModelFormatException(
                        $"{source}: tensor '{name}' raw_data holds {proto.RawData.Length} bytes, dims [{string.Join(", ", proto.Dims)}] of {OnnxDataTypes.Name(proto.DataType)} need {bytes}.");
                CopyInto(result, proto.RawData.Span, dtype == DType.Bool);
            }
            else
            {
                CopyInto(result, RawData.FromTypedFields(proto, numel, source), normalizeBool: false);
            }
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>The tensor's dims as a <see cref="Shape"/>, with range checks.</summary>
    internal static Shape ToShape(TensorProto proto, string source)
    {
        ProtoWalk.Numel(proto, source);
        var dims = new int[proto.Dims.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            long d = proto.Dims[i];
            if (d > int.MaxValue)
                throw new ModelFormatException($"{source}: tensor '{proto.Name}' dimension {i} is {d}, above DeepSeek's per-dimension limit {int.MaxValue}.");
            dims[i] = (int)d;
        }
        return dims.Length == 0 ? Shape.Scalar : new Shape(dims);
    }

    /// <summary>
    /// Converts <paramref name="tensor"/> (any layout or view) to a TensorProto named <paramref name="name"/>
    /// holding its bytes in raw_data. Tensors over the CLR's array limit must be written with
    /// <see cref="ToExternalTensorProto"/>.
    /// </summary>
    public static TensorProto ToTensorProto(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(name);
        if (tensor.IsDisposed) throw new TensorDisposedException($"ToTensorProto: tensor '{name}' was disposed.");
        long bytes = tensor.Numel * tensor.DType.SizeOf();
        if (bytes > Array.MaxLength)
            throw new InvalidOperationException(
                $"ToTensorProto: tensor '{name}' of shape {tensor.Shape} holds {bytes} bytes, more than one protobuf field can; use ToExternalTensorProto.");
        var proto = NewHeader(tensor, name);
        var raw = new byte[bytes];
        if (bytes > 0)
        {
            using (Tensor.NoGrad())
            using (var c = tensor.Contiguous())
                c.Backend.CopyToHost(c, raw);
        }
        proto.RawData = UnsafeByteOperations.UnsafeWrap(raw);
        return proto;
    }

    /// <summary>
    /// Writes the tensor's bytes (little-endian, row-major) to <paramref name="data"/> at its current position and
    /// returns a TensorProto that refers to them as external data in file <paramref name="location"/> (relative
    /// to the model's directory). Streams in chunks, so any size works.
    /// </summary>
    public static TensorProto ToExternalTensorProto(Tensor tensor, string name, Stream data, string location)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(location);
        if (tensor.IsDisposed) throw new TensorDisposedException($"ToExternalTensorProto: tensor '{name}' was disposed.");
        var proto = NewHeader(tensor, name);
        long offset = data.Position;
        long numel = tensor.Numel;
        if (numel > 0)
        {
            int elem = tensor.DType.SizeOf();
            long perChunk = Math.Max(1, ChunkBytes / elem);
            var buffer = new byte[Math.Min(numel, perChunk) * elem];
            using (Tensor.NoGrad())
            using (var c = tensor.Contiguous())
            using (var flat = c.Reshape((int)numel))
            {
                for (long start = 0; start < numel; start += perChunk)
                {
                    long count = Math.Min(perChunk, numel - start);
                    using var part = flat.Narrow(0, start, count);
                    var span = buffer.AsSpan(0, (int)(count * elem));
                    part.Backend.CopyToHost(part, span);
                    data.Write(span);
                }
            }
        }
        ExternalData.MarkExternal(proto, location, offset, numel * tensor.DType.SizeOf());
        return proto;
    }

    private static TensorProto NewHeader(Tensor tensor, string name)
    {
        var proto = new TensorProto { Name = name, DataType = OnnxDataTypes.FromDType(tensor.DType) };
        foreach (int d in tensor.Shape.Dims) proto.Dims.Add(d);
        return proto;
    }

    /// <summary>Copies little-endian bytes into a contiguous tensor, chunk by chunk; bools are normalised to 0/1.</summary>
    private static void CopyInto(Tensor dst, ReadOnlySpan<byte> src, bool normalizeBool)
    {
        if (src.Length == 0) return;
        if (normalizeBool && src.ContainsAnyExcept((byte)0, (byte)1))
        {
            var fixedBytes = src.ToArray();
            NormalizeBools(fixedBytes);
            dst.Backend.CopyFromHost(fixedBytes, dst);
            return;
        }
        dst.Backend.CopyFromHost(src, dst);
    }

    private static void StreamInto(Tensor dst, ExternalDataInfo info, bool normalizeBool)
    {
        long numel = dst.Numel;
        if (numel == 0) return;
        int elem = dst.DType.SizeOf();
        long perChunk = Math.Max(1, ChunkBytes / elem);
        var buffer = new byte[Math.Min(numel, perChunk) * elem];
        using var fs = ExternalData.OpenRead(info);
        using var flat = dst.Reshape((int)numel);
        for (long start = 0; start < numel; start += perChunk)
        {
            long count = Math.Min(perChunk, numel - start);
            var span = buffer.AsSpan(0, (int)(count * elem));
            fs.ReadExactly(span);
            if (normalizeBool) NormalizeBools(span);
            using var part = flat.Narrow(0, start, count);
            part.Backend.CopyFromHost(span, part);
        }
    }

    private static void NormalizeBools(Span<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++) bytes[i] = bytes[i] != 0 ? (byte)1 : (byte)0;
    }
}
