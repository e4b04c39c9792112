using System.IO.Compression;
using System.Text;

namespace DeepSeek.NN.Tests.Images;

/// <summary>
/// Builds PNG files byte by byte for the tests, independently of the library: its own bitwise CRC-32, sample packing,
/// the five forward filters and Adam7 pass splitting.
/// </summary>
internal static class PngBuilder
{
    internal static readonly (int X, int Y, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    internal static int SamplesPerPixel(int colorType) => colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => throw new ArgumentException("colour type") };

    /// <summary>
    /// A PNG of <paramref name="w"/>×<paramref name="h"/> whose raw sample values come from <paramref name="sample"/>(x, y, k);
    /// row r of each pass uses filter <c>filters[r % filters.Length]</c>. <paramref name="extra"/> chunks go before IDAT.
    /// </summary>
    internal static byte[] Build(int w, int h, int depth, int colorType, Func<int, int, int, int> sample, int[] filters,
        bool interlace = false, params (string Type, byte[] Data)[] extra)
    {
        var ms = new MemoryStream();
        ms.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BE(ihdr, 0, (uint)w); BE(ihdr, 4, (uint)h);
        ihdr[8] = (byte)depth; ihdr[9] = (byte)colorType; ihdr[12] = (byte)(interlace ? 1 : 0);
        Chunk(ms, "IHDR", ihdr);
        foreach (var (t, d) in extra) Chunk(ms, t, d);
        Chunk(ms, "IDAT", Zlib(Scanlines(w, h, depth, colorType, sample, filters, interlace)));
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    internal static byte[] Scanlines(int w, int h, int depth, int colorType, Func<int, int, int, int> sample, int[] filters, bool interlace)
    {
        int spp = SamplesPerPixel(colorType), bitsPP = spp * depth, bpp = Math.Max(1, bitsPP / 8);
        var passes = interlace ? Adam7 : [(0, 0, 1, 1)];
        var outp = new MemoryStream();
        foreach (var (px, py, dx, dy) in passes)
        {
            int pw = w <= px ? 0 : (w - px + dx - 1) / dx, ph = h <= py ? 0 : (h - py + dy - 1) / dy;
            if (pw == 0 || ph == 0) continue;
            int rowBytes = (pw * bitsPP + 7) / 8;
            var prev = new byte[rowBytes];
            for (int j = 0; j < ph; j++)
            {
                var raw = new byte[rowBytes];
                int bit = 0;
                for (int i = 0; i < pw; i++)
                    for (int k = 0; k < spp; k++)
                    {
                        int v = sample(px + i * dx, py + j * dy, k);
                        if (depth == 16) { raw[bit / 8] = (byte)(v >> 8); raw[bit / 8 + 1] = (byte)v; }
                        else raw[bit / 8] |= (byte)(v << (8 - depth - bit % 8));
                        bit += depth;
                    }
                int f = filters[j % filters.Length];
                outp.WriteByte((byte)f);
                for (int i = 0; i < rowBytes; i++)
                {
                    int a = i >= bpp ? raw[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                    int pred = f switch
                    {
                        0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2,
                        4 => PaethNaive(a, b, c),
                        _ => 0,
                    };
                    outp.WriteByte((byte)(raw[i] - pred));
                }
                prev = raw;
            }
        }
        return outp.ToArray();
    }

    private static int PaethNaive(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    internal static byte[] Zlib(byte[] data)
    {
        var z = new MemoryStream();
        using (var s = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) s.Write(data);
        return z.ToArray();
    }

    internal static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        BE(len, 0, (uint)data.Length);
        s.Write(len);
        var td = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(td);
        var crc = new byte[4];
        BE(crc, 0, Crc(td));
        s.Write(crc);
    }

    /// <summary>Bit-at-a-time CRC-32 (reflected 0xEDB88320), the definition rather than a table.</summary>
    internal static uint Crc(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
        }
        return ~c;
    }

    internal static void BE(byte[] b, int o, uint v)
    {
        b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v;
    }
}
