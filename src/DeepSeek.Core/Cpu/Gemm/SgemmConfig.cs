// Register-tile shape and cache-block sizes per instruction set (BLIS's MR/NR/MC/KC/NC; Low et al.,
// "Analytical Modeling Is Enough for High-Performance BLIS", TOMS 2016): a KC×NR B micro-panel stays in L1,
// the MC×KC packed A block in L2 (1 MiB per core on Zen 4), the KC×NC packed B block in L3.
namespace DeepSeek.Backends.Cpu.Gemm;

/// <summary>One micro-kernel with its tile shape and blocking.</summary>
internal readonly unsafe struct SgemmConfig
{
    /// <summary>The micro-kernel: kc, packed A panel, packed B panel, C tile, ldc, alpha, beta.</summary>
    public readonly delegate*<int, float*, float*, float*, long, float, float, void> Kernel;

    /// <summary>
    /// The micro-kernel with the epilogue fused into its stores (kc, A panel, B panel, C tile, ldc, alpha, beta, epilogue,
    /// tile row, tile column), or null where the kernel has none and the epilogue runs as a pass over the stored tile.
    /// </summary>
    public readonly delegate*<int, float*, float*, float*, long, float, float, GemmEpilogue*, int, int, void> EpilogueKernel;

    /// <summary>Register tile rows / columns.</summary>
    public readonly int MR, NR;

    /// <summary>Cache blocks: rows of A per packed block, depth per block, columns of B per packed block.</summary>
    public readonly int MC, KC, NC;

    /// <summary>Name for diagnostics ("avx512 14x32").</summary>
    public readonly string Name;

    public SgemmConfig(delegate*<int, float*, float*, float*, long, float, float, void> kernel, int mr, int nr, int mc, int kc, int nc, string name,
        delegate*<int, float*, float*, float*, long, float, float, GemmEpilogue*, int, int, void> epilogueKernel = null)
    {
        Kernel = kernel;
        EpilogueKernel = epilogueKernel;
        MR = mr; NR = nr; MC = mc; KC = kc; NC = nc;
        Name = name;
    }

    /// <summary>AVX-512: 14×32 tile (28 zmm accumulators), KC 384 → 48 KiB B panel streamed through L1/L2.</summary>
    public static SgemmConfig Avx512 => new(&SgemmKernelAvx512.Kernel14x32, 14, 32, 14 * 12, 384, 2048, "avx512 14x32", &SgemmKernelAvx512.Kernel14x32Epilogue);

    /// <summary>AVX-512 with a 12×32 tile (kept for tuning comparisons and tests).</summary>
    public static SgemmConfig Avx512Mr12 => new(&SgemmKernelAvx512.Kernel12x32, 12, 32, 12 * 14, 384, 2048, "avx512 12x32", &SgemmKernelAvx512.Kernel12x32Epilogue);

    /// <summary>AVX2: 6×16 tile (12 ymm accumulators).</summary>
    public static SgemmConfig Avx2 => new(&SgemmKernelAvx2.Kernel6x16, 6, 16, 6 * 24, 256, 2048, "avx2 6x16");

    /// <summary>Scalar 4×8 tile.</summary>
    public static SgemmConfig Scalar => new(&SgemmKernelScalar.Kernel4x8, SgemmKernelScalar.MR, SgemmKernelScalar.NR, 64, 256, 1024, "scalar 4x8");

    /// <summary>The same kernel with other cache blocks (for tuning); MC is rounded up to a multiple of MR.</summary>
    public SgemmConfig WithBlocks(int mc, int kc, int nc) =>
        new(Kernel, MR, NR, Math.Max(MR, (mc + MR - 1) / MR * MR), Math.Max(1, kc), Math.Max(NR, (nc + NR - 1) / NR * NR), Name, EpilogueKernel);

    /// <summary>
    /// The AVX-512 kernel (14 or 12 rows, both 32 columns wide, so they read the same packed B) that pads
    /// <paramref name="m"/> rows of A the least — 128 rows run as 11×12 rather than 10×14; <paramref name="cfg"/> itself otherwise.
    /// </summary>
    public static SgemmConfig ForRows(int m, in SgemmConfig cfg)
    {
        if (cfg.NR != 32 || cfg.MR is not (12 or 14) || cfg.KC != 384) return cfg;
        int rows14 = (m + 13) / 14 * 14, rows12 = (m + 11) / 12 * 12;
        return rows12 < rows14 ? Avx512Mr12 : Avx512;
    }

    /// <summary>The configuration for the current <see cref="SimdInfo.Level"/>.</summary>
    public static SgemmConfig ForCurrentLevel() =>
        SimdInfo.UseAvx512 ? Avx512 : SimdInfo.UseAvx2 ? Avx2 : Scalar;
}
