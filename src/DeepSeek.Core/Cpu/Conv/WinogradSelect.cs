// When Winograd F(4×4, 3×3) beats the implicit-im2col GEMM (PackedConv) for a 3×3 stride-1 convolution, from the `conv`
// benchmark (bench/DeepSeek.Bench/ConvBenchmark.cs: ResNet-18/50 3×3 shapes, batch 1 and 8, 1 and 2 threads, Zen 4).
// The tile count decides: Winograd's GEMMs take the tiles as 32-wide panel columns and read 4× the weight bytes of the
// direct kernel, so a handful of tiles (7×7 at batch 1: 4 tiles) leaves it 3× slower; from 16 tiles on it was ahead.
namespace DeepSeek.Backends.Cpu.Conv;

internal static partial class WinogradConv
{
    /// <summary>
    /// True when Winograd is expected to be faster for <paramref name="cin"/> → <paramref name="cout"/> channels over
    /// <paramref name="batch"/> output planes of <paramref name="oh"/>×<paramref name="ow"/> (measured the same way on 1 and
    /// 2 threads, so the thread count does not enter). Only with the AVX-512 kernels it was measured on.
    /// </summary>
    public static bool Prefer(int cin, int cout, int oh, int ow, int batch)
    {
        if (!Enabled || !SimdInfo.UseAvx512 || cin < 16 || cout < 16) return false;
        long tiles = (long)Math.Max(1, batch) * ((oh + 3) / 4) * ((ow + 3) / 4);
        return tiles >= MinTiles;
    }

    /// <summary>Tuning switch (benchmarks): false makes <see cref="Prefer"/> always pick the im2col GEMM.</summary>
    internal static bool Enabled = true;

    /// <summary>
    /// Fewest 4×4 output tiles (over the batch) for Winograd. Median speed-ups over the direct kernel, 2 / 1 threads
    /// (noisy shared 2-core box): 4 tiles (512@7², 256@7², batch 1) 0.3–0.4×; 16 tiles (256@14², 128@14², batch 1)
    /// 0.95–1.5×, about 1.15× on average over three runs; 32 tiles (7², batch 8) 1.9–2.3×; 49–1568 tiles 1.5–2.8×.
    /// </summary>
    internal static long MinTiles = 16;
}
