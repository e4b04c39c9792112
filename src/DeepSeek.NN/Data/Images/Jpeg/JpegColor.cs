// Chroma upsampling and colour conversion. Subsampled planes are upsampled by linear (triangle) interpolation with
// centred siting — sample position (x + ½)/f − ½, edges replicated — which equals libjpeg's "fancy" h2v1/h2v2 filter
// (weights ¾, ¼) up to rounding. YCbCr → RGB uses the JFIF equations (JFIF 1.02, section 7) rounded to nearest.
namespace DeepSeek.NN.Data.Images.Jpeg;

/// <summary>Upsampling of component planes to the image size and YCbCr → RGB conversion.</summary>
internal static class JpegColor
{
    /// <summary>The component's samples at full resolution, <c>width × height</c> bytes row-major.</summary>
    internal static byte[] Upsample(JpegComponent c, int width, int height, int fx, int fy)
    {
        var dst = new byte[(long)width * height];
        var src = c.Plane;
        int stride = c.Stride;
        if (fx == 1 && fy == 1)
        {
            for (int y = 0; y < height; y++) Array.Copy(src, (long)y * stride, dst, (long)y * width, width);
            return dst;
        }
        Axis(width, c.Width, fx, out var x0, out var x1, out var wx);
        Axis(height, c.Height, fy, out var y0, out var y1, out var wy);
        var row = new float[width];
        for (int y = 0; y < height; y++)
        {
            int r0 = y0[y] * stride, r1 = y1[y] * stride;
            float b = wy[y], a = 1 - b;
            for (int x = 0; x < width; x++)
            {
                float top = src[r0 + x0[x]] + wx[x] * (src[r0 + x1[x]] - src[r0 + x0[x]]);
                float bot = src[r1 + x0[x]] + wx[x] * (src[r1 + x1[x]] - src[r1 + x0[x]]);
                dst[(long)y * width + x] = (byte)(int)(a * top + b * bot + 0.5f);
            }
        }
        return dst;
    }

    /// <summary>For each output index: the two source samples and the weight of the second (source position (i+½)/f − ½, clamped).</summary>
    private static void Axis(int outSize, int inSize, int f, out int[] i0, out int[] i1, out float[] w)
    {
        i0 = new int[outSize];
        i1 = new int[outSize];
        w = new float[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double pos = (i + 0.5) / f - 0.5;
            if (pos < 0) pos = 0;
            int lo = Math.Min((int)pos, inSize - 1);
            i0[i] = lo;
            i1[i] = Math.Min(lo + 1, inSize - 1);
            w[i] = (float)(pos - lo);
        }
    }

    /// <summary>Interleaves Y, Cb, Cr planes into RGB with the JFIF equations.</summary>
    internal static void YCbCrToRgb(byte[] yp, byte[] cb, byte[] cr, Span<byte> rgb)
    {
        for (int i = 0; i < yp.Length; i++)
        {
            float y = yp[i], u = cb[i] - 128f, v = cr[i] - 128f;
            rgb[3 * i] = Clamp(y + 1.402f * v);
            rgb[3 * i + 1] = Clamp(y - 0.344136f * u - 0.714136f * v);
            rgb[3 * i + 2] = Clamp(y + 1.772f * u);
        }
    }

    private static byte Clamp(float v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(int)(v + 0.5f);
}
