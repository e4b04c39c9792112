namespace DeepSeek.Backends;

/// <summary>
/// Neural-network kernels: convolution, pooling and normalization. Every tensor handed to one call has the
/// same floating dtype (F32 or F64; the op layer upcasts F16/BF16). Inputs may be any strided view;
/// outputs are contiguous and already shaped by the op layer, whose shapes the kernel trusts.
/// </summary>
public interface INNKernels
{
    /// <summary>
    /// 2-d convolution (cross-correlation, as PyTorch/ONNX): <paramref name="x"/> [N, Cin, H, W],
    /// <paramref name="w"/> [Cout, Cin/groups, kh, kw], optional <paramref name="bias"/> [Cout],
    /// <paramref name="dst"/> [N, Cout, OH, OW] with OH = (H + padTop + padBottom − dilH·(kh−1) − 1)/strideH + 1 (same for W).
    /// </summary>
    void Conv2d(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst);

    /// <summary>
    /// <see cref="Conv2d(Tensor, Tensor, Tensor?, Conv2dParams, Tensor)"/> with a fused epilogue:
    /// dst = act(conv(x, w) + bias + <see cref="Epilogue.Residual"/>), applied to each output tile while it is in cache.
    /// The residual has dst's shape and dtype (any strides).
    /// </summary>
    void Conv2d(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst, in Epilogue epilogue);

    /// <summary>
    /// The fused convolution with a weight packed once by <see cref="PackedWeights.ForConv(Tensor, int, int)"/> (its groups must equal
    /// <see cref="Conv2dParams.Groups"/>); F32 only. Safe to call from several threads with the same packed weight.
    /// </summary>
    void Conv2d(Tensor x, PackedWeights w, Tensor? bias, Conv2dParams p, Tensor dst, in Epilogue epilogue);

    /// <summary>
    /// 2-d transposed convolution (the gradient of <see cref="Conv2d(Tensor, Tensor, Tensor?, Conv2dParams, Tensor)"/> with respect to its input):
    /// <paramref name="x"/> [N, Cin, H, W], <paramref name="w"/> [Cin, Cout/groups, kh, kw], optional <paramref name="bias"/> [Cout],
    /// <paramref name="dst"/> [N, Cout, OH, OW]. Input pixel (ih, iw) scatters to (ih·strideH − padTop + kh·dilH, …);
    /// pads crop the full output, and any extra rows/columns of <paramref name="dst"/> (output padding) receive only bias.
    /// </summary>
    void ConvTranspose2d(Tensor x, Tensor w, Tensor? bias, Conv2dParams p, Tensor dst);

    /// <summary>
    /// Max pooling of <paramref name="x"/> [N, C, H, W] into <paramref name="dst"/> [N, C, OH, OW]; padding never wins
    /// (windows are clipped to the input) and NaN propagates. When <paramref name="indices"/> (I64, shape of dst) is
    /// given, it receives the flat index h·W + w of each maximum within its (n, c) plane.
    /// </summary>
    void MaxPool2d(Tensor x, Pool2dParams p, Tensor dst, Tensor? indices);

    /// <summary>
    /// Average pooling of <paramref name="x"/> [N, C, H, W] into <paramref name="dst"/> [N, C, OH, OW]. The divisor counts
    /// the window clipped to the padded input when <see cref="Pool2dParams.CountIncludePad"/>, else only real input cells.
    /// </summary>
    void AvgPool2d(Tensor x, Pool2dParams p, Tensor dst);

    /// <summary>
    /// Adaptive average pooling of <paramref name="x"/> [N, C, H, W] into <paramref name="dst"/> [N, C, OH, OW]: output cell i
    /// averages input rows floor(i·H/OH) … ceil((i+1)·H/OH) − 1 (same for columns).
    /// </summary>
    void AdaptiveAvgPool2d(Tensor x, Tensor dst);

