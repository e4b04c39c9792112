// Netpbm writer: raw PGM (P5) for gray and raw PPM (P6) for RGB, maxval 255 (pgm(5), ppm(5)); alpha is not representable.
using System.Text;

namespace DeepSeek.NN.Data.Images.Netpbm;

/// <summary>Writes gray images as PGM (P5) and RGB images as PPM (P6).</summary>
public static class NetpbmEncoder
{
    /// <summary>The file bytes of <paramref name="image"/> (1 or 3 channels).</summary>
    /// <exception cref="ArgumentException">A 4-channel (RGBA) image; convert it with <see cref="Image.ConvertChannels"/> first.</exception>
    public static byte[] Encode(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels == 4)
            throw new ArgumentException("NetpbmEncoder: PGM/PPM cannot hold alpha; convert the RGBA image to 3 channels first.", nameof(image));
        var header = Encoding.ASCII.GetBytes($"P{(image.Channels == 1 ? 5 : 6)}\n{image.Width} {image.Height}\n255\n");
        var result = new byte[header.Length + image.Pixels.Length];
        header.CopyTo(result, 0);
        image.Pixels.CopyTo(result, header.Length);
        return result;
    }
}
