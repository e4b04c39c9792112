// Data transforms in the style of torchvision.transforms, built from Core tensor ops (Pad, Narrow, Flip, Sub, Div):
// per-channel normalization, pad-then-random-crop and random horizontal flip. Random transforms draw from the
// loader's per-batch generator (SampleRandom.Current) when one is set, so augmentation is reproducible.
using DeepSeek.Backends;

namespace DeepSeek.NN.Data;

/// <summary>A function from one tensor to a new one. The result is owned by the caller; the input is left alone.</summary>
public interface ITransform
{
    /// <summary>Returns the transformed copy of <paramref name="input"/>.</summary>
    Tensor Apply(Tensor input);
}

/// <summary>Applies transforms one after another, freeing the intermediate results.</summary>
public sealed class Compose : ITransform
{
    private readonly ITransform[] _steps;

    /// <summary>The transforms, in the order they run.</summary>
    public Compose(params ITransform[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        for (int i = 0; i < steps.Length; i++)
            if (steps[i] is null) throw new ArgumentNullException(nameof(steps), $"Compose: transform {i} is null.");
        _steps = (ITransform[])steps.Clone();
    }

    /// <summary>The transforms, in order.</summary>
    public IReadOnlyList<ITransform> Steps => _steps;

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_steps.Length == 0) return input.Clone();
        var cur = _steps[0].Apply(input);
        for (int i = 1; i < _steps.Length; i++)
        {
            var next = _steps[i].Apply(cur);
            cur.Dispose();
            cur = next;
        }
        return cur;
    }
}

/// <summary>
/// (x − mean[c]) / std[c] per channel c (torchvision Normalize). Channels are dimension −3 of an image tensor
/// (…, C, H, W); with a single mean and std every element is normalized, whatever the shape.
/// Floating inputs keep their dtype; integer inputs give F32.
/// </summary>
public sealed class Normalize : ITransform
{
    private readonly double[] _mean, _std;

    /// <summary>Per-channel means and standard deviations (same length; every std non-zero and finite).</summary>
    public Normalize(double[] mean, double[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Normalize: mean has {mean.Length} values and std {std.Length}; they must be equal and non-zero.");
        for (int i = 0; i < std.Length; i++)
            if (std[i] == 0 || !double.IsFinite(std[i]) || !double.IsFinite(mean[i]))
                throw new ArgumentException($"Normalize: channel {i} has mean {mean[i]} and std {std[i]}; both must be finite and std non-zero.");
        _mean = (double[])mean.Clone();
        _std = (double[])std.Clone();
    }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.DType.IsFloatingPoint())
        {
            using var f = input.To(DType.F32);
            return Apply(f);
        }
        var dtype = input.DType;
        int c = _mean.Length;
        if (c == 1)
        {
            using var shifted = input.Sub(_mean[0]);
            return shifted.Div(_std[0]);
        }
        if (input.Rank < 3 || input.Shape[-3] != c)
            throw new ShapeMismatchException($"Normalize: input of shape {input.Shape} needs {c} channels at dimension -3 (…, C, H, W) to match {c} means.");
        using var mean = Tensor.FromDoubles(_mean, new Shape(c, 1, 1), dtype, input.Device);
        using var std = Tensor.FromDoubles(_std, new Shape(c, 1, 1), dtype, input.Device);
        using var centered = input.Sub(mean);
        return centered.Div(std);
    }
}

/// <summary>
/// Pads the last two dimensions (H, W) by <c>padding</c> on every side with <c>fill</c>, then cuts a random
/// size×size window (torchvision RandomCrop). Works on (…, H, W) of any dtype.
/// </summary>
public sealed class RandomCrop : ITransform
{
    private readonly Generator _generator;

    /// <summary>Crops <paramref name="height"/>×<paramref name="width"/> after padding by <paramref name="padding"/>; <paramref name="seed"/> seeds draws made outside a loader.</summary>
    public RandomCrop(int height, int width, int padding = 0, double fill = 0, ulong seed = 0)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"RandomCrop: size {height}×{width} must be positive.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "RandomCrop: padding must be ≥ 0.");
        Height = height;
        Width = width;
        Padding = padding;
        Fill = fill;
        _generator = new Generator(seed);
    }

    /// <summary>Square crop of side <paramref name="size"/>.</summary>
    public RandomCrop(int size, int padding = 0, double fill = 0, ulong seed = 0) : this(size, size, padding, fill, seed) { }

    /// <summary>Output height.</summary>
    public int Height { get; }
    /// <summary>Output width.</summary>
    public int Width { get; }
    /// <summary>Border added on every side before cropping.</summary>
    public int Padding { get; }
    /// <summary>Value of the border.</summary>
    public double Fill { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2)
            throw new ShapeMismatchException($"RandomCrop: input of shape {input.Shape} needs at least 2 dims (…, H, W).");
        int h = input.Shape[-2] + 2 * Padding, w = input.Shape[-1] + 2 * Padding;
        if (h < Height || w < Width)
            throw new ShapeMismatchException($"RandomCrop: input of shape {input.Shape} padded by {Padding} is {h}×{w}, smaller than the crop {Height}×{Width}.");
        var g = SampleRandom.Current ?? _generator;
        int top = (int)Permutation.Below(g, (ulong)(h - Height + 1));
        int left = (int)Permutation.Below(g, (ulong)(w - Width + 1));
        using var padded = Padding > 0 ? input.Pad([Padding, Padding, Padding, Padding], PadMode.Constant, Fill) : input.Narrow(-1, 0, input.Shape[-1]);
        using var rows = padded.Narrow(-2, top, Height);
        using var window = rows.Narrow(-1, left, Width);
        return window.Clone();
    }
}

/// <summary>Reverses the last dimension (W) with probability <c>p</c> (torchvision RandomHorizontalFlip).</summary>
public sealed class RandomHorizontalFlip : ITransform
{
    private readonly Generator _generator;

    /// <summary>Flips with probability <paramref name="p"/> in [0, 1]; <paramref name="seed"/> seeds draws made outside a loader.</summary>
    public RandomHorizontalFlip(double p = 0.5, ulong seed = 0)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "RandomHorizontalFlip: p must lie in [0, 1].");
        P = p;
        _generator = new Generator(seed);
    }

    /// <summary>Probability of a flip.</summary>
    public double P { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 1) throw new ShapeMismatchException("RandomHorizontalFlip: a 0-d tensor has no dimension to flip.");
        var g = SampleRandom.Current ?? _generator;
        return g.NextDouble() < P ? input.Flip(-1) : input.Clone();
    }
}
