using DeepSeek.Backends;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// 1-d convolution (cross-correlation) of this [N, Cin, L] (or unbatched [Cin, L]) tensor with
    /// <paramref name="weight"/> [Cout, Cin/groups, k] and optional <paramref name="bias"/> [Cout], like torch.nn.functional.conv1d.
    /// </summary>
    public Tensor Conv1d(Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        CheckAlive("Conv1d");
        ArgumentNullException.ThrowIfNull(weight);
        weight.CheckAlive("Conv1d");
        if (Rank is not (2 or 3)) throw new ShapeMismatchException($"Conv1d: input must be 3-d [N, C, L] or 2-d [C, L], got shape {Shape}.");
        OpChecks.Rank("Conv1d", weight, 3, "weight [Cout, Cin/groups, k]");
        using var x4 = Unsqueeze(-2);
        using var w4 = weight.Unsqueeze(2);
        var p = new Conv2dParams(1, stride, 0, padding, 0, padding, 1, dilation, groups);
        using var y = x4.ConvEntry("Conv1d", w4, bias, p, shownWeight: weight.Shape);
        return y.Squeeze(-2);
    }

    /// <summary>
    /// 2-d convolution (cross-correlation) of this [N, Cin, H, W] (or unbatched [Cin, H, W]) tensor with
    /// <paramref name="weight"/> [Cout, Cin/groups, kh, kw] and optional <paramref name="bias"/> [Cout], like torch.nn.functional.conv2d.
    /// </summary>
    public Tensor Conv2d(Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    /// <summary>2-d convolution with separate vertical and horizontal stride, symmetric padding and dilation.</summary>
    public Tensor Conv2d(Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups = 1) =>
        ConvEntry("Conv2d", weight, bias, new Conv2dParams(stride.H, stride.W, padding.H, padding.W, padding.H, padding.W, dilation.H, dilation.W, groups));

    /// <summary>
    /// 2-d convolution with explicit, possibly asymmetric pads [top, left, bottom, right] (ONNX's order
    /// x1_begin, x2_begin, x1_end, x2_end).
    /// </summary>
    public Tensor Conv2d(Tensor weight, Tensor? bias, (int H, int W) stride, int[] pads, (int H, int W) dilation, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(pads);
        if (pads.Length != 4) throw new ArgumentException($"Conv2d: pads must hold 4 values [top, left, bottom, right], got {pads.Length}.", nameof(pads));
        return ConvEntry("Conv2d", weight, bias, new Conv2dParams(stride.H, stride.W, pads[0], pads[1], pads[2], pads[3], dilation.H, dilation.W, groups));
    }

    /// <summary>
    /// 2-d transposed convolution of this [N, Cin, H, W] (or [Cin, H, W]) tensor with <paramref name="weight"/>
    /// [Cin, Cout/groups, kh, kw], like torch.nn.functional.conv_transpose2d: OH = (H − 1)·stride − 2·padding +
    /// dilation·(kh − 1) + outputPadding + 1.
    /// </summary>
    public Tensor ConvTranspose2d(Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, int dilation = 1) =>
        ConvTranspose2d(weight, bias, (stride, stride), (padding, padding), (outputPadding, outputPadding), groups, (dilation, dilation));

    /// <summary>2-d transposed convolution with separate vertical and horizontal parameters.</summary>
    public Tensor ConvTranspose2d(Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) outputPadding,
        int groups, (int H, int W) dilation)
    {
        CheckAlive("ConvTranspose2d");
        ArgumentNullException.ThrowIfNull(weight);
        var p = new Conv2dParams(stride.H, stride.W, padding.H, padding.W, padding.H, padding.W, dilation.H, dilation.W, groups);
        if (outputPadding.H < 0 || outputPadding.W < 0
            || outputPadding.H >= Math.Max(stride.H, dilation.H) || outputPadding.W >= Math.Max(stride.W, dilation.W))
            throw new ArgumentException($"ConvTranspose2d: outputPadding ({outputPadding.H}, {outputPadding.W}) must be non-negative and smaller than stride ({stride.H}, {stride.W}) or dilation ({dilation.H}, {dilation.W}).", nameof(outputPadding));
        return ConvEntry("ConvTranspose2d", weight, bias, p, transposed: true, outputPadding.H, outputPadding.W);
    }

    private Tensor ConvEntry(string op, Tensor weight, Tensor? bias, Conv2dParams p, bool transposed = false, int outPadH = 0, int outPadW = 0,
        Shape? shownWeight = null)
    {
        CheckAlive(op);
        ArgumentNullException.ThrowIfNull(weight);
        weight.CheckAlive(op);
        if (Rank is not (3 or 4)) throw new ShapeMismatchException($"{op}: input must be 4-d [N, C, H, W] or 3-d [C, H, W], got shape {Shape}.");
        bias?.CheckAlive(op);
        if (DeepSeek.Autocast.Lowers(this, weight, bias, out var low))
            return Lowered(this, weight, bias, low, (x, w, b) => x.ConvEntry(op, w!, b, p, transposed, outPadH, outPadW, shownWeight));
        if (Rank == 4 && !transposed && Tracing.OpTrace.Current is { } tr)
            return TraceOne(tr, "Conv", bias is null ? [this, weight] : [this, weight, bias],
                () => ConvEntry(op, weight, bias, p, transposed, outPadH, outPadW, shownWeight), new()
                {
                    ["kernel_shape"] = new long[] { weight.Size(2), weight.Size(3) },
                    ["strides"] = new long[] { p.StrideH, p.StrideW },
                    ["pads"] = new long[] { p.PadTop, p.PadLeft, p.PadBottom, p.PadRight },
                    ["dilations"] = new long[] { p.DilationH, p.DilationW },
                    ["group"] = (long)p.Groups,
                });
        var shown = shownWeight ?? weight.Shape;
        if (Rank == 4) return ConvCore(op, weight, bias, p, transposed, outPadH, outPadW, shown);
        using var x4 = Unsqueeze(0);
        using var y = x4.ConvCore(op, weight, bias, p, transposed, outPadH, outPadW, shown);
        return y.Squeeze(0);
    }

    // Checks, output shape, F16/BF16 upcast, one kernel call. `shownWeight` is the caller's weight shape for messages.
    private Tensor ConvCore(string op, Tensor weight, Tensor? bias, Conv2dParams p, bool transposed, int outPadH, int outPadW, Shape shownWeight)
    {
        if (Autograd.GradMode.ShouldRecord([this, weight, bias]))
        {
            Tensor r;
            using (NoGrad()) r = ConvCore(op, weight, bias, p, transposed, outPadH, outPadW, shownWeight);
            return r.WithGradFn(new Autograd.ConvolutionBackward(op, this, weight, bias, p, transposed));
        }
        weight.CheckAlive(op);
        bias?.CheckAlive(op);
        OpChecks.SameDevice(op, this, weight);
        if (bias is not null) OpChecks.SameDevice(op, this, bias);
        OpChecks.Floating(op, this);
        OpChecks.SameDType(op, this, weight);
        if (bias is not null) OpChecks.SameDType(op, this, bias);
        if (weight.Rank != 4) throw new ShapeMismatchException($"{op}: weight must be {(op == "Conv1d" ? 3 : 4)}-d, got shape {shownWeight}.");
        if (p.StrideH < 1 || p.StrideW < 1 || p.DilationH < 1 || p.DilationW < 1 || p.Groups < 1
            || p.PadTop < 0 || p.PadLeft < 0 || p.PadBottom < 0 || p.PadRight < 0)
            throw new ArgumentException($"{op}: stride, dilation and groups must be positive and padding non-negative, got {p}.");
        int n = Size(0), cin = Size(1), h = Size(2), w = Size(3);
        int kh = weight.Size(2), kw = weight.Size(3), g = p.Groups;
        int cout, oh, ow;
        if (!transposed)
        {
            cout = weight.Size(0);
            if (weight.Size(1) * g != cin)
                throw new ShapeMismatchException($"{op}: input {Shape} has {cin} channels but weight {shownWeight} with groups={g} expects {weight.Size(1) * g}.");
            if (cout % g != 0)
                throw new ShapeMismatchException($"{op}: weight {shownWeight} has {cout} output channels, not divisible by groups={g}.");
            oh = (h + p.PadTop + p.PadBottom - p.DilationH * (kh - 1) - 1) / p.StrideH + 1;
            ow = (w + p.PadLeft + p.PadRight - p.DilationW * (kw - 1) - 1) / p.StrideW + 1;
            if (h + p.PadTop + p.PadBottom < p.DilationH * (kh - 1) + 1 || w + p.PadLeft + p.PadRight < p.DilationW * (kw - 1) + 1)
                throw new ShapeMismatchException($"{op}: padded input {Shape} (pads {p.PadTop},{p.PadLeft},{p.PadBottom},{p.PadRight}) is smaller than the dilated kernel of weight {shownWeight} (dilation {p.DilationH}, {p.DilationW}).");
        }
        else
        {
            if (weight.Size(0) != cin)
                throw new ShapeMismatchException($"{op}: input {Shape} has {cin} channels but weight {shownWeight} (layout [Cin, Cout/groups, kh, kw]) expects {weight.Size(0)}.");
            if (cin % g != 0)
                throw new ShapeMismatchException($"{op}: input {Shape} has {cin} channels, not divisible by groups={g}.");
            cout = weight.Size(1) * g;
            oh = (h - 1) * p.StrideH - p.PadTop - p.PadBottom + p.DilationH * (kh - 1) + outPadH + 1;
            ow = (w - 1) * p.StrideW - p.PadLeft - p.PadRight + p.DilationW * (kw - 1) + outPadW + 1;
            if (oh <= 0 || ow <= 0)
                throw new ShapeMismatchException($"{op}: input {Shape} with weight {shownWeight} and padding ({p.PadTop}, {p.PadLeft}) gives an empty output [{oh}, {ow}].");
        }
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != cout))
            throw new ShapeMismatchException($"{op}: bias must have shape [{cout}] (output channels of weight {shownWeight}), got {bias.Shape}.");
        var outShape = new Shape(n, cout, oh, ow);
        bool up = DType is DType.F16 or DType.BF16;
        if (!up)
        {
            var dst = Empty(outShape, DType, Device);
            if (transposed) Backend.ConvTranspose2d(this, weight, bias, p, dst);
            else Backend.Conv2d(this, weight, bias, p, dst);
            return dst;
        }
        using var x32 = To(DType.F32);
        using var w32 = weight.To(DType.F32);
        using var b32 = bias?.To(DType.F32);
        using var d32 = Empty(outShape, DType.F32, Device);
        if (transposed) Backend.ConvTranspose2d(x32, w32, b32, p, d32);
        else Backend.Conv2d(x32, w32, b32, p, d32);
        return d32.To(DType);
    }

    /// <summary>
    /// Input gradient of a (transposed) convolution, shaped <paramref name="xShape"/>: ConvTranspose2d of
    /// <paramref name="gradOut"/> for a convolution, Conv2d of it for a transposed one (same weight and geometry).
    /// </summary>
    internal static Tensor ConvInputGrad(Tensor gradOut, Tensor weight, Conv2dParams p, Shape xShape, bool transposed)
    {
        var dtype = weight.DType;
        var compute = dtype == DType.F64 ? DType.F64 : DType.F32;
        using var g = gradOut.DType != compute ? gradOut.To(compute) : null;
        using var w = weight.DType != compute ? weight.To(compute) : null;
        var gx = gradOut.Numel > 0 ? Empty(xShape, compute, weight.Device) : Zeros(xShape, compute, weight.Device);
        if (gx.Numel > 0 && gradOut.Numel > 0)
        {
            if (transposed) weight.Backend.Conv2d(g ?? gradOut, w ?? weight, null, p, gx);
            else weight.Backend.ConvTranspose2d(g ?? gradOut, w ?? weight, null, p, gx);
        }
        if (compute == dtype) return gx;
        using (gx) return gx.To(dtype);
    }

    /// <summary>
    /// Weight gradient of a convolution, shaped <paramref name="wShape"/> [Cout, Cin/groups, kh, kw]: Σ gradOut ⊗ receptive
    /// fields of <paramref name="input"/>. A transposed convolution passes its output gradient as input and its input as gradOut.
    /// </summary>
    internal static Tensor ConvWeightGrad(Tensor input, Tensor gradOut, Conv2dParams p, Shape wShape, DType dtype)
    {
        var compute = dtype == DType.F64 ? DType.F64 : DType.F32;
        using var x = input.DType != compute ? input.To(compute) : null;
        using var g = gradOut.DType != compute ? gradOut.To(compute) : null;
        var gw = Empty(wShape, compute, input.Device);
        input.Backend.Conv2dBackwardWeight(x ?? input, g ?? gradOut, p, gw);
        if (compute == dtype) return gw;
        using (gw) return gw.To(dtype);
    }
}
