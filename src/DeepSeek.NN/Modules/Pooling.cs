namespace DeepSeek.NN;

/// <summary>2-d max pooling over [N, C, H, W] (torch.nn.MaxPool2d; stride defaults to the kernel size).</summary>
public sealed class MaxPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W) padding = default,
    (int H, int W)? dilation = null, bool ceilMode = false) : Module<Tensor, Tensor>
{
    /// <summary>Square window with scalar parameters.</summary>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : this((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode) { }

    /// <summary>Window size.</summary>
    public (int H, int W) KernelSize { get; } = kernelSize;
    /// <summary>Step (the kernel size when not given).</summary>
    public (int H, int W) Stride { get; } = stride ?? kernelSize;
    /// <summary>Implicit −∞ padding on each side.</summary>
    public (int H, int W) Padding { get; } = padding;
    /// <summary>Spacing between window elements.</summary>
    public (int H, int W) Dilation { get; } = dilation ?? (1, 1);
    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.MaxPool2d(KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, ceil_mode={CeilMode}";
}

/// <summary>2-d average pooling over [N, C, H, W] (torch.nn.AvgPool2d).</summary>
public sealed class AvgPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W) padding = default,
    bool ceilMode = false, bool countIncludePad = true) : Module<Tensor, Tensor>
{
    /// <summary>Square window with scalar parameters.</summary>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
        : this((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), ceilMode, countIncludePad) { }

    /// <summary>Window size.</summary>
    public (int H, int W) KernelSize { get; } = kernelSize;
    /// <summary>Step (the kernel size when not given).</summary>
    public (int H, int W) Stride { get; } = stride ?? kernelSize;
    /// <summary>Implicit zero padding on each side.</summary>
    public (int H, int W) Padding { get; } = padding;
    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; } = ceilMode;
    /// <summary>Whether padded zeros count in the divisor.</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.AvgPool2d(KernelSize, Stride, Padding, CeilMode, CountIncludePad);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}";
}

/// <summary>Average pooling to a fixed output size (torch.nn.AdaptiveAvgPool2d).</summary>
public sealed class AdaptiveAvgPool2d((int H, int W) outputSize) : Module<Tensor, Tensor>
{
    /// <summary>Square output.</summary>
    public AdaptiveAvgPool2d(int outputSize) : this((outputSize, outputSize)) { }

    /// <summary>Output height and width.</summary>
    public (int H, int W) OutputSize { get; } = outputSize;

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input) => input.AdaptiveAvgPool2d(OutputSize.H, OutputSize.W);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"output_size={OutputSize}";
}