    /// <summary>
    /// Batch normalization of <paramref name="x"/> [N, C, L] (L = product of spatial dims) into <paramref name="dst"/> [N, C, L];
    /// x and a contiguous dst may also be [N, C, ...] (rank ≥ 2), read as L = the product of the trailing dims.
    /// Training: normalises with the batch mean and biased variance over (N, L) and, when given, updates
    /// <paramref name="runningMean"/>/<paramref name="runningVar"/> [C] in place with momentum (the unbiased variance, like PyTorch).
    /// Eval: normalises with the running statistics. <paramref name="weight"/>/<paramref name="bias"/> [C] are optional.
    /// </summary>
    void BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, double momentum, double eps, Tensor dst);

    /// <summary>
    /// Layer normalization of <paramref name="x"/> [M, K] over its last dimension into <paramref name="dst"/> [M, K]
    /// (biased variance), then y·weight + bias with optional <paramref name="weight"/>/<paramref name="bias"/> [K].
    /// An x of higher rank [..., K] (dst of the same shape, contiguous) is normalised row by row over its last dimension.
    /// </summary>
    void LayerNorm(Tensor x, Tensor? weight, Tensor? bias, double eps, Tensor dst);

    /// <summary>
    /// Group normalization of <paramref name="x"/> [N, C, L] into <paramref name="dst"/> [N, C, L]: statistics over each group
    /// of C/<paramref name="groups"/> channels and all of L, then per-channel <paramref name="weight"/>/<paramref name="bias"/> [C].
    /// </summary>
    void GroupNorm(Tensor x, int groups, Tensor? weight, Tensor? bias, double eps, Tensor dst);

    // ---- backward kernels (the input gradient of Conv2d is ConvTranspose2d of the output gradient, and that of
    // ConvTranspose2d is Conv2d of it, so those reuse the forward kernels) ----

    /// <summary>
    /// Weight gradient of <see cref="Conv2d(Tensor, Tensor, Tensor?, Conv2dParams, Tensor)"/>: <paramref name="gradWeight"/>[co, ci, i, j] = Σ over n, oy, ox of
    /// <paramref name="gradOut"/>[n, co, oy, ox] · <paramref name="x"/>[n, g·Cin/groups + ci, oy·strideH − padTop + i·dilH, ox·strideW − padLeft + j·dilW]
    /// (zero outside x), with g the group of co. x [N, Cin, H, W], gradOut [N, Cout, OH, OW], gradWeight [Cout, Cin/groups, kh, kw]
    /// (overwritten). The kernel takes OH, OW from gradOut, so it also serves as the weight gradient of
    /// <see cref="ConvTranspose2d"/> (called with the transposed conv's output gradient as x and its input as gradOut).
    /// </summary>
    void Conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dParams p, Tensor gradWeight);

    /// <summary>
    /// Max-pooling backward: adds <paramref name="gradOut"/> [N, C, OH, OW] into <paramref name="gradInput"/> [N, C, H, W]
    /// (contiguous, overwritten) at the flat plane positions in <paramref name="indices"/> (I64, from <see cref="MaxPool2d"/>);
    /// overlapping windows that share a maximum accumulate.
    /// </summary>
    void MaxPool2dBackward(Tensor gradOut, Tensor indices, Tensor gradInput);

    /// <summary>
    /// Average-pooling backward: every output cell spreads gradOut/divisor over its window (same divisor and clipping as
    /// <see cref="AvgPool2d"/>) into <paramref name="gradInput"/> [N, C, H, W] (overwritten).
    /// </summary>
    void AvgPool2dBackward(Tensor gradOut, Pool2dParams p, Tensor gradInput);

    /// <summary>Adaptive-average-pooling backward: each output cell spreads its gradient evenly over its input cells into <paramref name="gradInput"/> (overwritten).</summary>
    void AdaptiveAvgPool2dBackward(Tensor gradOut, Tensor gradInput);

    /// <summary>
    /// Batch-normalization backward over x [N, C, L]. Training: statistics are recomputed from <paramref name="x"/> (batch mean and
    /// biased variance) and the input gradient flows through them; eval: <paramref name="runningMean"/>/<paramref name="runningVar"/>
    /// are constants. Writes whichever of <paramref name="gradInput"/> [N, C, L], <paramref name="gradWeight"/> and
    /// <paramref name="gradBias"/> [C] are given (a missing <paramref name="weight"/> means γ = 1).
    /// </summary>
    void BatchNormBackward(Tensor x, Tensor gradOut, Tensor? weight, Tensor? runningMean, Tensor? runningVar, bool training, double eps,
        Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias);

    /// <summary>
    /// Layer-normalization backward over the last dim of x [M, K]: recomputes each row's mean and 1/σ and writes whichever of
    /// <paramref name="gradInput"/> [M, K], <paramref name="gradWeight"/> and <paramref name="gradBias"/> [K] are given.
    /// </summary>
    void LayerNormBackward(Tensor x, Tensor gradOut, Tensor? weight, double eps, Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias);

    /// <summary>
    /// Group-normalization backward over x [N, C, L] with <paramref name="groups"/> groups: recomputes the group statistics and writes
    /// whichever of <paramref name="gradInput"/> [N, C, L], <paramref name="gradWeight"/> and <paramref name="gradBias"/> [C] are given.
    /// </summary>
    void GroupNormBackward(Tensor x, int groups, Tensor gradOut, Tensor? weight, double eps, Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias);

    // ---- fused transformer kernels ----

    /// <summary>
    /// Fused scaled dot-product attention (inference): for every batch b, head h and query row i,
    /// dst[b, h, i] = Σ_j softmax_j(scale·q[b, h, i]·k[b, g, j] + mask[b, h, i, j]) · v[b, g, j] with g = h / (H / Hk)
    /// (grouped-query attention when Hk &lt; H). <paramref name="q"/> [B, H, L, E] (or [H, L, E]), <paramref name="k"/>
    /// [B, Hk, S, E], <paramref name="v"/> [B, Hk, S, Ev]: any strides; with <see cref="AttentionParams.SequenceFirst"/> they are
    /// [B, L, H, E], [B, S, Hk, E], [B, S, Hk, Ev] and dst is [B, L, H, Ev] (the layout before a head split's transpose).
    /// <paramref name="mask"/> (optional, additive, same dtype) has rank ≤ that of q and broadcasts to [B, H, L, S] by NumPy
    /// rules (any strides, stride 0 included). <paramref name="dst"/> is contiguous. The [L, S] score matrix of a head is
    /// never materialised whole.
    /// </summary>
    void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, AttentionParams p, Tensor dst);

    /// <summary>
    /// Residual add fused with layer normalization over the last dimension: s = x + skip, then
    /// dst = (s − mean)/sqrt(var + eps)·weight + bias (biased variance), row by row over the last dimension K.
    /// <paramref name="x"/> and <paramref name="skip"/> hold M·K elements as [M, K] with any strides or as any contiguous
    /// shape; <paramref name="weight"/>/<paramref name="bias"/> [K] are optional; <paramref name="dst"/> is contiguous with
    /// last dimension K, and so is <paramref name="sum"/>, which receives s when given.
    /// </summary>
    void SkipLayerNorm(Tensor x, Tensor skip, Tensor? weight, Tensor? bias, double eps, Tensor dst, Tensor? sum);
}

