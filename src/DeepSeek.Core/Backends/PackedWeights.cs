// A constant weight laid out once in the order the GEMM micro-kernel reads it (Goto & van de Geijn, TOMS 2008: the
// packed A/B micro-panels), so inference never re-packs it: conv weights become MR-row panels of the A operand
// [Cout/g, Cin/g·kh·kw] per group, Linear/MatMul weights NR-column panels of the B operand [K, N], each panel K deep.
using System.Runtime.InteropServices;
using DeepSeek.Backends.Cpu.Gemm;

namespace DeepSeek.Backends;

/// <summary>What a <see cref="PackedWeights"/> holds.</summary>
public enum PackedWeightsKind
{
    /// <summary>A convolution weight [Cout, Cin/groups, kh, kw] as the GEMM's left operand, per group.</summary>
    Conv,
    /// <summary>A matrix B [K, N] as the GEMM's right operand (Linear's weight transposed, MatMul's constant B).</summary>
    Gemm,
}

/// <summary>
/// An immutable, pre-packed copy of a constant F32 weight in the CPU GEMM micro-kernel's panel layout. Make it once
/// (<see cref="ForConv(Tensor, int, int)"/>, <see cref="ForLinear"/>, <see cref="ForMatMul"/>) and pass it to the kernel entry points
/// that take it (<see cref="INNKernels.Conv2d(Tensor, PackedWeights, Tensor?, Conv2dParams, Tensor, in Epilogue)"/>,
/// <see cref="ILinalgKernels.Linear(Tensor, PackedWeights, Tensor?, Tensor, in Epilogue)"/>); any number of threads may
/// use it at once. It owns native memory: dispose it when the model is unloaded (a finalizer is the safety net).
/// </summary>
public sealed unsafe class PackedWeights : IDisposable
{
    private float* _data;

    private PackedWeights(PackedWeightsKind kind, Shape shape, int groups, int rows, int depth, int cols, float scale, bool plain = false,
        bool transposed = false, bool winograd = false)
    {
        IsWinograd = winograd;
        IsPlain = plain;
        IsTransposed = transposed;
        Kind = kind;
        Shape = shape;
        Groups = groups;
        Rows = rows;
        Depth = depth;
        Cols = cols;
        Scale = scale;
        // a conv weight's rows are fixed now: take the register tile that pads them the least
        bool aPanels = kind == PackedWeightsKind.Conv && !transposed;
        Config = aPanels ? SgemmConfig.ForRows(rows, SgemmConfig.ForCurrentLevel()) : SgemmConfig.ForCurrentLevel();
        long panels = aPanels ? (rows + Config.MR - 1) / Config.MR : ((transposed ? rows : cols) + Config.NR - 1) / Config.NR;
        int width = aPanels ? Config.MR : Config.NR;
        GroupFloats = plain ? (long)rows * depth : panels * width * depth;
        // Winograd: one A operand per transform component, U_ξ [Cout × Cin] at ξ·GroupFloats
        long floats = Math.Max(1, GroupFloats * groups * (winograd ? Cpu.Conv.WinogradConv.Components : 1));
        Bytes = floats * sizeof(float);
        _data = (float*)NativeMemory.AlignedAlloc((nuint)Bytes, 64);
        GC.AddMemoryPressure(Bytes);
    }

    /// <summary>Conv or Gemm.</summary>
    public PackedWeightsKind Kind { get; }

    /// <summary>The source weight's shape: [Cout, Cin/groups, kh, kw] for a conv, [K, N] (the B operand) for a GEMM.</summary>
    public Shape Shape { get; }

    /// <summary>Convolution groups (1 for a GEMM weight).</summary>
    public int Groups { get; }

    /// <summary>Element type of the packed data (F32).</summary>
    public DType DType => DType.F32;

    /// <summary>Bytes of packed data (panels are zero-padded to the micro-kernel's tile).</summary>
    public long Bytes { get; }

    /// <summary>The factor the weight was multiplied by while packing (ONNX Gemm's alpha; 1 otherwise).</summary>
    public float Scale { get; }

    /// <summary>True after <see cref="Dispose"/>.</summary>
    public bool IsDisposed => _data == null;

    // GEMM view: conv = A [Rows = Cout/g, Depth = Cin/g·kh·kw] per group; gemm = B [Depth = K, Cols = N].
    internal int Rows { get; }
    internal int Depth { get; }
    internal int Cols { get; }
    internal long GroupFloats { get; }
    internal SgemmConfig Config { get; }

    /// <summary>
    /// True for a depthwise weight (one input and one output channel per group), kept in its own [Cout, kh·kw] layout for
    /// the direct depthwise kernel: as a GEMM it would be a one-row A padded to a whole register tile.
    /// </summary>
    internal bool IsPlain { get; }

