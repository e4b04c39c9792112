// PNG encoder (PNG spec sections 5, 9, 10): 8-bit gray (colour type 0), RGB (2) or RGBA (6), non-interlaced, every
// scanline filtered with None or Sub, the filtered stream deflated with System.IO.Compression.ZLibStream, CRC-32 per chunk.
using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepSeek.NN.Data.Images.Png;

/// <summary>The scanline filter the encoder applies to every row.</summary>
public enum PngFilter
{
    /// <summary>Raw bytes (filter type 0).</summary>
    None = 0,

    /// <summary>Difference to the pixel on the left (filter type 1); usually compresses photographs better.</summary>
    Sub = 1,
}

/// <summary>Writes <see cref="Image"/>s as 8-bit PNG files.</summary>
public static class PngEncoder
{
    /// <summary>
    /// The PNG bytes of <paramref name="image"/>: colour type 0 for 1 channel, 2 for 3 and 6 for 4 (8 bits per sample),
    /// every row filtered with <paramref name="filter"/>, compressed at <paramref name="level"/>.
    /// </summary>
    public static byte[] Encode(Image image, PngFilter filter = PngFilter.Sub, CompressionLevel level = CompressionLevel.Optimal)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (filter is not (PngFilter.None or PngFilter.Sub))
            throw new ArgumentOutOfRangeException(nameof(filter), filter, "PngEncoder: filter must be None or Sub.");
        int c = image.Channels, rowBytes = image.Width * c;
        var ms = new MemoryStream();
        ms.Write(PngDecoder.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)image.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)image.Height);
        ihdr[8] = 8;
        ihdr[9] = c switch { 1 => 0, 3 => 2, _ => 6 };
        WriteChunk(ms, "IHDR"u8, ihdr);

        var zdata = new MemoryStream();
        using (var z = new ZLibStream(zdata, level, leaveOpen: true))
        {
            var row = new byte[rowBytes + 1];
            row[0] = (byte)filter;
            for (int y = 0; y < image.Height; y++)
            {
                var src = image.Pixels.AsSpan(y * rowBytes, rowBytes);
                if (filter == PngFilter.Sub) PngFilters.FilterSub(src, row.AsSpan(1), c);
                else src.CopyTo(row.AsSpan(1));
                z.Write(row);
            }
        }
        WriteChunk(ms, "IDAT"u8, zdata.GetBuffer().AsSpan(0, (int)zdata.Length));
        WriteChunk(ms, "IEND"u8, []);
        return ms.ToArray();
    }

    /// <summary>Encodes <paramref name="image"/> (see <see cref="Encode"/>) and writes it to <paramref name="path"/>.</summary>
    public static void Save(Image image, string path, PngFilter filter = PngFilter.Sub) => File.WriteAllBytes(path, Encode(image, filter));

    private static void WriteChunk(Stream s, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        s.Write(word);
        s.Write(type);
        s.Write(data);
        uint crc = PngCrc.Update(PngCrc.Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        s.Write(word);
    }
}
