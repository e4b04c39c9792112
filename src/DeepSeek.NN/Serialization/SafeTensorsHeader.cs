// Reads and validates a safetensors header: 8-byte little-endian length N, N bytes of UTF-8 JSON, then a data
// section that the tensors' data_offsets must tile exactly (no holes, no overlap, nothing left over), following
// the validation of the reference implementation (huggingface/safetensors, lib.rs `Metadata::validate`).
using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace DeepSeek.NN.Serialization;

/// <summary>Where one tensor lies in a safetensors file, and what it holds.</summary>
/// <param name="Name">Tensor name (the JSON key).</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimension sizes (rank 0 for a scalar).</param>
/// <param name="DataBegin">First byte, relative to the start of the data section.</param>
/// <param name="DataEnd">One past the last byte, relative to the start of the data section.</param>
public sealed record SafeTensorInfo(string Name, DType DType, Shape Shape, long DataBegin, long DataEnd)
{
    /// <summary>Bytes of data (numel × element size).</summary>
    public long ByteLength => DataEnd - DataBegin;
}

/// <summary>A parsed, validated header: entries in file order of their data, the metadata, and where data starts.</summary>
internal sealed record SafeTensorsHeader(IReadOnlyList<SafeTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata, long DataStart)
{
    /// <summary>Largest header accepted (as the reference reader: 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    /// <summary>Reads the header of the open file <paramref name="handle"/> and checks it against the file's length.</summary>
    public static SafeTensorsHeader Read(SafeFileHandle handle, string file)
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw Error(file, $"the file has {fileLength} bytes, too few for the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(handle, prefix, 0, file);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > (ulong)(fileLength - 8))
            throw Error(file, $"the header length field says {n} bytes but only {fileLength - 8} bytes follow it (truncated or not a safetensors file)");
        if (n > MaxHeaderBytes)
            throw Error(file, $"the header length {n} exceeds the {MaxHeaderBytes}-byte limit");
        var json = new byte[(int)n];
        ReadExactly(handle, json, 8, file);
        return Parse(json, file, fileLength - 8 - (long)n, 8 + (long)n);
    }

