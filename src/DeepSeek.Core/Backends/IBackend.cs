using DeepSeek.Memory;

namespace DeepSeek.Backends;

/// <summary>
/// The seam between the op surface and a device. The op layer (<see cref="Tensor"/> methods) checks
/// arguments, computes output shapes and dtypes, allocates outputs (contiguous) and then calls one kernel
/// here. Inputs may be any strided view (broadcast inputs arrive as stride-0 expansions), so a backend
/// works on shape + strides + offset and must not assume contiguity of inputs.
/// Kernel families live in the sub-interfaces, one file each.
/// </summary>
public interface IBackend : IElementwiseKernels, IReductionKernels, ILinalgKernels, INNKernels, IIndexingKernels
{
    /// <summary>The device this backend drives.</summary>
    Device Device { get; }

    /// <summary>Short human name ("cpu (avx512)").</summary>
    string Name { get; }

    /// <summary>The caching pool tensors of this device draw from.</summary>
    CachingAllocator Pool { get; }

    /// <summary>Copies host bytes into a contiguous tensor of this device.</summary>
    void CopyFromHost(ReadOnlySpan<byte> src, Tensor dst);

    /// <summary>Copies a contiguous tensor of this device out to host bytes.</summary>
    void CopyToHost(Tensor src, Span<byte> dst);

    /// <summary>Copies <paramref name="src"/> into <paramref name="dst"/>: same shape and dtype, any strides on both.</summary>
    void Copy(Tensor src, Tensor dst);

    /// <summary>Sets every element of <paramref name="dst"/> (any strides) to <paramref name="value"/> converted to its dtype.</summary>
    void Fill(Tensor dst, double value);

    /// <summary>Fills a contiguous floating tensor with uniform samples in [low, high) drawn from <paramref name="generator"/>.</summary>
    void FillUniform(Tensor dst, Generator generator, double low, double high);

    /// <summary>Fills a contiguous floating tensor with normal samples drawn from <paramref name="generator"/>.</summary>
    void FillNormal(Tensor dst, Generator generator, double mean, double std);

    /// <summary>Waits until all queued work of this device has finished (no-op on the CPU).</summary>
    void Synchronize();

    /// <summary>
    /// Opens a <see cref="RunScope"/> around kernels the calling thread is about to run back to back (one plan run of
    /// about <paramref name="runFlops"/> floating-point operations, 0 when unknown); the runner reports each step's
    /// estimated work through it. The CPU backend wakes parked worker threads at once for a big run, and inside the
    /// scope only for big steps (<see cref="DeepSeekOptions.WakeMinMegaflops"/>).
    /// </summary>
    RunScope OpenRunScope(long runFlops = 0);
}
