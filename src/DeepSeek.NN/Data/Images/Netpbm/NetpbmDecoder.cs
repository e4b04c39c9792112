// Netpbm graymap/pixmap reader (netpbm.sourceforge.net pgm(5), ppm(5)): P2/P3 plain (ASCII) and P5/P6 raw, header
// tokens separated by whitespace with '#' comments, maxval 1–65535 (2-byte big-endian samples above 255), scaled to 0–255.
namespace DeepSeek.NN.Data.Images.Netpbm;

/// <summary>Decodes PGM (P2, P5) and PPM (P3, P6) images.</summary>
internal static class NetpbmDecoder
{
    internal static bool HasSignature(ReadOnlySpan<byte> d) =>
        d.Length >= 3 && d[0] == 'P' && d[1] is (byte)'2' or (byte)'3' or (byte)'5' or (byte)'6' && IsSpace(d[2]);

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    /// <summary>Decodes <paramref name="data"/>; <paramref name="name"/> appears in error messages.</summary>
    internal static Image Decode(ReadOnlySpan<byte> data, string name)
    {
        DataFormatException Error(string what) => new($"Netpbm '{name}': {what}.");
        char kind = (char)data[1];
        int channels = kind is '3' or '6' ? 3 : 1;
        bool plain = kind is '2' or '3';
        int pos = 2;
        int width = Number(data, ref pos, "width", Error), height = Number(data, ref pos, "height", Error), maxval = Number(data, ref pos, "maxval", Error);
        if (width <= 0 || height <= 0) throw Error($"image size {width}×{height}; both must be positive");
        if (maxval is < 1 or > 65535) throw Error($"maxval {maxval}; expected 1–65535");
        long count = (long)width * height * channels;
        if (count > int.MaxValue) throw Error($"image {width}×{height} is too large");
        var pixels = new byte[count];
        if (plain)
        {
            for (int i = 0; i < count; i++)
            {
                int v = Number(data, ref pos, $"sample {i} of {count}", Error);
                if (v > maxval) throw Error($"sample {i} is {v}, above maxval {maxval}");
                pixels[i] = Scale(v, maxval);
            }
        }
        else
        {
            pos++; // exactly one whitespace byte after maxval
            int bytesPer = maxval > 255 ? 2 : 1;
            if (pos + count * bytesPer > data.Length)
                throw Error($"pixel data holds {Math.Max(0, data.Length - pos)} bytes, expected {count * bytesPer} (truncated file)");
            for (int i = 0; i < count; i++)
            {
                int v = bytesPer == 1 ? data[pos + i] : (data[pos + 2 * i] << 8) | data[pos + 2 * i + 1];
                if (v > maxval) throw Error($"sample {i} is {v}, above maxval {maxval}");
                pixels[i] = Scale(v, maxval);
            }
        }
        return new Image(width, height, channels, pixels);
    }

    private static byte Scale(int v, int maxval) => maxval == 255 ? (byte)v : (byte)((v * 255L + maxval / 2) / maxval);

    /// <summary>Skips whitespace and comments, then reads a decimal number.</summary>
    private static int Number(ReadOnlySpan<byte> d, ref int pos, string what, Func<string, DataFormatException> error)
    {
        while (pos < d.Length)
        {
            if (IsSpace(d[pos])) pos++;
            else if (d[pos] == '#') { while (pos < d.Length && d[pos] != '\n' && d[pos] != '\r') pos++; }
            else break;
        }
        if (pos >= d.Length) throw error($"data ends before the {what} (truncated file)");
        long v = 0;
        int start = pos;
        while (pos < d.Length && d[pos] is >= (byte)'0' and <= (byte)'9')
        {
            v = v * 10 + (d[pos++] - '0');
            if (v > int.MaxValue) throw error($"the {what} is too large");
        }
        if (pos == start) throw error($"expected a decimal number for the {what} at byte {start}, found 0x{d[start]:X2}");
        if (pos < d.Length && !IsSpace(d[pos]) && d[pos] != '#') throw error($"the {what} at byte {start} is followed by 0x{d[pos]:X2} instead of whitespace");
        return (int)v;
    }
}
