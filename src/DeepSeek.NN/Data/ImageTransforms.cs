// Geometric and colour transforms for image tensors (…, C, H, W), with torchvision's semantics: bilinear Resize with
// align_corners=false and no antialias (source index (i + ½)·in/out − ½ clamped at 0, as torch's upsample_bilinear2d),
// CenterCrop (offsets rounded half to even, zero padding when the crop is larger) and BT.601 grayscale (0.2989, 0.587, 0.114).
namespace DeepSeek.NN.Data;

/// <summary>
/// Resizes the last two dimensions (H, W) to <c>height × width</c> by bilinear interpolation with align_corners=false and
/// no antialiasing (torchvision <c>Resize(..., antialias=False)</c> on tensors, torch <c>interpolate(mode="bilinear")</c>).
/// Floating inputs keep their dtype (F16/BF16/F64 interpolate in F32); integer inputs are rounded back to their dtype.
/// The interpolation runs on a host copy of the data and the result is uploaded to the input's device.
/// </summary>
public sealed class Resize : ITransform
{
    /// <summary>Target size (both positive).</summary>
    public Resize(int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"Resize: size {height}×{width} must be positive.");
        Height = height;
        Width = width;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.IsDisposed) throw new TensorDisposedException("Resize: the input was used after Dispose().");
        if (input.Rank < 2 || input.Shape[-2] == 0 || input.Shape[-1] == 0)
            throw new ShapeMismatchException($"Resize: input of shape {input.Shape} needs at least 2 dims (…, H, W) with H, W > 0.");
        if (input.DType == DType.Bool) throw new DTypeMismatchException("Resize: input dtype is bool; expected a numeric dtype.");
        int h = input.Shape[-2], w = input.Shape[-1];
        int planes = (int)(input.Numel / ((long)h * w));
        float[] src;
        if (input.DType == DType.F32) src = input.ToArray<float>();
        else
        {
            using var f = input.To(DType.F32);
            src = f.ToArray<float>();
        }
        var dst = new float[(long)planes * Height * Width];
        Bilinear(src, planes, h, w, dst, Height, Width);
        if (!input.DType.IsFloatingPoint())
            for (int i = 0; i < dst.Length; i++) dst[i] = MathF.Round(dst[i], MidpointRounding.ToEven);
        var dims = input.Shape.ToArray();
        dims[^2] = Height;
        dims[^1] = Width;
        using var host = Tensor.FromSpan<float>(dst, new Shape(dims));
        using var moved = host.Device == input.Device ? null : host.To(input.Device);
        return (moved ?? host).To(input.DType);
    }

    /// <summary>Bilinear resampling of <paramref name="planes"/> row-major h×w planes (align_corners=false, no antialias).</summary>
    internal static void Bilinear(ReadOnlySpan<float> src, int planes, int h, int w, Span<float> dst, int oh, int ow)
    {
        Axis(w, ow, out var x0, out var x1, out var lx);
        Axis(h, oh, out var y0, out var y1, out var ly);
        for (int p = 0; p < planes; p++)
        {
            var s = src.Slice(p * h * w, h * w);
            var d = dst.Slice(p * oh * ow, oh * ow);
            for (int y = 0; y < oh; y++)
            {
                var r0 = s.Slice(y0[y] * w, w);
                var r1 = s.Slice(y1[y] * w, w);
                float b = ly[y], a = 1 - b;
                for (int x = 0; x < ow; x++)
                {
                    float c = lx[x], e = 1 - c;
                    d[y * ow + x] = a * (e * r0[x0[x]] + c * r0[x1[x]]) + b * (e * r1[x0[x]] + c * r1[x1[x]]);
                }
            }
        }
    }

    /// <summary>Per output index: the two source indices and the weight of the second (torch's area_pixel_compute_source_index).</summary>
    private static void Axis(int input, int output, out int[] i0, out int[] i1, out float[] lambda)
    {
        i0 = new int[output];
        i1 = new int[output];
        lambda = new float[output];
        float scale = (float)input / output;
        for (int i = 0; i < output; i++)
        {
            float src = Math.Max(scale * (i + 0.5f) - 0.5f, 0f);
            int lo = Math.Min((int)src, input - 1);
            i0[i] = lo;
            i1[i] = lo < input - 1 ? lo + 1 : lo;
            lambda[i] = Math.Min(src - lo, 1f);
        }
    }
}

