// When Winograd F(4×4, 3×3) beats the implicit-im2col GEMM (PackedConv) for a 3×3 stride-1 convolution: thresholds
// from the `conv` benchmark (bench/DeepSeek.Bench/ConvBenchmark.cs) on Zen 4 with AVX-512, 1 and 2 threads.
namespace DeepSeek.Backends.Cpu.Conv;

internal static partial class WinogradConv
{
    /// <summary>
    /// True when Winograd is expected to be faster for <paramref name="cin"/> → <paramref name="cout"/> channels over
    /// <paramref name="batch"/> output planes of <paramref name="oh"/>×<paramref name="ow"/> on <paramref name="threads"/> threads.
    /// </summary>
    public static bool Prefer(int cin, int cout, int oh, int ow, int batch, int threads)
    {
        if (!Enabled || !SimdInfo.UseAvx512 || cin < 16 || cout < 16) return false;
        long tiles = (long)Math.Max(1, batch) * ((oh + 3) / 4) * ((ow + 3) / 4);
        return tiles >= MinTiles;
    }

    /// <summary>Tuning switch (benchmarks): false makes <see cref="Prefer"/> always pick the im2col GEMM.</summary>
    internal static bool Enabled = true;

    /// <summary>Fewest 4×4 tiles (over the batch) for which Winograd won in the benchmark.</summary>
    internal static long MinTiles = 16;
}
