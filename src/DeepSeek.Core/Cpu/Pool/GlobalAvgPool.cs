// Global average pooling ([N, C, H, W] → [N, C, 1, 1], MobileNetV3's squeeze-and-excitation and every classifier head):
// one pass per contiguous plane with four 8-lane accumulators (pairwise-summed at the end) and a scalar tail. Planes are
// split over the kernel worker pool only when there is enough work; no allocation per call.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Pool;

internal static unsafe class GlobalAvgPool
{
    /// <summary>True for F32 input whose planes are contiguous (H·W floats each) and an output with one cell per plane.</summary>
    public static bool Supports(Tensor x, Tensor dst) =>
        x.DType == DType.F32 && dst.DType == DType.F32 && dst.IsContiguous && dst.ShapeArray[2] == 1 && dst.ShapeArray[3] == 1
        && x.StridesArray[3] == 1 && (x.ShapeArray[2] == 1 || x.StridesArray[2] == x.ShapeArray[3]) && SimdInfo.UseAvx2;

    /// <summary>dst[n, c] = mean of x[n, c] (caller checked <see cref="Supports"/>).</summary>
    public static void Run(Tensor x, Tensor dst)
    {
        int c = x.ShapeArray[1];
        long planes = (long)x.ShapeArray[0] * c, hw = (long)x.ShapeArray[2] * x.ShapeArray[3];
        var body = new Body
        {
            X = (nint)CpuBackend.Ptr<float>(x), Dst = (nint)CpuBackend.Ptr<float>(dst),
            SN = x.StridesArray[0], SC = x.StridesArray[1], C = c, Hw = hw, Scale = hw == 0 ? float.NaN : 1f / hw,
        };
        CpuParallel.For(planes, hw, ref body, 64 * 1024);
    }

    private struct Body : IRangeBody
    {
        public nint X, Dst;
        public long SN, SC, Hw;
        public int C;
        public float Scale;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Run(long start, long end)
        {
            for (long u = start; u < end; u++)
                ((float*)Dst)[u] = Sum((float*)X + u / C * SN + u % C * SC, Hw) * Scale;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 loops
    private static float Sum(float* p, long n)
    {
        var a0 = Vector256<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
        long i = 0;
        for (; i + 32 <= n; i += 32)
        {
            a0 += Vector256.Load(p + i); a1 += Vector256.Load(p + i + 8);
            a2 += Vector256.Load(p + i + 16); a3 += Vector256.Load(p + i + 24);
        }
        for (; i + 8 <= n; i += 8) a0 += Vector256.Load(p + i);
        float s = Vector256.Sum((a0 + a1) + (a2 + a3));
        for (; i < n; i++) s += p[i];
        return s;
    }
}
