using System.Globalization;
using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx;

/// <summary>
/// Where the bytes of a tensor stored outside the model file lie: the resolved file, the byte offset and length.
/// Built by <see cref="ExternalData.Resolve"/>, which has already checked the path and the bounds.
/// </summary>
/// <param name="Location">The <c>location</c> entry as written in the model (relative to the model's directory).</param>
/// <param name="FullPath">The file's absolute path, inside the model's directory.</param>
/// <param name="Offset">Byte offset of the tensor's data in the file.</param>
/// <param name="Length">Byte length of the tensor's data.</param>
public readonly record struct ExternalDataInfo(string Location, string FullPath, long Offset, long Length);

/// <summary>
/// External tensor data as the ONNX spec defines it: a tensor with <c>data_location = EXTERNAL</c> keeps its
/// raw little-endian bytes in a file named by the <c>external_data</c> entry <c>location</c> (relative to the
/// model's directory), at <c>offset</c> (default 0) for <c>length</c> bytes (default: to the end of the file);
/// <c>checksum</c> is accepted and ignored. This is how models larger than protobuf's 2 GB message limit are stored.
/// </summary>
public static class ExternalData
{
    /// <summary>True when the tensor's data lives in an external file.</summary>
    public static bool IsExternal(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.HasDataLocation && tensor.DataLocation == TensorProto.Types.DataLocation.External;
    }

    /// <summary>
    /// Reads and checks a tensor's <c>external_data</c> entries against <paramref name="baseDirectory"/>: the
    /// location must be relative, stay inside that directory (no <c>..</c> escape, no symbolic link leading out),
    /// name an existing file, and <c>offset + length</c> must lie within it; the length must match the tensor's
    /// dims and element type. Any failure throws <see cref="ModelFormatException"/> naming
    /// <paramref name="source"/>, the tensor and the entry at fault.
    /// </summary>
    public static ExternalDataInfo Resolve(TensorProto tensor, string baseDirectory, string source)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(baseDirectory);
        string where = $"{source}: tensor '{tensor.Name}'";
        string? location = null;
        long offset = 0, length = -1;
        foreach (var e in tensor.ExternalData)
        {
            switch (e.Key)
            {
                case "location": location = e.Value; break;
                case "offset": offset = ParseLong(e.Value, "offset", where); break;
                case "length": length = ParseLong(e.Value, "length", where); break;
                default: break; // "checksum" and keys of newer specs carry nothing we need
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new ModelFormatException($"{where} has data_location EXTERNAL but no external_data entry 'location'.");
        if (Path.IsPathRooted(location) || location.Contains(':', StringComparison.Ordinal))
            throw new ModelFormatException($"{where}: external data location '{location}' is an absolute path; it must be relative to the model's directory.");

        string baseFull = Path.GetFullPath(baseDirectory);
        string prefix = baseFull.EndsWith(Path.DirectorySeparatorChar) ? baseFull : baseFull + Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine(baseFull, location));
        if (!full.StartsWith(prefix, StringComparison.Ordinal))
            throw new ModelFormatException($"{where}: external data location '{location}' escapes the model's directory '{baseFull}'.");
        var info = new FileInfo(full);
        if (!info.Exists)
            throw new ModelFormatException($"{where}: external data file '{location}' not found (looked for '{full}').");
        if (info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !Path.GetFullPath(target.FullName).StartsWith(prefix, StringComparison.Ordinal))
                throw new ModelFormatException($"{where}: external data file '{location}' is a symbolic link leading outside the model's directory '{baseFull}'.");
            info = new FileInfo(target.FullName);
        }

        long fileLength = info.Length;
        if (offset > fileLength)
            throw new ModelFormatException($"{where}: external data offset {offset} is past the end of '{location}' ({fileLength} bytes).");
        if (length < 0) length = fileLength - offset;
        if (length > fileLength - offset)
            throw new ModelFormatException($"{where}: external data [offset {offset}, length {length}] runs past the end of '{location}' ({fileLength} bytes).");

        long expected = OnnxDataTypes.RawByteCount(tensor.DataType, ProtoWalk.Numel(tensor, source));
        if (expected >= 0 && expected != length)
            throw new ModelFormatException(
                $"{where}: external data holds {length} bytes but dims [{string.Join(", ", tensor.Dims)}] of {OnnxDataTypes.Name(tensor.DataType)} need {expected}.");
        return new ExternalDataInfo(location, full, offset, length);
    }

    /// <summary>Reads the whole external range into a new array (only for ranges below the CLR's array limit).</summary>
    internal static byte[] ReadAll(ExternalDataInfo info, string what)
    {
        if (info.Length > Array.MaxLength)
            throw new ModelFormatException(
                $"{what}: external data of {info.Length} bytes cannot be held in one managed array; load the model with loadExternalData: false " +
                "and convert the tensor with TensorProtoConverter.ToTensor(tensor, modelDirectory), which streams it into tensor memory.");
        var bytes = new byte[info.Length];
        using var fs = OpenRead(info);
        fs.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Opens the external file positioned at the tensor's offset.</summary>
    internal static FileStream OpenRead(ExternalDataInfo info)
    {
        var fs = new FileStream(info.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        fs.Seek(info.Offset, SeekOrigin.Begin);
        return fs;
    }

    /// <summary>Sets the <c>external_data</c> entries and <c>data_location</c> of a tensor, clearing its inline data fields.</summary>
    internal static void MarkExternal(TensorProto tensor, string location, long offset, long length)
    {
        ClearData(tensor);
        tensor.ExternalData.Clear();
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(CultureInfo.InvariantCulture) });
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
    }

    /// <summary>Clears every inline data field of a tensor (raw_data and all typed fields).</summary>
    internal static void ClearData(TensorProto tensor)
    {
        tensor.ClearRawData();
        tensor.FloatData.Clear();
        tensor.Int32Data.Clear();
        tensor.StringData.Clear();
        tensor.Int64Data.Clear();
        tensor.DoubleData.Clear();
        tensor.Uint64Data.Clear();
    }

    private static long ParseLong(string text, string key, string where)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v))
            throw new ModelFormatException($"{where}: external_data '{key}' is '{text}', expected a non-negative integer.");
        return v;
    }
}
