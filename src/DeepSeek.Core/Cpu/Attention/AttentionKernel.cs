// Entry of the fused attention kernels: gives q, k, v unit stride in their last dim (copying only when they lack it),
// then runs the blocked FlashAttention kernel for F32 on AVX-512, the SGEMM-tiled kernel for other F32, and the
// row-wise kernel for F64.
namespace DeepSeek.Backends.Cpu.Attention;

internal static unsafe class AttentionKernel
{
    /// <summary>Tuning switch: false runs F32 on the SGEMM-tiled kernel even where AVX-512 allows the FlashAttention one.</summary>
    internal static bool UseFlash = true;

    /// <summary>See <see cref="INNKernels.Attention"/> (dst contiguous in the layout <paramref name="p"/> names).</summary>
    public static void Run(Tensor q, Tensor k, Tensor v, Tensor? mask, AttentionParams p, Tensor dst)
    {
        using var qc = UnitLast(q);
        using var kc = UnitLast(k);
        using var vc = UnitLast(v);
        var g = AttentionGeometry.Of(qc ?? q, kc ?? k, vc ?? v, mask, p.SequenceFirst);
        if (dst.Numel == 0) return;
        nint qp = (nint)CpuBackend.Ptr(qc ?? q), kp = (nint)CpuBackend.Ptr(kc ?? k), vp = (nint)CpuBackend.Ptr(vc ?? v);
        nint mp = mask is null ? 0 : (nint)CpuBackend.Ptr(mask), dp = (nint)CpuBackend.Ptr(dst);
        if (g.S == 0)
        {
            dst.Backend.Fill(dst, p.ZeroMaskedRows ? 0 : double.NaN);
            return;
        }
        if (q.DType == DType.F32 && SimdInfo.UseAvx512 && UseFlash) FlashAttentionF32.Run(qp, kp, vp, mp, dp, g, p);
        else if (q.DType == DType.F32) AttentionGemmF32.Run(qp, kp, vp, mp, dp, g, p);
        else AttentionRows.Run<double>(qp, kp, vp, mp, dp, g, p);
    }

    private static Tensor? UnitLast(Tensor t) => t.Rank > 0 && t.Size(-1) > 1 && t.StridesArray[^1] != 1 ? t.Contiguous() : null;
}
