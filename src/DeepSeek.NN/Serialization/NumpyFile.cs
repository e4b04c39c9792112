// NumPy's .npy format (numpy.lib.format, versions 1.0–3.0): the magic "\x93NUMPY", a version, a little-endian header
// length (2 bytes in 1.0, 4 in 2.0/3.0), then an ASCII Python-dict header {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), } padded with spaces to 64 bytes, then the raw elements in C order.
using System.Globalization;
using System.Text;

namespace DeepSeek.NN.Serialization;

/// <summary>Reads and writes single tensors as NumPy <c>.npy</c> files (C order, little-endian).</summary>
public static class NumpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Loads the tensor stored in <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">The file is not a C-order .npy file of a supported dtype.</exception>
    public static Tensor Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads one .npy tensor from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static Tensor Read(Stream stream, string source = "<stream>")
    {
        Span<byte> head = stackalloc byte[10];
        ReadExactly(stream, head[..8], source, "the magic and version");
        if (!head[..6].SequenceEqual(Magic))
            throw new DataFormatException($"{source}: not a .npy file (it does not start with \\x93NUMPY).");
        int major = head[6];
        int headerLength;
        if (major == 1)
        {
            ReadExactly(stream, head[..2], source, "the header length");
            headerLength = head[0] | head[1] << 8;
        }
        else if (major is 2 or 3)
        {
            ReadExactly(stream, head[..4], source, "the header length");
            headerLength = BitConverter.ToInt32(head[..4]);
        }
        else throw new DataFormatException($"{source}: .npy format version {major}.{head[7]} is not supported (1.0, 2.0 and 3.0 are).");
        if (headerLength <= 0 || headerLength > 1 << 20)
            throw new DataFormatException($"{source}: .npy header length {headerLength} is out of range.");
        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, source, "the header");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (dtype, fortran, shape) = ParseHeader(header, source);
        if (fortran)
            throw new DataFormatException($"{source}: Fortran-order arrays are not supported; save with numpy.ascontiguousarray first.");
        var tensor = Tensor.Empty(new Shape(shape), dtype);
        try
        {
            long bytes = tensor.Numel * dtype.SizeOf();
            var buffer = new byte[(int)Math.Min(bytes, 8 << 20)];
            using var flat = tensor.Reshape(-1);
            long perChunk = buffer.Length / dtype.SizeOf();
            for (long start = 0; start < tensor.Numel; start += perChunk)
            {
                long len = Math.Min(perChunk, tensor.Numel - start);
                var span = buffer.AsSpan(0, (int)(len * dtype.SizeOf()));
                ReadExactly(stream, span, source, $"the data ({bytes} bytes for {dtype.Name()}[{string.Join(", ", shape)}])");
                using var part = flat.Narrow(0, start, len);
                part.Backend.CopyFromHost(span, part);
            }
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Saves <paramref name="tensor"/> (any layout) to <paramref name="path"/> as a version 1.0 .npy file.</summary>
    public static void Save(string path, Tensor tensor)
    {
        using var stream = File.Create(path);
        Write(stream, tensor);
    }

    /// <summary>Writes <paramref name="tensor"/> to <paramref name="stream"/> as a version 1.0 .npy file.</summary>
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        string descr = tensor.DType switch
        {
            DType.F32 => "<f4", DType.F64 => "<f8", DType.F16 => "<f2", DType.I8 => "|i1", DType.U8 => "|u1",
            DType.I16 => "<i2", DType.I32 => "<i4", DType.I64 => "<i8", DType.Bool => "|b1",
            _ => throw new DTypeMismatchException($"NumpyFile.Write: NumPy has no {tensor.DType.Name()} dtype (bf16); convert the tensor first."),
        };
        var dims = tensor.Shape.ToArray();
        string shape = dims.Length == 1 ? $"({dims[0]},)" : $"({string.Join(", ", dims)})";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        stream.Write(Magic);
        stream.Write([1, 0, (byte)(header.Length & 0xFF), (byte)(header.Length >> 8)]);
        stream.Write(Encoding.Latin1.GetBytes(header));
        TensorFileIO.Write(tensor, stream);
    }

    // {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), } — keys in any order, whitespace anywhere
    private static (DType DType, bool Fortran, int[] Shape) ParseHeader(string header, string source)
    {
        string? descr = null, fortran = null, shapeText = null;
        int i = header.IndexOf('{');
        if (i < 0) throw new DataFormatException($"{source}: .npy header is not a dict: {header.Trim()}");
        i++;
        while (true)
        {
            i = SkipSpace(header, i);
            if (i >= header.Length) throw new DataFormatException($"{source}: .npy header ends before '}}': {header.Trim()}");
            if (header[i] == '}') break;
            if (header[i] == ',') { i++; continue; }
            string key = ReadQuoted(header, ref i, source);
            i = SkipSpace(header, i);
            if (i >= header.Length || header[i] != ':') throw new DataFormatException($"{source}: .npy header: expected ':' after '{key}'.");
            i = SkipSpace(header, i + 1);
            string value;
            if (i < header.Length && header[i] is '\'' or '"') value = ReadQuoted(header, ref i, source);
            else if (i < header.Length && header[i] == '(')
            {
                int close = header.IndexOf(')', i);
                if (close < 0) throw new DataFormatException($"{source}: .npy header: unterminated shape tuple.");
                value = header[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                int end = i;
                while (end < header.Length && header[end] is not (',' or '}')) end++;
                value = header[i..end].Trim();
                i = end;
            }
            switch (key)
            {
                case "descr": descr = value; break;
                case "fortran_order": fortran = value; break;
                case "shape": shapeText = value; break;
            }
        }
        if (descr is null || fortran is null || shapeText is null)
            throw new DataFormatException($"{source}: .npy header must have 'descr', 'fortran_order' and 'shape', got {header.Trim()}");
        var dtype = descr switch
        {
            "<f4" => DType.F32, "<f8" => DType.F64, "<f2" => DType.F16, "|i1" or "<i1" => DType.I8, "|u1" or "<u1" => DType.U8,
            "<i2" => DType.I16, "<i4" => DType.I32, "<i8" => DType.I64, "|b1" or "<b1" => DType.Bool,
            _ => throw new DataFormatException($"{source}: .npy dtype '{descr}' is not supported (little-endian f2/f4/f8, i1/i2/i4/i8, u1, b1 are)."),
        };
        bool isFortran = fortran switch
        {
            "False" => false, "True" => true,
            _ => throw new DataFormatException($"{source}: .npy 'fortran_order' must be True or False, got '{fortran}'."),
        };
        var parts = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new int[parts.Length];
        for (int d = 0; d < parts.Length; d++)
            if (!int.TryParse(parts[d].TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out shape[d]))
                throw new DataFormatException($"{source}: .npy shape ({shapeText}) has a dimension '{parts[d]}' that is not a non-negative int32.");
        return (dtype, isFortran, shape);
    }

    private static int SkipSpace(string s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        return i;
    }

    private static string ReadQuoted(string s, ref int i, string source)
    {
        if (i >= s.Length || s[i] is not ('\'' or '"')) throw new DataFormatException($"{source}: .npy header: expected a quoted key or string at offset {i}.");
        char q = s[i];
        int end = s.IndexOf(q, i + 1);
        if (end < 0) throw new DataFormatException($"{source}: .npy header: unterminated string.");
        var v = s[(i + 1)..end];
        i = end + 1;
        return v;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string source, string what)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer[read..]);
            if (n == 0) throw new DataFormatException($"{source}: the .npy file ends inside {what} ({read} of {buffer.Length} bytes).");
            read += n;
        }
    }
}
