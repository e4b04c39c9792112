using DeepSeek.Onnx.Protobuf;
using Google.Protobuf;

namespace DeepSeek.Onnx;

/// <summary>
/// Reads and writes ONNX model files (a serialized <see cref="ModelProto"/>). Protobuf messages — and so model
/// files — are limited to 2 GB; larger models keep their big tensors in external data files
/// (<see cref="ExternalData"/>), which <see cref="SaveWithExternalData"/> writes and <see cref="Load(string, bool)"/>
/// reads. Malformed input throws <see cref="ModelFormatException"/> naming the file and the fault.
/// </summary>
public static class OnnxModelFile
{
    /// <summary>Largest serialized protobuf message, in bytes (2 GB - 1).</summary>
    public const long MaxProtobufBytes = int.MaxValue;

    /// <summary>Nesting depth allowed while parsing (sub-graphs inside attributes nest messages).</summary>
    public const int RecursionLimit = 200;

    /// <summary>
    /// Loads the model at <paramref name="path"/>. With <paramref name="loadExternalData"/> (the default) the
    /// bytes of external tensors are read into their raw_data and the tensors become ordinary inline tensors;
    /// without it they stay references (checked for path safety and bounds) that
    /// <see cref="TensorProtoConverter.ToTensor"/> streams from the model's directory, which suits tensors over 2 GB.
    /// </summary>
    public static ModelProto Load(string path, bool loadExternalData = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"ONNX model file '{path}' not found.", full);
        long length = new FileInfo(full).Length;
        if (length > MaxProtobufBytes)
            throw new ModelFormatException(
                $"{path}: the file is {length} bytes, over protobuf's 2 GB message limit; models this large must keep their tensors in external data files (save them with OnnxModelFile.SaveWithExternalData).");
        using var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Load(fs, Path.GetDirectoryName(full), loadExternalData, path);
    }

    /// <summary>
    /// Loads a model from <paramref name="stream"/>. External data is resolved relative to
    /// <paramref name="baseDirectory"/>; when it is null a model with external tensors fails to load (with
    /// <paramref name="loadExternalData"/>) or keeps them unresolved (without). <paramref name="sourceName"/> names
    /// the input in error messages.
    /// </summary>
    public static ModelProto Load(Stream stream, string? baseDirectory = null, bool loadExternalData = true, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        string source = sourceName ?? "<stream>";
        var model = Parse(ModelProto.Parser, stream, source);
        Validate(model, source);
        foreach (var t in ProtoWalk.Tensors(model))
        {
            if (!ExternalData.IsExternal(t)) continue;
            if (baseDirectory is null)
            {
                if (loadExternalData)
                    throw new ModelFormatException($"{source}: tensor '{t.Name}' has external data but the model was read from a stream with no base directory.");
                continue;
            }
            var info = ExternalData.Resolve(t, baseDirectory, source);
            if (!loadExternalData) continue;
            var bytes = ExternalData.ReadAll(info, $"{source}: tensor '{t.Name}'");
            t.ExternalData.Clear();
            t.ClearDataLocation();
            t.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        }
        return model;
    }

    /// <summary>Parses a serialized <see cref="TensorProto"/> file (the backend test suite's <c>.pb</c> values).</summary>
    public static TensorProto LoadTensor(string path) => LoadMessage(TensorProto.Parser, path);

    /// <summary>Parses a serialized message of type <typeparamref name="T"/> from a file, wrapping protobuf errors in <see cref="ModelFormatException"/>.</summary>
    public static T LoadMessage<T>(MessageParser<T> parser, string path) where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Protobuf file '{path}' not found.", path);
        using var fs = File.OpenRead(path);
        return Parse(parser, fs, path);
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> as one protobuf file (inline tensors only up to 2 GB in total).</summary>
    public static void Save(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckFitsOneMessage(model, path);
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        model.WriteTo(fs);
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/> (inline tensors only up to 2 GB in total).</summary>
    public static void Save(ModelProto model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        CheckFitsOneMessage(model, "<stream>");
        model.WriteTo(stream);
    }

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="path"/> with every tensor of at least
    /// <paramref name="sizeThreshold"/> bytes (initializers, tensor attributes, sub-graph and function tensors) moved
    /// to one external data file beside it, <paramref name="dataFileName"/> (default: the model's file name +
    /// ".data"), each aligned to 4096 bytes. The model passed in is not modified. Tensors that are already external
    /// are copied from <paramref name="externalDataSourceDirectory"/> (the directory they were loaded from), in chunks.
    /// </summary>
    public static void SaveWithExternalData(ModelProto model, string path, long sizeThreshold = 1024, string? dataFileName = null, string? externalDataSourceDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeThreshold);
        dataFileName ??= Path.GetFileName(path) + ".data";
        if (dataFileName.Length == 0 || Path.GetFileName(dataFileName) != dataFileName || dataFileName is "." or "..")
            throw new ArgumentException($"SaveWithExternalData: data file name '{dataFileName}' must be a plain file name (no directories).", nameof(dataFileName));
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var copy = model.Clone();
        const string source = "SaveWithExternalData";
        using (var data = new FileStream(Path.Combine(dir, dataFileName), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            foreach (var t in ProtoWalk.Tensors(copy))
            {
                if (ExternalData.IsExternal(t))
                {
                    if (externalDataSourceDirectory is null)
                        throw new InvalidOperationException($"{source}: tensor '{t.Name}' is already external; pass the directory it was loaded from as externalDataSourceDirectory.");
                    var info = ExternalData.Resolve(t, externalDataSourceDirectory, source);
                    long offset = Align(data);
                    using (var src = ExternalData.OpenRead(info)) CopyRange(src, data, info.Length);
                    ExternalData.MarkExternal(t, dataFileName, offset, info.Length);
                    continue;
                }
                long inline = InlineBytes(t);
                if (inline < sizeThreshold || inline == 0 || t.DataType == (int)TensorProto.Types.DataType.String) continue;
                ReadOnlySpan<byte> bytes = t.HasRawData ? t.RawData.Span : RawData.FromTypedFields(t, ProtoWalk.Numel(t, source), source);
                long start = Align(data);
                data.Write(bytes);
                ExternalData.MarkExternal(t, dataFileName, start, bytes.Length);
            }
        }
        Save(copy, path);
    }

    /// <summary>Parses one message, turning protobuf errors into <see cref="ModelFormatException"/> that name <paramref name="source"/>.</summary>
    internal static T Parse<T>(MessageParser<T> parser, Stream stream, string source) where T : IMessage<T>
    {
        try
        {
            // Not disposed: disposing a CodedInputStream closes the caller's stream.
            var input = CodedInputStream.CreateWithLimits(stream, int.MaxValue, RecursionLimit);
            return parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelFormatException($"{source}: not a valid {typeof(T).Name} (protobuf): {e.Message}", e);
        }
    }

    /// <summary>Structural checks that a parsed message really is an ONNX model (random bytes can parse as unknown fields).</summary>
    internal static void Validate(ModelProto model, string source)
    {
        if (!model.HasIrVersion || model.IrVersion < 1)
            throw new ModelFormatException($"{source}: no ir_version (ModelProto field 1); the file is not an ONNX model or is truncated.");
        if (model.Graph is null)
            throw new ModelFormatException($"{source}: no graph (ModelProto field 7); the file is not an ONNX model or is truncated.");
        if (model.IrVersion >= 3 && model.OpsetImport.Count == 0)
            throw new ModelFormatException($"{source}: ir_version {model.IrVersion} requires opset_import entries (ModelProto field 8), found none.");
        ValidateGraph(model.Graph, source, "graph");
        foreach (var f in model.Functions)
            ValidateNodes(f.Node, source, $"function '{f.Domain}.{f.Name}'");
    }

    private static void ValidateGraph(GraphProto graph, string source, string path)
    {
        ValidateNodes(graph.Node, source, path);
        foreach (var t in graph.Initializer)
            if (!t.HasName || t.Name.Length == 0)
                throw new ModelFormatException($"{source}: {path} has an initializer without a name.");
    }

    private static void ValidateNodes(IEnumerable<NodeProto> nodes, string source, string path)
    {
        int i = 0;
        foreach (var n in nodes)
        {
            if (string.IsNullOrEmpty(n.OpType))
                throw new ModelFormatException($"{source}: {path} node {i} ('{n.Name}') has no op_type.");
            foreach (var a in n.Attribute)
            {
                if (string.IsNullOrEmpty(a.Name))
                    throw new ModelFormatException($"{source}: {path} node {i} ({n.OpType} '{n.Name}') has an attribute without a name.");
                if (a.G is not null) ValidateGraph(a.G, source, $"{path}/{n.OpType}.{a.Name}");
                foreach (var g in a.Graphs) ValidateGraph(g, source, $"{path}/{n.OpType}.{a.Name}[]");
            }
            i++;
        }
    }

    /// <summary>Inline tensor bytes above which <see cref="Save(ModelProto, string)"/> refuses (headroom left for the graph itself).</summary>
    internal const long InlineTensorLimit = MaxProtobufBytes - (64L << 20);

    internal static void CheckFitsOneMessage(ModelProto model, string target, long limit = InlineTensorLimit)
    {
        long inline = 0;
        foreach (var t in ProtoWalk.Tensors(model)) inline += InlineBytes(t);
        if (inline > limit)
            throw new InvalidOperationException(
                $"Save {target}: the model holds {inline} bytes of inline tensor data, too close to protobuf's 2 GB message limit; use OnnxModelFile.SaveWithExternalData.");
    }

    /// <summary>Bytes of data a tensor holds inline (raw_data or typed fields).</summary>
    internal static long InlineBytes(TensorProto t) =>
        t.RawData.Length + 4L * t.FloatData.Count + 4L * t.Int32Data.Count + 8L * t.Int64Data.Count
        + 8L * t.DoubleData.Count + 8L * t.Uint64Data.Count + t.StringData.Sum(s => (long)s.Length);

    private static long Align(FileStream data)
    {
        const int alignment = 4096;
        long pos = data.Position;
        long pad = (alignment - pos % alignment) % alignment;
        if (pad > 0) data.Write(new byte[pad]);
        return data.Position;
    }

    private static void CopyRange(Stream src, Stream dst, long length)
    {
        var buffer = new byte[(int)Math.Min(length, TensorProtoConverter.ChunkBytes)];
        while (length > 0)
        {
            int n = (int)Math.Min(buffer.Length, length);
            src.ReadExactly(buffer, 0, n);
            dst.Write(buffer, 0, n);
            length -= n;
        }
    }
}
