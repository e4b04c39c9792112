using DeepSeek.Backends;

namespace DeepSeek;

// Border and mask ops: Pad (constant/reflect/replicate/circular, negative pads crop), Flip, Tril/Triu and MaskedFill.
public sealed partial class Tensor
{
    /// <summary>
    /// Pads (negative amounts crop) like torch.nn.functional.pad: <paramref name="pads"/> lists pairs starting from the last
    /// dimension — [left, right] pads the last dim, [left, right, top, bottom] the last two, and so on.
    /// <paramref name="value"/> fills the border in <see cref="PadMode.Constant"/> mode. Reflect needs pads smaller than the
    /// dimension, circular pads at most the dimension, replicate a non-empty dimension. Any dtype and any number of dims.
    /// </summary>
    public Tensor Pad(int[] pads, PadMode mode = PadMode.Constant, double value = 0)
    {
        const string op = "Pad";
        ArgumentNullException.ThrowIfNull(pads);
        CheckAlive(op);
        if (pads.Length % 2 != 0 || pads.Length > 2 * Rank)
            throw new ArgumentException($"{op}: pads [{string.Join(", ", pads)}] must have an even length of at most 2 × rank = {2 * Rank} (shape {Shape}).", nameof(pads));
        if (mode == PadMode.Constant) CheckFillValue(op, DType, value);
        var before = new int[Rank];
        var after = new int[Rank];
        var shape = (int[])_shape.Clone();
        for (int p = 0; p < pads.Length / 2; p++)
        {
            int d = Rank - 1 - p;
            before[d] = pads[2 * p];
            after[d] = pads[2 * p + 1];
            long size = (long)_shape[d] + before[d] + after[d];
            if (size < 0 || size > int.MaxValue)
                throw new ShapeMismatchException($"{op}: pads ({before[d]}, {after[d]}) turn dimension {d} of size {_shape[d]} into {size} (shape {Shape}).");
            shape[d] = (int)size;
            CheckPadMode(op, mode, d, _shape[d], before[d], after[d]);
        }
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = Pad(pads, mode, value);
            return r.WithGradFn(new Autograd.PadBackward(this, pads, before, after, mode));
        }
        return RunKernel(Empty(shape, DType, Device), dst => Backend.Pad(this, before, after, mode, value, dst));
    }

    private void CheckPadMode(string op, PadMode mode, int d, int n, int before, int after)
    {
        int most = Math.Max(before, after);
        if (most <= 0 || mode == PadMode.Constant) return;
        string what = mode switch
        {
            PadMode.Reflect when most >= n => $"reflect padding needs pads < the dimension size {n}",
            PadMode.Circular when most > n => $"circular padding needs pads ≤ the dimension size {n}",
            PadMode.Replicate when n == 0 => "replicate padding needs a non-empty dimension",
            _ => "",
        };
        if (what.Length > 0)
            throw new ArgumentException($"{op}: {what}, got ({before}, {after}) for dimension {d} of shape {Shape}.");
    }

    /// <summary>Reverses the order of elements along each of <paramref name="dims"/> (torch.flip; a copy). Any dtype.</summary>
    public Tensor Flip(params int[] dims)
    {
        const string op = "Flip";
        ArgumentNullException.ThrowIfNull(dims);
        CheckAlive(op);
        var flip = new bool[Rank];
        foreach (var dim in dims)
        {
            int d = Shape.NormalizeAxis(dim, Rank, op);
            if (Rank == 0) continue;
            if (flip[d]) throw new ArgumentException($"{op}: dimension {d} appears more than once in [{string.Join(", ", dims)}].", nameof(dims));
            flip[d] = true;
        }
        var result = RunKernel(Empty(Shape, DType, Device), dst => Backend.Flip(this, flip, dst));
        return Autograd.GradMode.ShouldRecord(this) ? result.WithGradFn(new Autograd.FlipBackward(this, (int[])dims.Clone())) : result;
    }

    /// <summary>Lower triangle of the last two dims: keeps elements with column ≤ row + <paramref name="diagonal"/>, zeroes the rest (torch.tril).</summary>
    public Tensor Tril(int diagonal = 0) => Triangle("Tril", diagonal, upper: false);

    /// <summary>Upper triangle of the last two dims: keeps elements with column ≥ row + <paramref name="diagonal"/>, zeroes the rest (torch.triu).</summary>
    public Tensor Triu(int diagonal = 0) => Triangle("Triu", diagonal, upper: true);

    private Tensor Triangle(string op, int diagonal, bool upper)
    {
        CheckAlive(op);
        if (Rank < 2) throw new ShapeMismatchException($"{op}: expects a tensor with at least 2 dimensions, got shape {Shape}.");
        if (Tracing.OpTrace.Current is { } tr) return TraceTriangle(tr, this, diagonal, upper, () => Triangle(op, diagonal, upper));
        var result = RunKernel(Empty(Shape, DType, Device), dst => Backend.Triangle(this, diagonal, upper, dst));
        return Autograd.GradMode.ShouldRecord(this) ? result.WithGradFn(new Autograd.TriangleBackward(this, diagonal, upper)) : result;
    }

    /// <summary>
    /// Out-of-place torch.masked_fill: <paramref name="value"/> where the Bool <paramref name="mask"/> is true, this tensor's
    /// value elsewhere. Tensor and mask broadcast to a common shape. Any dtype; the value must fit the dtype.
    /// </summary>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        const string op = "MaskedFill";
        ArgumentNullException.ThrowIfNull(mask);
        OpChecks.Alive(op, this, mask);
        OpChecks.SameDevice(op, this, mask);
        if (mask.DType != DType.Bool)
            throw new DTypeMismatchException($"{op}: mask must be bool, got {mask.DType.Name()} with shape {mask.Shape}.");
        CheckFillValue(op, DType, value);
        if (Tracing.OpTrace.Current is { } tr) return TraceMaskedFill(tr, mask, value, () => MaskedFill(mask, value));
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = MaskedFill(mask, value);
            return r.WithGradFn(new Autograd.MaskedFillBackward(this, mask));
        }
        var (x, m, shape) = OpChecks.Broadcast(op, this, mask);
        using (x)
        using (m)
            return RunKernel(Empty(shape, DType, Device), dst => Backend.MaskedFill(x, m, value, dst));
    }

    /// <summary>Rejects a fill value the dtype cannot hold (a fraction or out-of-range value for integers, overflow for f16).</summary>
    private static void CheckFillValue(string op, DType dtype, double value)
    {
        (double lo, double hi) = dtype switch
        {
            DType.I8 => (sbyte.MinValue, sbyte.MaxValue),
            DType.U8 => (byte.MinValue, byte.MaxValue),
            DType.I16 => (short.MinValue, short.MaxValue),
            DType.I32 => (int.MinValue, int.MaxValue),
            DType.I64 => (long.MinValue, 9223372036854775807.0),
            _ => (double.NaN, double.NaN),
        };
        if (dtype.IsInteger())
        {
            if (double.IsNaN(value) || value != Math.Floor(value) || value < lo || value > hi || (dtype == DType.I64 && value >= hi))
                throw new ArgumentException($"{op}: value {value} cannot be stored in {dtype.Name()} (needs an integer in [{lo}, {hi}]).", nameof(value));
        }
        else if (dtype == DType.F16 && double.IsFinite(value) && Math.Abs(value) > 65504)
            throw new ArgumentException($"{op}: value {value} overflows f16 (largest finite value 65504).", nameof(value));
    }
}
