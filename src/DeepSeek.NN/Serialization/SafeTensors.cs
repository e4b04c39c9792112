// safetensors save/load (huggingface/safetensors format): u64 little-endian header length N, N bytes of UTF-8 JSON
// {name: {dtype, shape, data_offsets}, "__metadata__": {..}} padded with spaces to a multiple of 8, then raw
// little-endian row-major data. Tensors are written sorted by name; files are written to a temp file and renamed.
using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace DeepSeek.NN.Serialization;

/// <summary>Reads and writes the Hugging Face safetensors weight format.</summary>
public static class SafeTensors
{
    /// <summary>
    /// Writes <paramref name="tensors"/> (any layout, any device, dtypes F64/F32/F16/BF16/I64/I32/I16/I8/U8/Bool) and optional
    /// string <paramref name="metadata"/> to <paramref name="path"/>. Tensors are stored in ordinal name order. The file is
    /// written beside the target under a temporary name and renamed into place, so a crash never leaves a half-written file.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var names = tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        foreach (var name in names)
        {
            if (name == SafeTensorsHeader.MetadataKey)
                throw new ArgumentException($"SafeTensors.Save: \"{SafeTensorsHeader.MetadataKey}\" is reserved for metadata and cannot name a tensor.", nameof(tensors));
            var t = tensors[name] ?? throw new ArgumentNullException(nameof(tensors), $"SafeTensors.Save: tensor \"{name}\" is null.");
            if (t.IsDisposed)
                throw new TensorDisposedException($"SafeTensors.Save: tensor \"{name}\" was used after Dispose() (or after its scope ended).");
        }
        var header = BuildHeader(names, tensors, metadata);

        string full = System.IO.Path.GetFullPath(path);
        string tmp = full + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
                fs.Write(len);
                fs.Write(header);
                foreach (var name in names) TensorFileIO.Write(tensors[name], fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The header bytes (JSON padded with spaces to a multiple of 8) for tensors stored in <paramref name="names"/> order.</summary>
    internal static byte[] BuildHeader(string[] names, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var kv in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    w.WriteString(kv.Key, kv.Value ?? throw new ArgumentNullException(nameof(metadata), $"SafeTensors.Save: metadata value for \"{kv.Key}\" is null."));
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var name in names)
            {
                var t = tensors[name];
                long bytes = t.Numel * t.DType.SizeOf();
                w.WriteStartObject(name);
                w.WriteString("dtype", SafeTensorsDType.ToName(t.DType));
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int n = buffer.WrittenCount;
        int padded = (n + 7) / 8 * 8;
        var result = new byte[padded];
        buffer.WrittenSpan.CopyTo(result);
        result.AsSpan(n).Fill((byte)' ');
        return result;
    }

    /// <summary>
    /// Reads every tensor of <paramref name="path"/> onto <paramref name="device"/> (default CPU). The caller owns the tensors
    /// (they join the current <see cref="TensorScope"/>, like any new tensor). Throws <see cref="ModelFormatException"/> naming
    /// the file, tensor and field when the file is malformed.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null)
    {
        using var file = SafeTensorsFile.Open(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var name in file.Names) result.Add(name, file.Load(name, device));
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>The "__metadata__" map of <paramref name="path"/> (empty when absent); validates the header but reads no tensor data.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Metadata;
    }
}