    /// <summary>True for a conv weight packed as B panels of Wᵀ [Cin/g·kh·kw, Cout/g] for small output planes (PackedConvSmall).</summary>
    internal bool IsTransposed { get; }

    /// <summary>
    /// True for a 3×3 conv weight transformed for Winograd F(4×4, 3×3): 36 A operands U_ξ = (G g Gᵀ)_ξ [Cout, Cin], each
    /// <see cref="GroupFloats"/> long; it serves only stride-1, dilation-1, single-group convolutions (WinogradConv).
    /// </summary>
    internal bool IsWinograd { get; }

    /// <summary>Packed panels of group <paramref name="g"/>; throws when disposed.</summary>
    internal float* Group(int g, string op)
    {
        if (_data == null) throw new ObjectDisposedException(nameof(PackedWeights), $"{op}: the packed weights {Kind}{Shape} were disposed.");
        return _data + g * GroupFloats;
    }

    /// <summary>
    /// Packs a convolution weight <paramref name="weight"/> [Cout, Cin/groups, kh, kw] (F32, any strides) for
    /// <paramref name="groups"/> groups. <paramref name="outputPixels"/> (OH·OW, when the output plane is known) lets a
    /// small plane (7×7, 14×14) get the layout that wastes less of the register tile; the packed weight serves any input.
    /// </summary>
    public static PackedWeights ForConv(Tensor weight, int groups = 1, int outputPixels = 0)
    {
        Check("PackedWeights.ForConv", weight, 4, "[Cout, Cin/groups, kh, kw]");
        if (groups < 1 || weight.Size(0) % groups != 0)
            throw new ShapeMismatchException($"PackedWeights.ForConv: weight {weight.Shape} has {weight.Size(0)} output channels, not divisible by groups={groups}.");
        int cog = weight.Size(0) / groups;
        int k = checked(weight.Size(1) * weight.Size(2) * weight.Size(3));
        bool depthwise = groups > 1 && cog == 1 && weight.Size(1) == 1;
        bool plain = depthwise || Cpu.Conv.SmallCinConv.KeepsPlain(groups, weight.Size(1)); // direct kernels read [Cout, Cin·kh·kw]
        bool transposed = !plain && Cpu.Conv.PackedConv.PreferTransposed(cog, outputPixels, SgemmConfig.ForCurrentLevel());
        var pw = new PackedWeights(PackedWeightsKind.Conv, weight.Shape, groups, cog, k, 0, 1f, plain, transposed);
        using var wc = weight.Contiguous();
        float* src = Cpu.CpuBackend.Ptr<float>(wc);
        if (plain) new ReadOnlySpan<float>(src, groups * cog * k).CopyTo(new Span<float>(pw._data, groups * cog * k));
        else if (transposed)
            for (int g = 0; g < groups; g++)
                SgemmPack.PackB(true, src + (long)g * cog * k, k, 0, k, 0, cog, pw.Config.NR, pw._data + g * pw.GroupFloats);
        else
            for (int g = 0; g < groups; g++)
                SgemmPack.PackA(false, src + (long)g * cog * k, k, 0, cog, 0, k, pw.Config.MR, pw._data + g * pw.GroupFloats);
        return pw;
    }

    /// <summary>
    /// Packs a convolution weight <paramref name="weight"/> [Cout, Cin/groups, kh, kw] (F32, any strides) for the
    /// convolution <paramref name="p"/> of inputs [<paramref name="batch"/>, Cin, <paramref name="inputH"/>,
    /// <paramref name="inputW"/>]: a 3×3, stride-1, dilation-1, single-group convolution is transformed for Winograd
    /// F(4×4, 3×3) where that measured faster at this size (WinogradConv.Prefer), every other one packed as
    /// <see cref="ForConv(Tensor, int, int)"/> does for its output plane. A Winograd-packed weight serves only
    /// convolutions with those parameters (any input size and padding); the others serve any input.
    /// </summary>
    public static PackedWeights ForConv(Tensor weight, Conv2dParams p, int inputH, int inputW, int batch = 1)
    {
        Check("PackedWeights.ForConv", weight, 4, "[Cout, Cin/groups, kh, kw]");
        int oh = (inputH + p.PadTop + p.PadBottom - p.DilationH * (weight.Size(2) - 1) - 1) / p.StrideH + 1;
        int ow = (inputW + p.PadLeft + p.PadRight - p.DilationW * (weight.Size(3) - 1) - 1) / p.StrideW + 1;
        if (Cpu.Conv.WinogradConv.Supports(weight.Size(2), weight.Size(3), p) && oh > 0 && ow > 0
            && Cpu.Conv.WinogradConv.Prefer(weight.Size(1), weight.Size(0), oh, ow, batch))
            return ForConvWinograd(weight);
        return ForConv(weight, p.Groups, oh > 0 && ow > 0 ? oh * ow : 0);
    }

