using DeepSeek.Backends.Cpu.Attention;
using DeepSeek.Backends.Cpu.Conv;
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
