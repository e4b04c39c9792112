using DeepSeek.Backends.Cpu.Attention;
using DeepSeek.Backends.Cpu.Conv;
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Norm;
using DeepSeek.Backends.Cpu.Pool;

namespace DeepSeek.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    private static bool IsF64(string op, Tensor t) => t.DType switch
    {
        DType.F32 => false,
        DType.F64 => true,
        _ => throw new DTypeMismatchException($"{op}: the CPU kernel takes f32 or f64, got {t.DType.Name()} with shape {t.Shape} (the op layer upcasts f16/bf16)."),
    };

    /// <inheritdoc/>
    public void Conv2d(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst)
    {
        if (IsF64("Conv2d", x)) ConvGemm.Conv2d<double>(x, w, bias, p, dst);
        else if (DepthwiseConv.Supports(x, w, p)) DepthwiseConv.Run(x, w, bias, p, dst);
        else ConvGemm.Conv2d<float>(x, w, bias, p, dst);
    }

    /// <inheritdoc/>
    public void Conv2d(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst, in Epilogue epilogue)
    {
        const string op = "Conv2d";
        var residual = EpilogueResidual(op, dst, epilogue, out var residualCopy);
        using var _ = residualCopy;
        if (IsF64(op, x))
        {
            ConvGemm.Conv2d<double>(x, w, bias, p, dst);
            EpilogueReference<double>(dst, residual, epilogue);
        }
        else if (DepthwiseConv.Supports(x, w, p)) DepthwiseConv.Run(x, w, bias, p, dst, residual, epilogue);
        else
        {
            using Tensor? wc = w.IsContiguous ? null : w.Contiguous();
            using Tensor? bc = bias is null || bias.IsContiguous ? null : bias.Contiguous();
            ConvPackingWeights(x, Ptr<float>(wc ?? w), w.ShapeArray[0], w.ShapeArray[1], w.ShapeArray[2], w.ShapeArray[3], bc ?? bias, p, dst, residual, epilogue);
        }
    }

    // The fused GEMM convolution with the weight (contiguous [Cout, Cin/g, kh, kw]) packed into pooled scratch for this
    // call: the same packing work the unfused path does per call.
    private static void ConvPackingWeights(Tensor x, float* w, int cout, int cig, int kh, int kw, Tensor? bias, Conv2dParams p,
        Tensor dst, Tensor? residual, in Epilogue epilogue)
    {
        int cog = cout / p.Groups, k = cig * kh * kw;
        var level = SgemmConfig.ForCurrentLevel();
        bool turned = PackedConv.PreferTransposed(cog, dst.ShapeArray[2] * dst.ShapeArray[3], level);
        var cfg = turned ? level : SgemmConfig.ForRows(cog, level);
        long groupFloats = turned ? (long)(cog + cfg.NR - 1) / cfg.NR * cfg.NR * k : (long)(cog + cfg.MR - 1) / cfg.MR * cfg.MR * k;
        var bufs = PackBuffers.Rent(Math.Max(1, groupFloats * p.Groups), 0);
        try
        {
            for (int g = 0; g < p.Groups; g++)
            {
                if (turned) SgemmPack.PackB(true, w + (long)g * cog * k, k, 0, k, 0, cog, cfg.NR, bufs.A + g * groupFloats);
                else SgemmPack.PackA(false, w + (long)g * cog * k, k, 0, cog, 0, k, cfg.MR, bufs.A + g * groupFloats);
            }
            PackedConv.Run(x, bufs.A, groupFloats, cfg, kh, kw, bias, p, dst, residual, epilogue, turned);
        }
        finally
        {
            PackBuffers.Return(bufs);
        }
    }

    /// <inheritdoc/>
    public void Conv2d(Tensor x, PackedWeights w, Tensor? bias, Conv2dParams p, Tensor dst, in Epilogue epilogue)
    {
        const string op = "Conv2d (packed weights)";
        ArgumentNullException.ThrowIfNull(w);
        if (w.Kind != PackedWeightsKind.Conv)
            throw new ArgumentException($"{op}: the packed weights hold a {w.Kind} operand {w.Shape}, not a convolution weight.", nameof(w));
        if (x.DType != DType.F32 || dst.DType != DType.F32 || (bias is not null && bias.DType != DType.F32))
            throw new DTypeMismatchException($"{op}: packed convolution is f32 only, got x {x.DType.Name()}, dst {dst.DType.Name()}{(bias is null ? "" : ", bias " + bias.DType.Name())}.");
        if (w.Groups != p.Groups)
            throw new ArgumentException($"{op}: weights were packed for groups={w.Groups}, the convolution has groups={p.Groups}.", nameof(p));
        int n = x.Size(0), cout = w.Shape[0];
        if (x.Rank != 4 || x.Size(1) != w.Shape[1] * p.Groups || dst.Rank != 4 || dst.Size(0) != n || dst.Size(1) != cout)
            throw new ShapeMismatchException($"{op}: x {x.Shape} and packed weight {w.Shape} (groups={p.Groups}) do not give dst {dst.Shape}.");
        int oh = (x.Size(2) + p.PadTop + p.PadBottom - p.DilationH * (w.Shape[2] - 1) - 1) / p.StrideH + 1;
        int ow = (x.Size(3) + p.PadLeft + p.PadRight - p.DilationW * (w.Shape[3] - 1) - 1) / p.StrideW + 1;
        if (dst.Size(2) != oh || dst.Size(3) != ow)
            throw new ShapeMismatchException($"{op}: x {x.Shape} with weight {w.Shape} and {p} gives [{n}, {cout}, {oh}, {ow}], not dst {dst.Shape}.");
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != cout))
            throw new ShapeMismatchException($"{op}: bias must have shape [{cout}], got {bias.Shape}.");
        if (!dst.IsContiguous) throw new ArgumentException($"{op}: dst must be contiguous (shape {dst.Shape}).", nameof(dst));
        var residual = EpilogueResidual(op, dst, epilogue, out var residualCopy);
        using var _ = residualCopy;
        // already-contiguous operands are used as they are: no new tensor reference per call
        using Tensor? biasCopy = bias is null || bias.IsContiguous ? null : bias.Contiguous();
        var bc = biasCopy ?? bias;
        if (w.IsWinograd) { WinogradConv.Run(x, w.Group(0, op), w.GroupFloats, w.Config, bc, p, dst, residual, epilogue, op, w.Shape); return; }
        if (!w.IsPlain) PackedConv.Run(x, w.Group(0, op), w.GroupFloats, w.Config, w.Shape[2], w.Shape[3], bc, p, dst, residual, epilogue, w.IsTransposed);
        else if (DepthwiseConv.Supports(x, w.Shape[0], w.Shape[1], p)) DepthwiseConv.Run(x, w.Group(0, op), w.Shape[2], w.Shape[3], bc, p, dst, residual, epilogue);
        else if (SmallCinConv.Supports(x, w.Shape[1], p)) SmallCinConv.Run(x, w.Group(0, op), w.Shape[0], w.Shape[2], w.Shape[3], bc, p, dst, residual, epilogue);
        else ConvPackingWeights(x, w.Group(0, op), w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3], bc, p, dst, residual, epilogue);
    }

    /// <summary>
    /// The epilogue's residual as a contiguous tensor of dst's shape, or null; throws naming the op when it does not match
    /// dst. A contiguous residual is returned as it is; otherwise a contiguous copy, also put in
    /// <paramref name="copy"/> for the caller to dispose.
    /// </summary>
    internal static Tensor? EpilogueResidual(string op, Tensor dst, in Epilogue e, out Tensor? copy)
    {
        copy = null;
        if (e.Residual is not { } r) return null;
        if (r.IsDisposed) throw new TensorDisposedException($"{op}: the epilogue's residual tensor was disposed.");
        if (r.DType != dst.DType) throw new DTypeMismatchException($"{op}: residual dtype {r.DType.Name()} differs from the output's {dst.DType.Name()}.");
        if (r.Device != dst.Device) throw new DeviceMismatchException($"{op}: residual is on {r.Device}, the output on {dst.Device}.");
        if (r.Shape != dst.Shape) throw new ShapeMismatchException($"{op}: residual shape {r.Shape} differs from the output shape {dst.Shape}.");
        if (r.IsContiguous) return r;
        return copy = r.Contiguous();
    }

    /// <summary>dst = act(dst + residual) element by element (the F64 and fallback paths), with <see cref="Epilogue.Activate"/>.</summary>
    internal static void EpilogueReference<T>(Tensor dst, Tensor? residual, in Epilogue e) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (residual is null && e.Activation == EpilogueActivation.None) return;
        T* d = Ptr<T>(dst);
        T* r = residual is null ? null : Ptr<T>(residual);
        for (long i = 0; i < dst.Numel; i++)
        {
            double v = double.CreateTruncating(d[i]);
            if (r != null) v += double.CreateTruncating(r[i]);
            d[i] = T.CreateTruncating(e.Activate(v));
        }
    }

    /// <inheritdoc/>
    public void ConvTranspose2d(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst)
    {
        if (IsF64("ConvTranspose2d", x)) ConvGemm.ConvTranspose2d<double>(x, w, bias, p, dst);
        else ConvGemm.ConvTranspose2d<float>(x, w, bias, p, dst);
    }

    /// <inheritdoc/>
    public void MaxPool2d(Tensor x, Pool2dParams p, Tensor dst, Tensor? indices)
    {
        if (IsF64("MaxPool2d", x)) MaxPool.Run<double>(x, p, dst, indices);
        else MaxPool.Run<float>(x, p, dst, indices);
    }

    /// <inheritdoc/>
    public void AvgPool2d(Tensor x, Pool2dParams p, Tensor dst)
    {
        if (IsF64("AvgPool2d", x)) AvgPool.Run<double>(x, p, dst);
        else AvgPool.Run<float>(x, p, dst);
    }

    /// <inheritdoc/>
    public void AdaptiveAvgPool2d(Tensor x, Tensor dst)
    {
        if (IsF64("AdaptiveAvgPool2d", x)) AvgPool.Adaptive<double>(x, dst);
        else AvgPool.Adaptive<float>(x, dst);
    }

    /// <inheritdoc/>
    public void BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, double momentum, double eps, Tensor dst)
    {
        if (IsF64("BatchNorm", x)) NormKernels.BatchNorm<double>(x, runningMean, runningVar, weight, bias, training, momentum, eps, dst);
        else NormKernels.BatchNorm<float>(x, runningMean, runningVar, weight, bias, training, momentum, eps, dst);
    }

    /// <inheritdoc/>
    public void LayerNorm(Tensor x, Tensor? weight, Tensor? bias, double eps, Tensor dst)
    {
        if (IsF64("LayerNorm", x)) NormKernels.LayerNorm<double>(x, weight, bias, eps, dst);
        else NormKernels.LayerNorm<float>(x, weight, bias, eps, dst);
    }

    /// <inheritdoc/>
    public void GroupNorm(Tensor x, int groups, Tensor? weight, Tensor? bias, double eps, Tensor dst)
    {
        if (IsF64("GroupNorm", x)) NormKernels.GroupNorm<double>(x, groups, weight, bias, eps, dst);
        else NormKernels.GroupNorm<float>(x, groups, weight, bias, eps, dst);
    }

    /// <inheritdoc/>
    public void Conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dParams p, Tensor gradWeight)
    {
        if (IsF64("Conv2dBackwardWeight", x)) ConvBackward.Weight<double>(x, gradOut, p, gradWeight);
        else ConvBackward.Weight<float>(x, gradOut, p, gradWeight);
    }

    /// <inheritdoc/>
    public void MaxPool2dBackward(Tensor gradOut, Tensor indices, Tensor gradInput)
    {
        if (IsF64("MaxPool2dBackward", gradOut)) PoolBackward.Max<double>(gradOut, indices, gradInput);
        else PoolBackward.Max<float>(gradOut, indices, gradInput);
    }

    /// <inheritdoc/>
    public void AvgPool2dBackward(Tensor gradOut, Pool2dParams p, Tensor gradInput)
    {
        if (IsF64("AvgPool2dBackward", gradOut)) PoolBackward.Avg<double>(gradOut, p, gradInput);
        else PoolBackward.Avg<float>(gradOut, p, gradInput);
    }

    /// <inheritdoc/>
    public void AdaptiveAvgPool2dBackward(Tensor gradOut, Tensor gradInput)
    {
        if (IsF64("AdaptiveAvgPool2dBackward", gradOut)) PoolBackward.Adaptive<double>(gradOut, gradInput);
        else PoolBackward.Adaptive<float>(gradOut, gradInput);
    }

    /// <inheritdoc/>
    public void BatchNormBackward(Tensor x, Tensor gradOut, Tensor? weight, Tensor? runningMean, Tensor? runningVar, bool training, double eps,
        Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias)
    {
        if (IsF64("BatchNormBackward", x)) NormBackward.BatchNorm<double>(x, gradOut, weight, runningMean, runningVar, training, eps, gradInput, gradWeight, gradBias);
        else NormBackward.BatchNorm<float>(x, gradOut, weight, runningMean, runningVar, training, eps, gradInput, gradWeight, gradBias);
    }

    /// <inheritdoc/>
    public void LayerNormBackward(Tensor x, Tensor gradOut, Tensor? weight, double eps, Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias)
    {
        if (IsF64("LayerNormBackward", x)) NormBackward.LayerNorm<double>(x, gradOut, weight, eps, gradInput, gradWeight, gradBias);
        else NormBackward.LayerNorm<float>(x, gradOut, weight, eps, gradInput, gradWeight, gradBias);
    }

    /// <inheritdoc/>
    public void GroupNormBackward(Tensor x, int groups, Tensor gradOut, Tensor? weight, double eps, Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias)
    {
        if (IsF64("GroupNormBackward", x)) NormBackward.GroupNorm<double>(x, groups, gradOut, weight, eps, gradInput, gradWeight, gradBias);
        else NormBackward.GroupNorm<float>(x, groups, gradOut, weight, eps, gradInput, gradWeight, gradBias);
    }

    /// <inheritdoc/>
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, AttentionParams p, Tensor dst)
    {
        IsF64("Attention", q);
        AttentionKernel.Run(q, k, v, mask, p, dst);
    }

    /// <inheritdoc/>
    public void SkipLayerNorm(Tensor x, Tensor skip, Tensor? weight, Tensor? bias, double eps, Tensor dst, Tensor? sum)
    {
        if (IsF64("SkipLayerNorm", x)) SkipLayerNormKernel.Run<double>(x, skip, weight, bias, eps, dst, sum);
        else SkipLayerNormKernel.Run<float>(x, skip, weight, bias, eps, dst, sum);
    }
}