    /// <summary>Transforms a 3×3 weight [Cout, Cin, 3, 3] for Winograd F(4×4, 3×3) whatever the size (tests and benchmarks).</summary>
    internal static PackedWeights ForConvWinograd(Tensor weight)
    {
        const string op = "PackedWeights.ForConv (Winograd)";
        Check(op, weight, 4, "[Cout, Cin, 3, 3]");
        if (weight.Size(2) != 3 || weight.Size(3) != 3)
            throw new ShapeMismatchException($"{op}: Winograd F(4x4, 3x3) needs a 3x3 kernel, got weight {weight.Shape}.");
        int cout = weight.Size(0), cin = weight.Size(1);
        var pw = new PackedWeights(PackedWeightsKind.Conv, weight.Shape, 1, cout, cin, 0, 1f, winograd: true);
        using var wc = weight.Contiguous();
        float* src = Cpu.CpuBackend.Ptr<float>(wc);
        const int comps = Cpu.Conv.WinogradConv.Components;
        long plane = (long)cout * cin;
        float* u = (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(1, comps * plane) * sizeof(float)), 64);
        try
        {
            // U_ξ[o, c] = (G g_oc Gᵀ)_ξ, then each U_ξ into MR-row panels of depth Cin
            for (long oc = 0; oc < plane; oc++)
                Cpu.Conv.WinogradTransforms.Filter(new ReadOnlySpan<float>(src + oc * 9, 9), u + oc, plane);
            for (int xi = 0; xi < comps; xi++)
                SgemmPack.PackA(false, u + xi * plane, cin, 0, cout, 0, cin, pw.Config.MR, pw._data + xi * pw.GroupFloats);
        }
        finally
        {
            NativeMemory.AlignedFree(u);
        }
        return pw;
    }

    /// <summary>Packs a MatMul right operand <paramref name="b"/> [K, N] (F32, any strides), multiplied by <paramref name="scale"/>.</summary>
    public static PackedWeights ForMatMul(Tensor b, float scale = 1f)
    {
        Check("PackedWeights.ForMatMul", b, 2, "[K, N]");
        var pw = new PackedWeights(PackedWeightsKind.Gemm, b.Shape, 1, 0, b.Size(0), b.Size(1), scale);
        using var bc = Cpu.CpuBackend.MatrixOperand(b, out bool trans, out long ld);
        pw.PackB(Cpu.CpuBackend.Ptr<float>(bc), trans, ld);
        return pw;
    }

    /// <summary>
    /// Packs a Linear weight <paramref name="weight"/> [out, in] (F32, any strides) as the B operand [in, out] = weightᵀ,
    /// multiplied by <paramref name="scale"/>.
    /// </summary>
    public static PackedWeights ForLinear(Tensor weight, float scale = 1f)
    {
        Check("PackedWeights.ForLinear", weight, 2, "[out, in]");
        using var t = weight.Transpose(0, 1);
        var pw = new PackedWeights(PackedWeightsKind.Gemm, t.Shape, 1, 0, t.Size(0), t.Size(1), scale);
        using var bc = Cpu.CpuBackend.MatrixOperand(t, out bool trans, out long ld);
        pw.PackB(Cpu.CpuBackend.Ptr<float>(bc), trans, ld);
        return pw;
    }

    private void PackB(float* b, bool trans, long ld)
    {
        if (Depth > 0 && Cols > 0) SgemmPack.PackB(trans, b, ld, 0, Depth, 0, Cols, Config.NR, _data);
        if (Scale != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(new Span<float>(_data, (int)GroupFloats), Scale, new Span<float>(_data, (int)GroupFloats));
    }

    private static void Check(string op, Tensor t, int rank, string layout)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.IsDisposed) throw new TensorDisposedException($"{op}: the weight tensor was disposed.");
        if (t.Device != Device.Cpu) throw new DeviceMismatchException($"{op}: packed weights live in CPU memory, got a tensor on {t.Device}.");
        if (t.DType != DType.F32) throw new DTypeMismatchException($"{op}: only f32 weights are packed, got {t.DType.Name()} {t.Shape}.");
        if (t.Rank != rank) throw new ShapeMismatchException($"{op}: weight must be {rank}-d {layout}, got shape {t.Shape}.");
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"PackedWeights({Kind}{Shape}{(Groups > 1 ? $", groups={Groups}" : "")}, {(IsPlain ? "depthwise" : IsTransposed ? "transposed " + Config.Name : IsWinograd ? "winograd F(4x4,3x3) " + Config.Name : Config.Name)}, {Bytes} B)";

    /// <summary>Frees the packed data.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_data == null) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
        GC.RemoveMemoryPressure(Bytes);
    }

    /// <summary>Safety net for a forgotten <see cref="Dispose"/>.</summary>
    ~PackedWeights() => Free();
}