/// <summary>
/// Cuts the central <c>height × width</c> window of the last two dimensions (torchvision CenterCrop): the top offset is
/// round((H − height)/2) with halves rounded to even, likewise the left. When the crop is larger than the input, the input
/// is first zero-padded (extra row/column at the bottom/right when the difference is odd). Any dtype.
/// </summary>
public sealed class CenterCrop : ITransform
{
    /// <summary>Crop size (both positive).</summary>
    public CenterCrop(int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"CenterCrop: size {height}×{width} must be positive.");
        Height = height;
        Width = width;
    }

    /// <summary>Square crop of side <paramref name="size"/>.</summary>
    public CenterCrop(int size) : this(size, size) { }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.IsDisposed) throw new TensorDisposedException("CenterCrop: the input was used after Dispose().");
        if (input.Rank < 2) throw new ShapeMismatchException($"CenterCrop: input of shape {input.Shape} needs at least 2 dims (…, H, W).");
        int h = input.Shape[-2], w = input.Shape[-1];
        if (Height > h || Width > w)
        {
            int dw = Math.Max(0, Width - w), dh = Math.Max(0, Height - h);
            using var padded = input.Pad([dw / 2, (dw + 1) / 2, dh / 2, (dh + 1) / 2]);
            return Apply(padded);
        }
        int top = (int)Math.Round((h - Height) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((w - Width) / 2.0, MidpointRounding.ToEven);
        using var rows = input.Narrow(-2, top, Height);
        using var window = rows.Narrow(-1, left, Width);
        return window.Clone();
    }
}

/// <summary>
/// Converts RGB image tensors (…, 3, H, W) to grayscale with L = 0.2989·R + 0.587·G + 0.114·B (torchvision Grayscale);
/// 1-channel inputs pass through. With <c>outputChannels</c> = 3 the gray plane is repeated three times. Floating inputs
/// keep their dtype; integer inputs are computed in F32 and converted back (truncating, as torchvision does).
/// </summary>
public sealed class ToGrayscale : ITransform
{
    /// <summary>Weights of R, G and B.</summary>
    public static readonly double[] Weights = [0.2989, 0.587, 0.114];

    /// <summary>Output channels: 1 or 3.</summary>
    public ToGrayscale(int outputChannels = 1)
    {
        if (outputChannels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(outputChannels), outputChannels, "ToGrayscale: outputChannels must be 1 or 3.");
        OutputChannels = outputChannels;
    }

    /// <summary>Channels of the result (1 or 3).</summary>
    public int OutputChannels { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.IsDisposed) throw new TensorDisposedException("ToGrayscale: the input was used after Dispose().");
        if (input.Rank < 3 || input.Shape[-3] is not (1 or 3))
            throw new ShapeMismatchException($"ToGrayscale: input of shape {input.Shape}; expected (…, C, H, W) with C = 1 or 3.");
        if (!input.DType.IsFloatingPoint())
        {
            using var f = input.To(DType.F32);
            using var g = Apply(f);
            return g.To(input.DType);
        }
        using var gray = input.Shape[-3] == 1 ? input.Narrow(-3, 0, 1) : Luma(input);
        if (OutputChannels == 1) return gray.Clone();
        var dims = gray.Shape.ToArray();
        dims[^3] = 3;
        using var expanded = gray.Expand(dims);
        return expanded.Clone();
    }

    private static Tensor Luma(Tensor rgb)
    {
        using var r = rgb.Narrow(-3, 0, 1);
        using var g = rgb.Narrow(-3, 1, 1);
        using var b = rgb.Narrow(-3, 2, 1);
        using var wr = r.Mul(Weights[0]);
        using var wg = g.Mul(Weights[1]);
        using var wb = b.Mul(Weights[2]);
        using var rg = wr.Add(wg);
        return rg.Add(wb);
    }
}
