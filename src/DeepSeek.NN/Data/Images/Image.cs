// A decoded raster image: 8-bit samples, interleaved HWC, 1 (gray), 3 (RGB) or 4 (RGBA) channels. Conversions
// between channel counts use ITU-R BT.601 luma weights (0.299, 0.587, 0.114), as PIL's convert('L') and torchvision do.
namespace DeepSeek.NN.Data.Images;

/// <summary>
/// A decoded image with 8-bit samples stored row-major and interleaved (height × width × channels, "HWC").
/// Channels are 1 (gray), 3 (RGB) or 4 (RGBA, alpha not premultiplied).
/// </summary>
public sealed class Image
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied): <c>width·height·channels</c> bytes in HWC order.</summary>
    /// <exception cref="ArgumentException">A size ≤ 0, channels not 1/3/4, or a pixel buffer of the wrong length.</exception>
    public Image(int width, int height, int channels, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"Image: size {width}×{height} must be positive.");
        if (channels is not (1 or 3 or 4))
            throw new ArgumentException($"Image: {channels} channels; expected 1 (gray), 3 (RGB) or 4 (RGBA).", nameof(channels));
        if ((long)width * height * channels != pixels.LongLength)
            throw new ArgumentException($"Image: {width}×{height}×{channels} needs {(long)width * height * channels} bytes, got {pixels.LongLength}.", nameof(pixels));
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Samples per pixel: 1 gray, 3 RGB, 4 RGBA.</summary>
    public int Channels { get; }

    /// <summary>The samples, HWC interleaved (<c>Pixels[(y·Width + x)·Channels + c]</c>).</summary>
    public byte[] Pixels { get; }

    /// <summary>Sample of channel <paramref name="c"/> at row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public byte this[int y, int x, int c] => Pixels[((long)y * Width + x) * Channels + c];

    /// <summary>
    /// This image with <paramref name="channels"/> channels (1, 3 or 4): gray → RGB replicates, RGB → gray uses BT.601 luma
    /// rounded to nearest, alpha is dropped (not composited) or added as 255. Returns this image when nothing changes.
    /// </summary>
    public Image ConvertChannels(int channels)
    {
        if (channels is not (1 or 3 or 4))
            throw new ArgumentException($"Image.ConvertChannels: {channels} channels; expected 1, 3 or 4.", nameof(channels));
        if (channels == Channels) return this;
        int n = Width * Height, cin = Channels;
        var src = Pixels;
        var dst = new byte[(long)n * channels];
        for (int i = 0; i < n; i++)
        {
            int s = i * cin, d = i * channels;
            byte r = src[s], g = cin == 1 ? r : src[s + 1], b = cin == 1 ? r : src[s + 2];
            byte a = cin == 4 ? src[s + 3] : (byte)255;
            if (channels == 1)
                dst[d] = cin == 1 ? r : Luma(r, g, b);
            else
            {
                dst[d] = r; dst[d + 1] = g; dst[d + 2] = b;
                if (channels == 4) dst[d + 3] = a;
            }
        }
        return new Image(Width, Height, channels, dst);
    }

    /// <summary>BT.601 luma of an RGB triple, rounded to nearest (integer weights 19595/38470/7471 over 2^16).</summary>
    internal static byte Luma(byte r, byte g, byte b) => (byte)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);

    /// <summary>A new F32 tensor [Channels, Height, Width] with values sample/255 in [0, 1] (torchvision ToTensor).</summary>
    public Tensor ToTensor(Device? device = null)
    {
        int hw = Width * Height, c = Channels;
        var data = new float[(long)hw * c];
        var src = Pixels;
        for (int ch = 0; ch < c; ch++)
        {
            int o = ch * hw;
            for (int i = 0; i < hw; i++) data[o + i] = src[i * c + ch] * (1f / 255f);
        }
        var t = Tensor.FromSpan<float>(data, new Shape(c, Height, Width));
        if (device is not { } dev || dev == t.Device) return t;
        using (t) return t.To(dev);
    }

    /// <summary>
    /// An image from a tensor [C, H, W] (C = 1, 3 or 4) or [H, W] (gray). Floating tensors hold values in [0, 1]
    /// (scaled by 255, rounded to nearest and clamped); U8 tensors hold the samples themselves.
    /// </summary>
    /// <exception cref="ShapeMismatchException">Not [H, W] or [C, H, W] with C in {1, 3, 4}.</exception>
    /// <exception cref="DTypeMismatchException">Neither a floating type nor U8.</exception>
    public static Image FromTensor(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.IsDisposed) throw new TensorDisposedException("Image.FromTensor: the tensor was used after Dispose().");
        if (tensor.Rank is not (2 or 3) || (tensor.Rank == 3 && tensor.Shape[0] is not (1 or 3 or 4)) || tensor.Numel == 0)
            throw new ShapeMismatchException($"Image.FromTensor: tensor of shape {tensor.Shape}; expected [H, W] or [C, H, W] with C = 1, 3 or 4 and H, W > 0.");
        int c = tensor.Rank == 3 ? tensor.Shape[0] : 1, h = tensor.Shape[-2], w = tensor.Shape[-1];
        var pixels = new byte[(long)c * h * w];
        int hw = h * w;
        if (tensor.DType == DType.U8)
        {
            var src = tensor.ToArray<byte>();
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < hw; i++) pixels[i * c + ch] = src[ch * hw + i];
        }
        else if (tensor.DType.IsFloatingPoint())
        {
            using var f = tensor.To(DType.F32);
            var src = f.ToArray<float>();
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < hw; i++)
                {
                    float v = src[ch * hw + i] * 255f;
                    pixels[i * c + ch] = float.IsNaN(v) ? (byte)0 : (byte)Math.Clamp(MathF.Round(v, MidpointRounding.ToEven), 0f, 255f);
                }
        }
        else
            throw new DTypeMismatchException($"Image.FromTensor: dtype {tensor.DType.Name()}; expected a floating type (values in [0, 1]) or u8.");
        return new Image(w, h, c, pixels);
    }
}
