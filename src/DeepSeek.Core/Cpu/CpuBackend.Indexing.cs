using DeepSeek.Backends.Cpu.Indexing;

namespace DeepSeek.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void IndexSelect(Tensor src, int axis, Tensor index, Tensor dst) => GatherKernels.IndexSelect(src, axis, index, dst);

    /// <inheritdoc/>
    public void Gather(Tensor src, int axis, Tensor index, Tensor dst) => GatherKernels.Gather(src, axis, index, dst);

    /// <inheritdoc/>
    public void ScatterAdd(Tensor dst, int axis, Tensor index, Tensor src) => ScatterKernels.ScatterAdd(dst, axis, index, src);

    /// <inheritdoc/>
    public void IndexAdd(Tensor dst, int axis, Tensor index, Tensor src) => ScatterKernels.IndexAdd(dst, axis, index, src);

    /// <inheritdoc/>
    public void Pad(Tensor src, int[] padBefore, int[] padAfter, PadMode mode, double value, Tensor dst) =>
        PadKernel.Run(src, padBefore, padAfter, mode, value, dst);

    /// <inheritdoc/>
    public void Flip(Tensor src, bool[] flip, Tensor dst) => FlipTriangleKernels.Flip(src, flip, dst);

    /// <inheritdoc/>
    public void Triangle(Tensor src, int diagonal, bool upper, Tensor dst) => FlipTriangleKernels.Triangle(src, diagonal, upper, dst);

    /// <inheritdoc/>
    public void MaskedFill(Tensor src, Tensor mask, double value, Tensor dst) => MaskedFillKernel.Run(src, mask, value, dst, SimdInfo.Level);

    /// <inheritdoc/>
    public void OneHot(Tensor indices, Tensor dst) => OneHotKernel.Run(indices, dst);

    /// <inheritdoc/>
    public (long Min, long Max) IntegerRange(Tensor t) => OneHotKernel.IntegerRange(t);
}
