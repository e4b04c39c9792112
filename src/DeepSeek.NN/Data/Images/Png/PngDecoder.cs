// PNG decoder after the PNG specification (ISO/IEC 15948, W3C 2003): chunk walk with CRC checks, IHDR/PLTE/tRNS/IDAT/IEND,
// zlib inflate (System.IO.Compression.ZLibStream), the five scanline filters, Adam7 de-interlacing, bit depths 1–16
// (16-bit scaled to 8 with rounding, 1/2/4-bit gray scaled to 0–255) and every colour type (0, 2, 3, 4, 6).
using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepSeek.NN.Data.Images.Png;

/// <summary>Decodes PNG files to 8-bit <see cref="Image"/>s.</summary>
internal static class PngDecoder
{
    internal static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    private static readonly (int X, int Y, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    internal static bool HasSignature(ReadOnlySpan<byte> d) => d.Length >= 8 && d[..8].SequenceEqual(Signature);

    private sealed class Header
    {
        internal int Width, Height, Depth, ColorType, Interlace;
        internal int Samples => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        internal int BitsPerPixel => Samples * Depth;
        internal int RowBytes(int w) => (int)(((long)w * BitsPerPixel + 7) / 8);
    }

    /// <summary>Decodes <paramref name="data"/>; <paramref name="name"/> appears in error messages.</summary>
    internal static Image Decode(ReadOnlySpan<byte> data, string name)
    {
        DataFormatException Error(string what) => new($"PNG '{name}': {what}.");
        Header? hdr = null;
        byte[]? palette = null, paletteAlpha = null;
        int[]? keyColor = null; // tRNS for gray (1 value) or RGB (3 values), raw sample values
        var idat = new MemoryStream();
        bool ended = false;
        int pos = 8;
        while (!ended)
        {
            if (pos + 8 > data.Length) throw Error($"data ends at byte {data.Length} before the IEND chunk (truncated file)");
            uint len = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var typeBytes = data.Slice(pos + 4, 4);
            string type = System.Text.Encoding.ASCII.GetString(typeBytes);
            foreach (var b in typeBytes)
                if (!(b is >= (byte)'A' and <= (byte)'Z' || b is >= (byte)'a' and <= (byte)'z'))
                    throw Error($"chunk at byte {pos} has an invalid type {Convert.ToHexString(typeBytes)} (corrupt file)");
            if (len > int.MaxValue || pos + 12 + (long)len > data.Length)
                throw Error($"chunk '{type}' at byte {pos} declares {len} data bytes but only {Math.Max(0, data.Length - pos - 12)} remain (truncated file)");
            var body = data.Slice(pos + 8, (int)len);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)len)..]);
            uint crc = PngCrc.Compute(data.Slice(pos + 4, 4 + (int)len));
            if (stored != crc) throw Error($"bad CRC in chunk '{type}' at byte {pos} (stored {stored:X8}, computed {crc:X8})");
            if (hdr is null && type != "IHDR") throw Error($"the first chunk is '{type}'; expected IHDR");
            switch (type)
            {
                case "IHDR":
                    if (hdr is not null) throw Error("more than one IHDR chunk");
                    hdr = ReadHeader(body, Error);
                    break;
                case "PLTE":
                    if (len % 3 != 0 || len == 0 || len > 768) throw Error($"PLTE chunk has {len} bytes; expected a multiple of 3, at most 768");
                    palette = body.ToArray();
                    break;
                case "tRNS":
                    switch (hdr!.ColorType)
                    {
                        case 3:
                            if (palette is null) throw Error("tRNS chunk before PLTE in a paletted image");
                            if (len > palette.Length / 3) throw Error($"tRNS chunk has {len} alpha values for {palette.Length / 3} palette entries");
                            paletteAlpha = Enumerable.Repeat((byte)255, palette.Length / 3).ToArray();
                            body.CopyTo(paletteAlpha);
                            break;
                        case 0:
                            if (len != 2) throw Error($"tRNS chunk of a gray image has {len} bytes; expected 2");
                            keyColor = [BinaryPrimitives.ReadUInt16BigEndian(body)];
                            break;
                        case 2:
                            if (len != 6) throw Error($"tRNS chunk of an RGB image has {len} bytes; expected 6");
                            keyColor = [BinaryPrimitives.ReadUInt16BigEndian(body), BinaryPrimitives.ReadUInt16BigEndian(body[2..]), BinaryPrimitives.ReadUInt16BigEndian(body[4..])];
                            break;
                        default: throw Error($"tRNS chunk in colour type {hdr.ColorType}, which already has an alpha channel");
                    }
                    break;
                case "IDAT":
                    idat.Write(body);
                    break;
                case "IEND":
                    ended = true;
                    break;
                default:
                    if ((typeBytes[0] & 0x20) == 0) throw Error($"unknown critical chunk '{type}' at byte {pos}");
                    break; // ancillary chunks are skipped
            }
            pos += 12 + (int)len;
        }
        var h = hdr!;
        if (h.ColorType == 3 && palette is null) throw Error("paletted image (colour type 3) without a PLTE chunk");
        if (idat.Length == 0) throw Error("no IDAT chunk (no image data)");

        long total = 0;
        (int X, int Y, int Dx, int Dy)[] passes = h.Interlace == 0 ? [(0, 0, 1, 1)] : Adam7;
        foreach (var (px, py, dx, dy) in passes)
        {
            int pw = PassSize(h.Width, px, dx), ph = PassSize(h.Height, py, dy);
            if (pw > 0 && ph > 0) total += (long)(h.RowBytes(pw) + 1) * ph;
        }
        if (total > int.MaxValue) throw Error($"image {h.Width}×{h.Height} is too large to decode");
        var raw = Inflate(idat, (int)total, Error);

        int outChannels = h.ColorType switch
        {
            0 => keyColor is null ? 1 : 4,
            2 => keyColor is null ? 3 : 4,
            3 => paletteAlpha is null ? 3 : 4,
            _ => 4,
        };
        var pixels = new byte[(long)h.Width * h.Height * outChannels];
        int offset = 0;
        int bpp = Math.Max(1, h.BitsPerPixel / 8);
        foreach (var (px, py, dx, dy) in passes)
        {
            int pw = PassSize(h.Width, px, dx), ph = PassSize(h.Height, py, dy);
            if (pw == 0 || ph == 0) continue;
            int rowBytes = h.RowBytes(pw);
            var prev = new byte[rowBytes];
            for (int j = 0; j < ph; j++)
            {
                int filter = raw[offset];
                var line = raw.AsSpan(offset + 1, rowBytes);
                if (!PngFilters.Unfilter(filter, line, prev, bpp))
                    throw Error($"scanline {j} of {(h.Interlace == 0 ? "the image" : "an Adam7 pass")} has filter type {filter}; expected 0–4");
                Expand(h, line, pw, pixels, outChannels, py + j * dy, px, dx, palette, paletteAlpha, keyColor, Error);
                line.CopyTo(prev);
                offset += rowBytes + 1;
            }
        }
        return new Image(h.Width, h.Height, outChannels, pixels);
    }

    private static int PassSize(int size, int start, int step) => size <= start ? 0 : (size - start + step - 1) / step;

    private static Header ReadHeader(ReadOnlySpan<byte> b, Func<string, DataFormatException> error)
    {
        if (b.Length != 13) throw error($"IHDR chunk has {b.Length} bytes; expected 13");
        var h = new Header
        {
            Width = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(b), int.MaxValue),
            Height = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(b[4..]), int.MaxValue),
            Depth = b[8], ColorType = b[9], Interlace = b[12],
        };
        if (h.Width == 0 || h.Height == 0) throw error($"image size {h.Width}×{h.Height}; both must be positive");
        bool ok = h.ColorType switch
        {
            0 => h.Depth is 1 or 2 or 4 or 8 or 16,
            3 => h.Depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => h.Depth is 8 or 16,
            _ => false,
        };
        if (!ok) throw error($"colour type {h.ColorType} with bit depth {h.Depth} is not a valid PNG combination");
        if (b[10] != 0) throw error($"compression method {b[10]}; only 0 (deflate) is defined");
        if (b[11] != 0) throw error($"filter method {b[11]}; only 0 is defined");
        if (h.Interlace > 1) throw error($"interlace method {h.Interlace}; expected 0 (none) or 1 (Adam7)");
        if ((long)h.Width * h.Height * 4 > int.MaxValue) throw error($"image {h.Width}×{h.Height} is too large to decode");
        return h;
    }

    private static byte[] Inflate(MemoryStream idat, int expected, Func<string, DataFormatException> error)
    {
        idat.Position = 0;
        var raw = new byte[expected];
        int got = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            while (got < expected)
            {
                int n = z.Read(raw, got, expected - got);
                if (n == 0) break;
                got += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw error($"the zlib image data is corrupt ({e.Message})");
        }
        if (got < expected) throw error($"the image data inflates to {got} bytes, expected {expected} (truncated IDAT)");
        return raw;
    }

    /// <summary>Converts one reconstructed scanline of <paramref name="count"/> pixels to 8-bit output pixels at row <paramref name="y"/>, columns x0, x0+dx, ….</summary>
    private static void Expand(Header h, ReadOnlySpan<byte> line, int count, byte[] dst, int channels, int y, int x0, int dx,
        byte[]? palette, byte[]? paletteAlpha, int[]? key, Func<string, DataFormatException> error)
    {
        int depth = h.Depth, spp = h.Samples;
        long rowBase = (long)y * h.Width;
        if (depth == 8 && dx == 1 && h.ColorType != 3 && key is null && spp == channels)
        {
            line.CopyTo(dst.AsSpan((int)(rowBase * channels), line.Length)); // identical layout
            return;
        }
        int maxIndex = palette is null ? 0 : palette.Length / 3;
        Span<int> s = stackalloc int[4];
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < spp; k++) s[k] = Sample(line, i * spp + k, depth);
            int o = (int)((rowBase + x0 + (long)i * dx) * channels);
            switch (h.ColorType)
            {
                case 3:
                    if (s[0] >= maxIndex) throw error($"pixel ({x0 + i * dx}, {y}) uses palette index {s[0]} but the palette has {maxIndex} entries");
                    dst[o] = palette![3 * s[0]]; dst[o + 1] = palette[3 * s[0] + 1]; dst[o + 2] = palette[3 * s[0] + 2];
                    if (channels == 4) dst[o + 3] = paletteAlpha![s[0]];
                    break;
                case 0:
                    byte g = Scale(s[0], depth);
                    if (channels == 1) dst[o] = g;
                    else { dst[o] = dst[o + 1] = dst[o + 2] = g; dst[o + 3] = s[0] == key![0] ? (byte)0 : (byte)255; }
                    break;
                case 2:
                    for (int k = 0; k < 3; k++) dst[o + k] = Scale(s[k], depth);
                    if (channels == 4) dst[o + 3] = s[0] == key![0] && s[1] == key[1] && s[2] == key[2] ? (byte)0 : (byte)255;
                    break;
                case 4:
                    dst[o] = dst[o + 1] = dst[o + 2] = Scale(s[0], depth);
                    dst[o + 3] = Scale(s[1], depth);
                    break;
                default:
                    for (int k = 0; k < 4; k++) dst[o + k] = Scale(s[k], depth);
                    break;
            }
        }
    }

    /// <summary>Sample <paramref name="index"/> of a scanline packed MSB first at <paramref name="depth"/> bits.</summary>
    private static int Sample(ReadOnlySpan<byte> line, int index, int depth) => depth switch
    {
        8 => line[index],
        16 => (line[2 * index] << 8) | line[2 * index + 1],
        _ => (line[index * depth / 8] >> (8 - depth - index * depth % 8)) & ((1 << depth) - 1),
    };

    /// <summary>A sample of <paramref name="depth"/> bits scaled to 0–255, rounded to nearest.</summary>
    internal static byte Scale(int v, int depth) => depth switch
    {
        8 => (byte)v,
        16 => (byte)((v * 255 + 32767) / 65535),
        _ => (byte)(v * 255 / ((1 << depth) - 1)),
    };
}
