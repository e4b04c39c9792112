// Picks the decoder from the file signature (magic bytes), never from the file name: PNG (89 'PNG' 0D 0A 1A 0A),
// JPEG (FF D8 FF) and Netpbm (P2, P3, P5, P6).
using DeepSeek.NN.Data.Images.Jpeg;
using DeepSeek.NN.Data.Images.Netpbm;
using DeepSeek.NN.Data.Images.Png;

namespace DeepSeek.NN.Data.Images;

/// <summary>Decodes PNG, baseline JPEG and Netpbm (PGM/PPM) images, chosen by the file's signature.</summary>
public static class ImageDecoder
{
    /// <summary>The file extensions (lower case, with the dot) of the formats this decoder reads.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".pgm", ".ppm", ".pnm"];

    /// <summary>Reads and decodes the image file at <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">Unknown signature, corrupt or truncated data, or an unsupported feature (the message names the file).</exception>
    public static Image Decode(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = File.ReadAllBytes(path);
        return Decode(bytes, path);
    }

    /// <summary>Decodes an image held in memory; <paramref name="name"/> names it in error messages.</summary>
    /// <exception cref="DataFormatException">Unknown signature, corrupt or truncated data, or an unsupported feature.</exception>
    public static Image Decode(ReadOnlySpan<byte> data, string name = "<memory>")
    {
        if (PngDecoder.HasSignature(data)) return PngDecoder.Decode(data, name);
        if (JpegDecoder.HasSignature(data)) return JpegDecoder.Decode(data, name);
        if (NetpbmDecoder.HasSignature(data)) return NetpbmDecoder.Decode(data, name);
        var head = Convert.ToHexString(data[..Math.Min(8, data.Length)]);
        throw new DataFormatException($"Image '{name}': unknown format (first bytes {(head.Length == 0 ? "<empty>" : head)}); expected PNG, JPEG or Netpbm P2/P3/P5/P6.");
    }
}
