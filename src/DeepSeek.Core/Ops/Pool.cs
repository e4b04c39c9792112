using DeepSeek.Backends;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-d max pooling of this [N, C, H, W] (or [C, H, W]) tensor, like torch.nn.functional.max_pool2d;
    /// <paramref name="stride"/> defaults to the kernel size, padding never wins, NaN propagates.
    /// </summary>
    public Tensor MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPool2d((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode);

    /// <summary>2-d max pooling with separate vertical and horizontal parameters.</summary>
    public Tensor MaxPool2d((int H, int W) kernelSize, (int H, int W)? stride, (int H, int W) padding, (int H, int W) dilation, bool ceilMode = false) =>
        PoolEntry("MaxPool2d", kernelSize, stride, padding, dilation, ceilMode, true, PoolKind.Max).Output;

    /// <summary>
    /// 2-d max pooling that also returns, like torch's return_indices=True, the I64 index h·W + w of each
    /// maximum within its (n, c) plane.
    /// </summary>
    public (Tensor Output, Tensor Indices) MaxPool2dWithIndices(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    {
        var (o, i) = PoolEntry("MaxPool2d", (kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode, true, PoolKind.MaxWithIndices);
        return (o, i!);
    }

    /// <summary>
    /// 2-d average pooling like torch.nn.functional.avg_pool2d: with <paramref name="countIncludePad"/> the divisor is
    /// the window clipped to the padded input, else the number of real input cells in it.
    /// </summary>
    public Tensor AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        AvgPool2d((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), ceilMode, countIncludePad);

    /// <summary>2-d average pooling with separate vertical and horizontal parameters.</summary>
    public Tensor AvgPool2d((int H, int W) kernelSize, (int H, int W)? stride, (int H, int W) padding, bool ceilMode = false, bool countIncludePad = true) =>
        PoolEntry("AvgPool2d", kernelSize, stride, padding, (1, 1), ceilMode, countIncludePad, PoolKind.Avg).Output;

    /// <summary>1-d max pooling of this [N, C, L] (or [C, L]) tensor, like torch.nn.functional.max_pool1d.</summary>
    public Tensor MaxPool1d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    {
        CheckRank1d("MaxPool1d");
        using var x = Unsqueeze(-2);
        using var y = x.PoolEntry("MaxPool1d", (1, kernelSize), (1, stride ?? kernelSize), (0, padding), (1, dilation), ceilMode, true, PoolKind.Max).Output;
        return y.Squeeze(-2);
    }

    /// <summary>1-d average pooling of this [N, C, L] (or [C, L]) tensor, like torch.nn.functional.avg_pool1d.</summary>
    public Tensor AvgPool1d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
    {
        CheckRank1d("AvgPool1d");
        using var x = Unsqueeze(-2);
        using var y = x.PoolEntry("AvgPool1d", (1, kernelSize), (1, stride ?? kernelSize), (0, padding), (1, 1), ceilMode, countIncludePad, PoolKind.Avg).Output;
        return y.Squeeze(-2);
    }

    /// <summary>
    /// Adaptive average pooling to <paramref name="outputH"/> × <paramref name="outputW"/> like torch's adaptive_avg_pool2d:
    /// output cell i averages input rows floor(i·H/outH) … ceil((i+1)·H/outH) − 1 (same for columns).
    /// </summary>
    public Tensor AdaptiveAvgPool2d(int outputH, int outputW)
    {
        CheckAlive("AdaptiveAvgPool2d");
        if (outputH < 1 || outputW < 1) throw new ArgumentException($"AdaptiveAvgPool2d: output size must be positive, got ({outputH}, {outputW}).");
        CheckPoolInput("AdaptiveAvgPool2d");
        if (Rank == 3)
        {
            using var x4 = Unsqueeze(0);
            using var y = x4.AdaptiveAvgPool2d(outputH, outputW);
            return y.Squeeze(0);
        }
        if (Size(2) == 0 || Size(3) == 0)
            throw new ShapeMismatchException($"AdaptiveAvgPool2d: input {Shape} has an empty spatial dimension.");
        if (Tracing.OpTrace.Current is { } tr)
        {
            if (outputH == 1 && outputW == 1) return TraceOne(tr, "GlobalAveragePool", [this], () => AdaptiveAvgPool2d(1, 1));
            if (Size(2) % outputH == 0 && Size(3) % outputW == 0)
            {
                long kh = Size(2) / outputH, kw = Size(3) / outputW;
                return TraceOne(tr, "AveragePool", [this], () => AdaptiveAvgPool2d(outputH, outputW),
                    new() { ["kernel_shape"] = new[] { kh, kw }, ["strides"] = new[] { kh, kw } });
            }
        }
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = AdaptiveAvgPool2d(outputH, outputW);
            return r.WithGradFn(new Autograd.AdaptiveAvgPool2dBackward(this));
        }
        var outShape = new Shape(Size(0), Size(1), outputH, outputW);
        if (DType is DType.F32 or DType.F64)
        {
            var dst = Empty(outShape, DType, Device);
            Backend.AdaptiveAvgPool2d(this, dst);
            return dst;
        }
        using var x32 = To(DType.F32);
        using var d32 = Empty(outShape, DType.F32, Device);
        Backend.AdaptiveAvgPool2d(x32, d32);
        return d32.To(DType);
    }

    /// <summary>Adaptive average pooling to a square output.</summary>
    public Tensor AdaptiveAvgPool2d(int outputSize) => AdaptiveAvgPool2d(outputSize, outputSize);

    private enum PoolKind { Max, MaxWithIndices, Avg }

    private void CheckRank1d(string op)
    {
        CheckAlive(op);
        if (Rank is not (2 or 3)) throw new ShapeMismatchException($"{op}: input must be 3-d [N, C, L] or 2-d [C, L], got shape {Shape}.");
    }

    private void CheckPoolInput(string op)
    {
        if (Rank is not (3 or 4)) throw new ShapeMismatchException($"{op}: input must be 4-d [N, C, H, W] or 3-d [C, H, W], got shape {Shape}.");
        OpChecks.Floating(op, this);
    }

    // PyTorch's pooling output size; in ceil mode the last window must start inside the input or its left padding.
    private static int PoolOutSize(string op, int size, int k, int s, int pad, int d, bool ceil)
    {
        int num = size + 2 * pad - d * (k - 1) - 1;
        int o = (ceil ? (num + s - 1 >= 0 ? (num + s - 1) / s : -1) : (num >= 0 ? num / s : -1)) + 1;
        if (ceil && o > 0 && (long)(o - 1) * s >= size + pad) o--;
        if (o < 1 || num < 0)
            throw new ShapeMismatchException($"{op}: input size {size} with padding {pad} is smaller than the (dilated) window {d * (k - 1) + 1}.");
        return o;
    }

    private (Tensor Output, Tensor? Indices) PoolEntry(string op, (int H, int W) k, (int H, int W)? stride, (int H, int W) pad,
        (int H, int W) dil, bool ceil, bool countIncludePad, PoolKind kind)
    {
        CheckAlive(op);
        CheckPoolInput(op);
        var s = stride ?? k;
        if (k.H < 1 || k.W < 1 || s.H < 1 || s.W < 1 || dil.H < 1 || dil.W < 1 || pad.H < 0 || pad.W < 0)
            throw new ArgumentException($"{op}: kernel, stride and dilation must be positive and padding non-negative, got kernel ({k.H}, {k.W}), stride ({s.H}, {s.W}), padding ({pad.H}, {pad.W}), dilation ({dil.H}, {dil.W}).");
        if (pad.H > k.H / 2 || pad.W > k.W / 2)
            throw new ArgumentException($"{op}: padding ({pad.H}, {pad.W}) must be at most half the kernel size ({k.H}, {k.W}).");
        if (Rank == 3)
        {
            using var x4 = Unsqueeze(0);
            var (o4, i4) = x4.PoolEntry(op, k, stride, pad, dil, ceil, countIncludePad, kind);
            using (o4)
            using (i4)
                return (o4.Squeeze(0), i4?.Squeeze(0));
        }
        if (kind != PoolKind.MaxWithIndices && Tracing.OpTrace.Current is { } tr)
        {
            var attrs = new Dictionary<string, object>
            {
                ["kernel_shape"] = new long[] { k.H, k.W }, ["strides"] = new long[] { s.H, s.W },
                ["pads"] = new long[] { pad.H, pad.W, pad.H, pad.W }, ["ceil_mode"] = ceil ? 1L : 0L,
            };
            if (kind == PoolKind.Max) attrs["dilations"] = new long[] { dil.H, dil.W };
            else attrs["count_include_pad"] = countIncludePad ? 1L : 0L;
            var y = TraceOne(tr, kind == PoolKind.Max ? "MaxPool" : "AveragePool", [this],
                () => PoolEntry(op, k, stride, pad, dil, ceil, countIncludePad, kind).Output, attrs);
            return (y, null);
        }
        int oh = PoolOutSize(op, Size(2), k.H, s.H, pad.H, dil.H, ceil);
        int ow = PoolOutSize(op, Size(3), k.W, s.W, pad.W, dil.W, ceil);
        var p = new Pool2dParams(k.H, k.W, s.H, s.W, pad.H, pad.W, pad.H, pad.W, dil.H, dil.W, countIncludePad);
        if (Autograd.GradMode.ShouldRecord(this))
        {
            (Tensor Output, Tensor? Indices) r;
            using (NoGrad()) r = PoolEntry(op, k, stride, pad, dil, ceil, countIncludePad, kind == PoolKind.Avg ? kind : PoolKind.MaxWithIndices);
            if (kind == PoolKind.Avg) return (r.Output.WithGradFn(new Autograd.AvgPool2dBackward(op, this, p)), null);
            var node = new Autograd.MaxPool2dBackward(op, this, r.Indices!);
            if (kind == PoolKind.Max) r.Indices!.Dispose(); // the node keeps its own view
            return (r.Output.WithGradFn(node), kind == PoolKind.Max ? null : r.Indices);
        }
        var outShape = new Shape(Size(0), Size(1), oh, ow);
        var indices = kind == PoolKind.MaxWithIndices ? Empty(outShape, DType.I64, Device) : null;
        try
        {
            bool up = DType is DType.F16 or DType.BF16;
            using var x32 = up ? To(DType.F32) : null;
            var xin = x32 ?? this;
            var dst = Empty(outShape, xin.DType, Device);
            using (up ? dst : null)
            {
                if (kind == PoolKind.Avg) Backend.AvgPool2d(xin, p, dst);
                else Backend.MaxPool2d(xin, p, dst, indices);
                return (up ? dst.To(DType) : dst, indices);
            }
        }
        catch
        {
            indices?.Dispose();
            throw;
        }
    }

    // ---- gradients (called by the autograd nodes; they compute in F32/F64 and return the input's dtype) ----

    private static Tensor PoolGrad(Tensor gradOut, Shape xShape, DType dtype, Action<Tensor, Tensor> kernel)
    {
        var compute = dtype == DType.F64 ? DType.F64 : DType.F32;
        using var g = gradOut.DType != compute ? gradOut.To(compute) : null;
        var gx = Empty(xShape, compute, gradOut.Device);
        if (gx.Numel > 0) kernel(g ?? gradOut, gx);
        if (compute == dtype) return gx;
        using (gx) return gx.To(dtype);
    }

    /// <summary>Max-pooling input gradient: scatters <paramref name="gradOut"/> to the argmax positions in <paramref name="indices"/>.</summary>
    internal static Tensor MaxPool2dGrad(Tensor gradOut, Tensor indices, Shape xShape, DType dtype) =>
        PoolGrad(gradOut, xShape, dtype, (g, gx) => g.Backend.MaxPool2dBackward(g, indices, gx));

    /// <summary>Average-pooling input gradient for the window geometry <paramref name="p"/>.</summary>
    internal static Tensor AvgPool2dGrad(Tensor gradOut, Pool2dParams p, Shape xShape, DType dtype) =>
        PoolGrad(gradOut, xShape, dtype, (g, gx) => g.Backend.AvgPool2dBackward(g, p, gx));

    /// <summary>Adaptive-average-pooling input gradient.</summary>
    internal static Tensor AdaptiveAvgPool2dGrad(Tensor gradOut, Shape xShape, DType dtype) =>
        PoolGrad(gradOut, xShape, dtype, (g, gx) => g.Backend.AdaptiveAvgPool2dBackward(g, gx));
}
