// The profiler's records: one OpEvent per executed node (times relative to the session start, in microseconds, as the
// Chrome trace-event format wants them) and PoolSample snapshots of the caching allocator taken after every node.
namespace DeepSeek.Profiler;

/// <summary>One executed node.</summary>
/// <param name="Name">Node name: the module path when traced from a module ("layer3.1.conv2"), "" when unnamed.</param>
/// <param name="Layer">The layer the node belongs to: <paramref name="Name"/> without its "#k" suffix, or "(op type)" for unnamed nodes.</param>
/// <param name="OpType">Op type, e.g. "Conv" or "FusedConv".</param>
/// <param name="Domain">Op domain ("" = ONNX, "deepseek" = fused ops).</param>
/// <param name="Executor">"interpreter", "static", "fallback" or "alias".</param>
/// <param name="InputShapes">Input shapes as "[8, 3, 224, 224]" (null entries for omitted inputs).</param>
/// <param name="DType">Element type of the first tensor input (or output), e.g. "f32".</param>
/// <param name="StartUs">Start, microseconds since the session started.</param>
/// <param name="DurationUs">Wall time in microseconds.</param>
/// <param name="ThreadId">Managed thread id.</param>
/// <param name="Flops">Estimated floating-point operations, or null when unknown.</param>
/// <param name="Bytes">Bytes read and written (inputs plus outputs once each).</param>
/// <param name="AllocatedBytes">Growth of the pool's bytes in use while the node ran on this thread (negative = freed).</param>
public sealed record OpEvent(
    string Name, string Layer, string OpType, string Domain, string Executor, IReadOnlyList<string?> InputShapes, string DType,
    double StartUs, double DurationUs, int ThreadId, long? Flops, long Bytes, long AllocatedBytes)
{
    /// <summary>Achieved GFLOP/s, or null when the FLOP count is unknown or the time is zero.</summary>
    public double? GFlopsPerSecond => Flops is { } f && DurationUs > 0 ? f / (DurationUs * 1e3) : null;

    /// <summary>Achieved GB/s of compulsory traffic (0 when the time is zero).</summary>
    public double GBytesPerSecond => DurationUs > 0 ? Bytes / (DurationUs * 1e3) : 0;
}

/// <summary>The caching allocator's state at one moment.</summary>
/// <param name="TimeUs">Microseconds since the session started.</param>
/// <param name="BytesInUse">Bytes held by live tensors.</param>
/// <param name="BytesReserved">Bytes taken from the device (in use plus cached).</param>
/// <param name="PeakBytesInUse">Pool peak so far.</param>
/// <param name="AllocationCount">Allocation requests served so far.</param>
/// <param name="CacheHits">Requests served from the cache so far.</param>
public readonly record struct PoolSample(double TimeUs, long BytesInUse, long BytesReserved, long PeakBytesInUse, long AllocationCount, long CacheHits);
