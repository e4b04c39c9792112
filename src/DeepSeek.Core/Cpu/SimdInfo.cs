using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu;

/// <summary>Which SIMD paths this process may use. Kernels read <see cref="Level"/> once per call.</summary>
public static class SimdInfo
{
    private static SimdLevel _level = Detect();

    /// <summary>
    /// Vector width level picked at startup; <c>DEEPSEEK_SIMD=avx2|scalar</c> lowers it (for testing fallbacks).
    /// Setting it is clamped to what the hardware supports, so asking for AVX-512 on an AVX2 machine runs AVX2.
    /// </summary>
    public static SimdLevel Level
    {
        get => _level;
        set => _level = (SimdLevel)Math.Min((int)value, (int)HardwareLevel);
    }

    /// <summary>The widest level this processor supports.</summary>
    public static SimdLevel HardwareLevel { get; } = DetectHardware();

    /// <summary>True when AVX-512 F/BW/VL/VNNI kernels are allowed.</summary>
    public static bool UseAvx512 => Level >= SimdLevel.Avx512;

    /// <summary>True when 256-bit (AVX2 + FMA) kernels are allowed.</summary>
    public static bool UseAvx2 => Level >= SimdLevel.Avx2;

    private static SimdLevel DetectHardware() =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512BW.IsSupported && Avx512F.VL.IsSupported
            ? SimdLevel.Avx512
            : Avx2.IsSupported && Fma.IsSupported ? SimdLevel.Avx2 : SimdLevel.Scalar;

    private static SimdLevel Detect()
    {
        var hw = DetectHardware();
        var env = Environment.GetEnvironmentVariable("DEEPSEEK_SIMD")?.Trim().ToLowerInvariant();
        var cap = env switch { "scalar" => SimdLevel.Scalar, "avx2" => SimdLevel.Avx2, _ => SimdLevel.Avx512 };
        return (SimdLevel)Math.Min((int)hw, (int)cap);
    }

    /// <summary>Instruction-set extensions the hardware reports, for `deepseek info`.</summary>
    public static IReadOnlyList<string> HardwareFeatures()
    {
        var f = new List<string>();
        if (Sse42.IsSupported) f.Add("sse4.2");
        if (Avx2.IsSupported) f.Add("avx2");
        if (Fma.IsSupported) f.Add("fma");
        if (Avx512F.IsSupported) f.Add("avx512f");
        if (Avx512BW.IsSupported) f.Add("avx512bw");
        if (Avx512F.VL.IsSupported) f.Add("avx512vl");
        if (Avx512Vbmi.IsSupported) f.Add("avx512vbmi");
        if (AvxVnni.IsSupported) f.Add("avx-vnni");
        if (Avx10v1.IsSupported) f.Add("avx10.1");
        return f;
    }
}

/// <summary>SIMD width classes.</summary>
public enum SimdLevel
{
    /// <summary>No vector paths.</summary>
    Scalar = 0,
    /// <summary>256-bit AVX2 with FMA.</summary>
    Avx2 = 1,
    /// <summary>512-bit AVX-512 (F, BW, VL).</summary>
    Avx512 = 2,
}
