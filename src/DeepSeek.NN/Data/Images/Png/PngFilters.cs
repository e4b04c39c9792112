// PNG scanline filters (PNG spec section 9): None, Sub, Up, Average and Paeth, applied per byte with bpp = the bytes
// per complete pixel (at least 1). Reconstruction runs in place on the scanline using the previous reconstructed line.
namespace DeepSeek.NN.Data.Images.Png;

/// <summary>Scanline filter reconstruction and (for the encoder) filtering.</summary>
internal static class PngFilters
{
    /// <summary>Undoes filter <paramref name="type"/> on <paramref name="line"/> in place; <paramref name="prev"/> is the previous reconstructed line (zeros for the first).</summary>
    /// <returns>False for an unknown filter type.</returns>
    internal static bool Unfilter(int type, Span<byte> line, ReadOnlySpan<byte> prev, int bpp)
    {
        int n = line.Length;
        switch (type)
        {
            case 0: return true;
            case 1:
                for (int i = bpp; i < n; i++) line[i] += line[i - bpp];
                return true;
            case 2:
                for (int i = 0; i < n; i++) line[i] += prev[i];
                return true;
            case 3:
                for (int i = 0; i < bpp; i++) line[i] += (byte)(prev[i] >> 1);
                for (int i = bpp; i < n; i++) line[i] += (byte)((line[i - bpp] + prev[i]) >> 1);
                return true;
            case 4:
                for (int i = 0; i < bpp; i++) line[i] += prev[i]; // Paeth(0, b, 0) = b
                for (int i = bpp; i < n; i++) line[i] += Paeth(line[i - bpp], prev[i], prev[i - bpp]);
                return true;
            default: return false;
        }
    }

    /// <summary>The Paeth predictor: whichever of a (left), b (up), c (up-left) is closest to a + b − c, ties in that order.</summary>
    internal static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Writes the Sub-filtered <paramref name="line"/> to <paramref name="dst"/>.</summary>
    internal static void FilterSub(ReadOnlySpan<byte> line, Span<byte> dst, int bpp)
    {
        for (int i = 0; i < bpp && i < line.Length; i++) dst[i] = line[i];
        for (int i = bpp; i < line.Length; i++) dst[i] = (byte)(line[i] - line[i - bpp]);
    }
}
