using System.Runtime.InteropServices;
using DeepSeek.Memory;

namespace DeepSeek.Backends.Cpu;

/// <summary>
/// The CPU backend: managed kernels with AVX-512 / AVX2 paths chosen at run time and scalar references.
/// Kernel families are split over partial files (CpuBackend.Elementwise.cs, CpuBackend.Linalg.cs, …).
/// </summary>
public sealed unsafe partial class CpuBackend : IBackend
{
    /// <summary>The one CPU backend instance.</summary>
    public static CpuBackend Instance { get; } = new();

    private CpuBackend() => Pool = new CachingAllocator(Device.Cpu, new NativeAllocator());

    /// <inheritdoc/>
    public Device Device => Device.Cpu;

    /// <inheritdoc/>
    public string Name => $"cpu ({SimdInfo.Level})";

    /// <inheritdoc/>
    public CachingAllocator Pool { get; }

    /// <summary>Host address of element [0,…,0] of a CPU tensor.</summary>
    internal static byte* Ptr(Tensor t) => (byte*)t.Storage.Handle + t.Offset * t.DType.SizeOf();

    /// <summary>Typed host address of element [0,…,0].</summary>
    internal static T* Ptr<T>(Tensor t) where T : unmanaged => (T*)Ptr(t);

    /// <inheritdoc/>
    public void CopyFromHost(ReadOnlySpan<byte> src, Tensor dst)
    {
        long bytes = dst.Numel * dst.DType.SizeOf();
        if (!dst.IsContiguous) throw new ArgumentException("CopyFromHost: destination must be contiguous.");
        if (src.Length != bytes) throw new ArgumentException($"CopyFromHost: {src.Length} bytes for a tensor of {bytes} bytes.");
        src.CopyTo(new Span<byte>(Ptr(dst), (int)bytes));
    }

    /// <inheritdoc/>
    public void CopyToHost(Tensor src, Span<byte> dst)
    {
        long bytes = src.Numel * src.DType.SizeOf();
        if (!src.IsContiguous) throw new ArgumentException("CopyToHost: source must be contiguous.");
        if (dst.Length < bytes) throw new ArgumentException($"CopyToHost: destination holds {dst.Length} bytes, tensor has {bytes}.");
        new ReadOnlySpan<byte>(Ptr(src), (int)bytes).CopyTo(dst);
    }

    /// <inheritdoc/>
    public void Copy(Tensor src, Tensor dst)
    {
        if (src.DType != dst.DType) throw new DTypeMismatchException($"Copy: {src.DType.Name()} → {dst.DType.Name()}; use a cast.");
        if (src.Shape != dst.Shape) throw new ShapeMismatchException($"Copy: source shape {src.Shape} differs from destination shape {dst.Shape}.");
        StridedCopy.Run(src, dst);
    }

    /// <inheritdoc/>
    public void Fill(Tensor dst, double value)
    {
        int es = dst.DType.SizeOf();
        Span<byte> pattern = stackalloc byte[8];
        HostConvert.FromDoubles(new[] { value }, pattern[..es], dst.DType);
        ulong bits = MemoryMarshal.Read<ulong>(pattern);
        StridedCopy.Fill(dst, bits);
    }

    /// <inheritdoc/>
    public void FillUniform(Tensor dst, Generator generator, double low, double high)
    {
        var vals = new double[dst.Numel];
        generator.FillUniform(vals, low, high);
        Upload(vals, dst);
    }

    /// <inheritdoc/>
    public void FillNormal(Tensor dst, Generator generator, double mean, double std)
    {
        var vals = new double[dst.Numel];
        generator.FillNormal(vals, mean, std);
        Upload(vals, dst);
    }

    private void Upload(double[] vals, Tensor dst)
    {
        var bytes = new byte[vals.Length * dst.DType.SizeOf()];
        HostConvert.FromDoubles(vals, bytes, dst.DType);
        if (dst.IsContiguous) CopyFromHost(bytes, dst);
        else throw new ArgumentException("Random fill: destination must be contiguous.");
    }

    /// <inheritdoc/>
    public void Synchronize() { }

    /// <inheritdoc />
    public RunScope OpenRunScope(long runFlops = 0) => Threading.WorkerPool.Shared.OpenRunScope(runFlops);

    private sealed class NativeAllocator : IRawAllocator
    {
        public nint Allocate(long bytes) => (nint)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 64), 64);
        public void Free(nint handle, long bytes) => NativeMemory.AlignedFree((void*)handle);
    }
}
