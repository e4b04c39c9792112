// Lazy safetensors reader: validates the header once on open, then reads one tensor at a time with positional
// reads, so a checkpoint larger than memory can be loaded tensor by tensor (format: huggingface/safetensors).
using Microsoft.Win32.SafeHandles;

namespace DeepSeek.NN.Serialization;

/// <summary>
/// An open safetensors file whose tensors are read on demand. The header is parsed and validated by
/// <see cref="Open"/>; <see cref="Load"/> reads one tensor. Thread-safe for concurrent <see cref="Load"/> calls.
/// Dispose it to close the file.
/// </summary>
/// <example><code>
/// using var f = SafeTensorsFile.Open("model.safetensors");
/// foreach (var name in f.Names)
/// {
///     using var w = f.Load(name);
///     ...
/// }
/// </code></example>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly SafeTensorsHeader _header;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsFile(string path, SafeFileHandle handle, SafeTensorsHeader header)
    {
        Path = path;
        _handle = handle;
        _header = header;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Names = header.Tensors.Select(t => t.Name).ToArray();
    }

    /// <summary>Opens <paramref name="path"/> and validates its header; throws <see cref="ModelFormatException"/> on a malformed file.</summary>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            return new SafeTensorsFile(path, handle, SafeTensorsHeader.Read(handle, path));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>Tensor names in the order of their data in the file.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Every tensor's description, in the order of their data in the file.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors => _header.Tensors;

    /// <summary>The "__metadata__" string map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>True when the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The dtype, shape and location of tensor <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> if absent.</summary>
    public SafeTensorInfo Info(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out var info)) return info;
        var some = string.Join(", ", Names.Take(8).Select(n => $"\"{n}\"")) + (Names.Count > 8 ? ", ..." : "");
        throw new KeyNotFoundException($"safetensors file '{Path}' has no tensor named \"{name}\" (it has {Names.Count}: {some}).");
    }

    /// <summary>
    /// Reads tensor <paramref name="name"/> into a new contiguous tensor on <paramref name="device"/> (default CPU).
    /// The caller owns the result (it joins the current <see cref="TensorScope"/>, like any new tensor).
    /// </summary>
    public Tensor Load(string name, Device? device = null)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var info = Info(name);
        var t = Tensor.Empty(info.Shape, info.DType, device);
        try
        {
            TensorFileIO.Read(_handle, _header.DataStart + info.DataBegin, t, Path);
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();
}
