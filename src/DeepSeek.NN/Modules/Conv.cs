namespace DeepSeek.NN;

/// <summary>Shared checks and torch's default initialisation for convolution layers.</summary>
internal static class ConvInit
{
    /// <summary>
    /// torch's reset_parameters: weight ← kaiming_uniform(a = √5), i.e. U(±1/√fan_in); bias ← U(±1/√fan_in), fan_in from the weight.
    /// </summary>
    public static (Parameter Weight, Parameter? Bias) Create(Shape weightShape, int biasSize, bool bias, Generator? g, DType dtype)
    {
        var w = Tensor.Empty(weightShape, dtype);
        Init.KaimingUniform(w, a: Math.Sqrt(5), generator: g);
        Parameter? b = null;
        if (bias)
        {
            var (fanIn, _) = Init.CalculateFans(weightShape);
            double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            b = new Parameter(Tensor.Rand(new Shape(biasSize), g ?? Generator.Default, -bound, bound, dtype));
        }
        return (new Parameter(w), b);
    }

    public static void CheckChannels(string layer, int inChannels, int outChannels, int groups)
    {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0)
            throw new ArgumentException($"{layer}: channels and groups must be positive, got in={inChannels}, out={outChannels}, groups={groups}.");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"{layer}: in_channels ({inChannels}) and out_channels ({outChannels}) must both be divisible by groups ({groups}).");
    }

    public static void CheckInput(string layer, Tensor input, int rank, int inChannels)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != rank || input.Size(1) != inChannels)
            throw new ShapeMismatchException($"{layer}: expected input of rank {rank} with {inChannels} channels in dim 1, got shape {input.Shape}.");
    }
}

/// <summary>1-d convolution over [N, C_in, L] (torch.nn.Conv1d): weight [out, in/groups, k], bias [out].</summary>
public sealed class Conv1d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with torch's default initialisation, seeded by <paramref name="generator"/>.</summary>
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null, DType dtype = DType.F32)
    {
        ConvInit.CheckChannels("Conv1d", inChannels, outChannels, groups);
        if (kernelSize <= 0) throw new ArgumentException($"Conv1d: kernelSize must be positive, got {kernelSize}.", nameof(kernelSize));
        (InChannels, OutChannels, KernelSize, Stride, Padding, Dilation, Groups) = (inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
        var (w, b) = ConvInit.Create(new Shape(outChannels, inChannels / groups, kernelSize), outChannels, bias, generator, dtype);
        Weight = RegisterParameter("weight", w)!;
        Bias = RegisterParameter("bias", b);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel length.</summary>
    public int KernelSize { get; }
    /// <summary>Step.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; }
    /// <summary>Spacing between kernel taps.</summary>
    public int Dilation { get; }
    /// <summary>Channel groups.</summary>
    public int Groups { get; }
    /// <summary>[out, in/groups, k] weight.</summary>
    public Parameter Weight { get; }
    /// <summary>[out] bias, or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        ConvInit.CheckInput("Conv1d", input, 3, InChannels);
        return input.Conv1d(Weight, Bias?.Data, Stride, Padding, Dilation, Groups);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{InChannels}, {OutChannels}, kernel_size=({KernelSize},), stride=({Stride},), padding=({Padding},), groups={Groups}, bias={Bias is not null}";
}

/// <summary>2-d convolution over [N, C_in, H, W] (torch.nn.Conv2d): weight [out, in/groups, kh, kw], bias [out].</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with square kernel and scalar parameters.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null, DType dtype = DType.F32)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias, generator, dtype) { }

    /// <summary>Creates the layer with torch's default initialisation, seeded by <paramref name="generator"/>.</summary>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) dilation, int groups = 1, bool bias = true, Generator? generator = null, DType dtype = DType.F32)
    {
        ConvInit.CheckChannels("Conv2d", inChannels, outChannels, groups);
        if (kernelSize.H <= 0 || kernelSize.W <= 0) throw new ArgumentException($"Conv2d: kernelSize must be positive, got {kernelSize}.", nameof(kernelSize));
        (InChannels, OutChannels, KernelSize, Stride, Padding, Dilation, Groups) = (inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
        var (w, b) = ConvInit.Create(new Shape(outChannels, inChannels / groups, kernelSize.H, kernelSize.W), outChannels, bias, generator, dtype);
        Weight = RegisterParameter("weight", w)!;
        Bias = RegisterParameter("bias", b);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height and width.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Step.</summary>
    public (int H, int W) Stride { get; }
    /// <summary>Zero padding on each side.</summary>
    public (int H, int W) Padding { get; }
    /// <summary>Spacing between kernel taps.</summary>
    public (int H, int W) Dilation { get; }
    /// <summary>Channel groups.</summary>
    public int Groups { get; }
    /// <summary>[out, in/groups, kh, kw] weight.</summary>
    public Parameter Weight { get; }
    /// <summary>[out] bias, or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        ConvInit.CheckInput("Conv2d", input, 4, InChannels);
        return input.Conv2d(Weight, Bias?.Data, Stride, Padding, Dilation, Groups);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}, padding={Padding}, groups={Groups}, bias={Bias is not null}";
}

/// <summary>2-d transposed convolution (torch.nn.ConvTranspose2d): weight [in, out/groups, kh, kw], bias [out].</summary>
public sealed class ConvTranspose2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with square kernel and scalar parameters.</summary>
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0,
        int groups = 1, bool bias = true, int dilation = 1, Generator? generator = null, DType dtype = DType.F32)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (outputPadding, outputPadding),
            groups, bias, (dilation, dilation), generator, dtype) { }

    /// <summary>Creates the layer with torch's default initialisation (fan_in = out/groups·kh·kw from the weight's dim 1).</summary>
    public ConvTranspose2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) outputPadding, int groups, bool bias, (int H, int W) dilation, Generator? generator = null, DType dtype = DType.F32)
    {
        ConvInit.CheckChannels("ConvTranspose2d", inChannels, outChannels, groups);
        if (kernelSize.H <= 0 || kernelSize.W <= 0) throw new ArgumentException($"ConvTranspose2d: kernelSize must be positive, got {kernelSize}.", nameof(kernelSize));
        (InChannels, OutChannels, KernelSize, Stride, Padding, OutputPadding, Groups, Dilation) =
            (inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups, dilation);
        var (w, b) = ConvInit.Create(new Shape(inChannels, outChannels / groups, kernelSize.H, kernelSize.W), outChannels, bias, generator, dtype);
        Weight = RegisterParameter("weight", w)!;
        Bias = RegisterParameter("bias", b);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height and width.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Step.</summary>
    public (int H, int W) Stride { get; }
    /// <summary>Padding removed from each side of the full output.</summary>
    public (int H, int W) Padding { get; }
    /// <summary>Extra size added to one side of the output.</summary>
    public (int H, int W) OutputPadding { get; }
    /// <summary>Spacing between kernel taps.</summary>
    public (int H, int W) Dilation { get; }
    /// <summary>Channel groups.</summary>
    public int Groups { get; }
    /// <summary>[in, out/groups, kh, kw] weight.</summary>
    public Parameter Weight { get; }
    /// <summary>[out] bias, or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        ConvInit.CheckInput("ConvTranspose2d", input, 4, InChannels);
        return input.ConvTranspose2d(Weight, Bias?.Data, Stride, Padding, OutputPadding, Groups, Dilation);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}, padding={Padding}, groups={Groups}, bias={Bias is not null}";
}