/// <summary>Options of <see cref="INNKernels.Attention"/>.</summary>
/// <param name="Scale">Factor applied to q·kᵀ before the mask is added.</param>
/// <param name="IsCausal">Query row i sees only keys j ≤ i (top-left aligned, like torch's is_causal); combines with a mask.</param>
/// <param name="ZeroMaskedRows">
/// A row whose scores are all −∞ gives zeros (ONNX Attention, and exporters that follow the softmax with
/// Where(IsNaN(p), 0, p)); when false it gives NaN, as softmax of an all −∞ row does.
/// </param>
/// <param name="SequenceFirst">q, k, v and dst are 4-d with the sequence before the heads ([B, L, H, E]) instead of after.</param>
public readonly record struct AttentionParams(double Scale, bool IsCausal = false, bool ZeroMaskedRows = false, bool SequenceFirst = false);

/// <summary>Geometry of a 2-d (transposed) convolution. Pads may be asymmetric, as ONNX allows.</summary>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadTop">Zero rows above the input (transposed: rows cropped from the top of the output).</param>
/// <param name="PadLeft">Zero columns left of the input.</param>
/// <param name="PadBottom">Zero rows below the input.</param>
/// <param name="PadRight">Zero columns right of the input.</param>
/// <param name="DilationH">Vertical spacing of kernel taps.</param>
/// <param name="DilationW">Horizontal spacing of kernel taps.</param>
/// <param name="Groups">Channel groups (Cin and Cout are both split into this many independent blocks).</param>
public readonly record struct Conv2dParams(int StrideH, int StrideW, int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationH, int DilationW, int Groups);

/// <summary>Geometry of a 2-d pooling window.</summary>
/// <param name="KernelH">Window height.</param>
/// <param name="KernelW">Window width.</param>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadTop">Implicit padding rows above the input.</param>
/// <param name="PadLeft">Implicit padding columns left of the input.</param>
/// <param name="PadBottom">Implicit padding rows below the input (ceil mode may read past it; those cells never count).</param>
/// <param name="PadRight">Implicit padding columns right of the input.</param>
/// <param name="DilationH">Vertical spacing of window taps (max pooling only).</param>
/// <param name="DilationW">Horizontal spacing of window taps (max pooling only).</param>
/// <param name="CountIncludePad">Average pooling: divide by the window size clipped to the padded input (true) or by the number of real input cells (false).</param>
public readonly record struct Pool2dParams(int KernelH, int KernelW, int StrideH, int StrideW, int PadTop, int PadLeft,
    int PadBottom, int PadRight, int DilationH = 1, int DilationW = 1, bool CountIncludePad = true);
