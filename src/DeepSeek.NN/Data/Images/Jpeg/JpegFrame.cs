// Frame and component geometry of a sequential JPEG (T.81 A.1.1, A.2): component sizes ⌈X·Hi/Hmax⌉ × ⌈Y·Vi/Vmax⌉,
// MCU grid ⌈X/(8·Hmax)⌉ × ⌈Y/(8·Vmax)⌉; each component's plane is padded to whole MCUs and holds its decoded samples.
namespace DeepSeek.NN.Data.Images.Jpeg;

/// <summary>One image component (Y, Cb, Cr or gray) and its decoded sample plane.</summary>
internal sealed class JpegComponent
{
    internal int Id, H, V, QuantTable;
    internal int Width, Height;                 // real samples
    internal int BlocksPerLine, BlocksPerColumn; // padded to whole MCUs
    internal byte[] Plane = [];
    internal int Stride => BlocksPerLine * 8;
    internal int Pred;                            // DC predictor
    internal JpegHuffmanTable? Dc, Ac;
    internal bool Decoded;
}

/// <summary>The SOF header: size, sampling factors and the components.</summary>
internal sealed class JpegFrame
{
    internal int Width, Height, Hmax, Vmax, McusX, McusY;
    internal JpegComponent[] Components = [];

    /// <summary>Fills in the derived sizes and allocates the planes.</summary>
    internal void Layout()
    {
        Hmax = Components.Max(c => c.H);
        Vmax = Components.Max(c => c.V);
        McusX = (Width + 8 * Hmax - 1) / (8 * Hmax);
        McusY = (Height + 8 * Vmax - 1) / (8 * Vmax);
        foreach (var c in Components)
        {
            c.Width = (Width * c.H + Hmax - 1) / Hmax;
            c.Height = (Height * c.V + Vmax - 1) / Vmax;
            c.BlocksPerLine = McusX * c.H;
            c.BlocksPerColumn = McusY * c.V;
            c.Plane = new byte[(long)c.BlocksPerLine * c.BlocksPerColumn * 64];
        }
    }
}