    /// <summary>Parses and validates header JSON; <paramref name="dataLength"/> is the size of the data section.</summary>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, string file, long dataLength, long dataStart)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
            throw Error(file, "the header does not start with '{' (not a safetensors file, or a corrupted header)");
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw Error(file, "the header is not valid UTF-8");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw Error(file, $"the header is not valid JSON ({e.Message})", e);
        }
        catch (ArgumentException e)
        {
            throw Error(file, $"the header is not valid UTF-8 JSON ({e.Message})", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Error(file, $"the header JSON is a {root.ValueKind}, expected an object");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var tensors = new List<SafeTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in root.EnumerateObject())
            {
                if (!seen.Add(prop.Name))
                    throw Error(file, $"the name \"{prop.Name}\" appears twice in the header");
                if (prop.Name == MetadataKey) ReadMetadata(prop.Value, file, metadata);
                else tensors.Add(ReadEntry(prop.Name, prop.Value, file));
            }
            CheckLayout(tensors, file, dataLength);
            tensors.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
            return new SafeTensorsHeader(tensors, metadata, dataStart);
        }
    }

    private static void ReadMetadata(JsonElement value, string file, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Error(file, $"\"{MetadataKey}\" is a {value.ValueKind}, expected an object of strings");
        foreach (var kv in value.EnumerateObject())
        {
            if (kv.Value.ValueKind != JsonValueKind.String)
                throw Error(file, $"\"{MetadataKey}\" entry \"{kv.Name}\" is a {kv.Value.ValueKind}, expected a string");
            if (!metadata.TryAdd(kv.Name, kv.Value.GetString()!))
                throw Error(file, $"\"{MetadataKey}\" has the key \"{kv.Name}\" twice");
        }
    }

    private static SafeTensorInfo ReadEntry(string name, JsonElement e, string file)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw Error(file, $"tensor \"{name}\" is described by a {e.ValueKind}, expected an object with dtype, shape and data_offsets");
        if (!e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw Error(file, $"tensor \"{name}\": field \"dtype\" is missing or not a string");
        string dtName = dt.GetString()!;
        if (!SafeTensorsDType.TryParse(dtName, out var dtype))
            throw Error(file, $"tensor \"{name}\": field \"dtype\": {SafeTensorsDType.Explain(dtName)}");

        if (!e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw Error(file, $"tensor \"{name}\": field \"shape\" is missing or not an array");
        var dims = new int[sh.GetArrayLength()];
        long numel = 1;
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v))
                throw Error(file, $"tensor \"{name}\": field \"shape\" entry {i} is {d.GetRawText()}, expected an integer");
            if (v < 0)
                throw Error(file, $"tensor \"{name}\": field \"shape\" has negative dimension {v} at index {i}");
            if (v > int.MaxValue)
                throw Error(file, $"tensor \"{name}\": field \"shape\" dimension {v} at index {i} exceeds {int.MaxValue}");
            dims[i++] = (int)v;
            numel = numel == 0 || v == 0 ? 0 : (numel > long.MaxValue / v ? -1 : numel * v);
            if (numel < 0) throw Error(file, $"tensor \"{name}\": field \"shape\" [{string.Join(", ", dims)}] has too many elements");
        }

        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Error(file, $"tensor \"{name}\": field \"data_offsets\" is missing or not an array [begin, end]");
        long begin = Offset(off[0], name, file), end = Offset(off[1], name, file);
        if (end < begin)
            throw Error(file, $"tensor \"{name}\": field \"data_offsets\" [{begin}, {end}] is out of order (end before begin)");
        long need = numel > long.MaxValue / dtype.SizeOf() ? -1 : numel * dtype.SizeOf();
        if (end - begin != need)
            throw Error(file, $"tensor \"{name}\": field \"data_offsets\" [{begin}, {end}] spans {end - begin} bytes, but dtype {dtName} × shape [{string.Join(", ", dims)}] needs {need}");
        return new SafeTensorInfo(name, dtype, new Shape(dims), begin, end);
    }

    private static long Offset(JsonElement v, string name, string file)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long x) || x < 0)
            throw Error(file, $"tensor \"{name}\": field \"data_offsets\" entry {v.GetRawText()} is not a non-negative integer");
        return x;
    }

    // The data section must be tiled exactly: sorted by offset, each tensor starts where the previous ended.
    private static void CheckLayout(List<SafeTensorInfo> tensors, string file, long dataLength)
    {
        var order = tensors.OrderBy(t => t.DataBegin).ThenBy(t => t.DataEnd).ToList();
        long cursor = 0;
        SafeTensorInfo? prev = null;
        foreach (var t in order)
        {
            if (t.DataBegin < cursor)
                throw Error(file, $"tensor \"{t.Name}\": field \"data_offsets\" [{t.DataBegin}, {t.DataEnd}] overlaps tensor \"{prev!.Name}\" [{prev.DataBegin}, {prev.DataEnd}]");
            if (t.DataBegin > cursor)
                throw Error(file, $"tensor \"{t.Name}\": field \"data_offsets\" [{t.DataBegin}, {t.DataEnd}] leaves a hole of {t.DataBegin - cursor} bytes after byte {cursor} of the data section");
            if (t.DataEnd > dataLength)
                throw Error(file, $"tensor \"{t.Name}\": field \"data_offsets\" [{t.DataBegin}, {t.DataEnd}] runs past the end of the data section ({dataLength} bytes); the file is truncated");
            cursor = t.DataEnd;
            prev = t;
        }
        if (cursor != dataLength)
            throw Error(file, $"the data section has {dataLength} bytes but the tensors cover {cursor}; {dataLength - cursor} trailing bytes belong to no tensor");
    }

    internal static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string file)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (n == 0) throw Error(file, $"unexpected end of file at byte {offset + done} (the file changed while reading?)");
            done += n;
        }
    }

    internal static ModelFormatException Error(string file, string what, Exception? inner = null)
    {
        var msg = $"safetensors file '{file}': {what}.";
        return inner is null ? new ModelFormatException(msg) : new ModelFormatException(msg, inner);
    }
}
