// Register-blocked micro-kernels of the fused attention (the GEMM inner-kernel shape of Goto & van de Geijn 2008):
// 4 query rows × 64 columns held in 16 Vector512 accumulators, one broadcast per row and four loads per step.
// Q·Kᵀ runs over a packed Kᵀ panel (d-major, 64-column aligned); P·V runs over rows of V read in place.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu.Attention;

internal static unsafe class AttentionTiles
{
    /// <summary>Columns of one tile: four Vector512 of floats.</summary>
    public const int Panel = 64;

    /// <summary>
    /// Packs keys [0, n) of <paramref name="k"/> (row stride <paramref name="ldk"/>, unit stride over the e features)
    /// transposed into <paramref name="kt"/>[d·ldt + j], zero-filling columns [n, nPad).
    /// </summary>
    public static void PackTransposed(float* k, long ldk, int n, int nPad, int e, float* kt, int ldt)
    {
        int j0 = 0;
        if (Avx2.IsSupported && ldk * 8 <= int.MaxValue)
        {
            // 8 keys at a time: one gather down a feature column, one contiguous store into the panel
            var idx = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * (int)ldk;
            for (; j0 + 8 <= n; j0 += 8)
            {
                float* src = k + j0 * ldk;
                for (int d = 0; d < e; d++) Avx2.GatherVector256(src + d, idx, 4).Store(kt + (long)d * ldt + j0);
            }
        }
        for (int j = j0; j < n; j++)
        {
            float* row = k + j * ldk;
            float* col = kt + j;
            for (int d = 0; d < e; d++) col[(long)d * ldt] = row[d];
        }
        if (nPad > n)
            for (int d = 0; d < e; d++) new Span<float>(kt + (long)d * ldt + n, nPad - n).Clear();
    }

    /// <summary>s[r, 0..64) = Σ_d q[r, d]·kt[d, 0..64) for 4 rows of q (row stride ldq).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QkTile4(float* q, long ldq, float* kt, int ldt, int e, float* s, int lds)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        float* q1 = q + ldq, q2 = q1 + ldq, q3 = q2 + ldq;
        for (int d = 0; d < e; d++)
        {
            float* kr = kt + (long)d * ldt;
            var k0 = Vector512.Load(kr);
            var k1 = Vector512.Load(kr + 16);
            var k2 = Vector512.Load(kr + 32);
            var k3 = Vector512.Load(kr + 48);
            var a = Vector512.Create(q[d]);
            c00 = Vector512.FusedMultiplyAdd(a, k0, c00); c01 = Vector512.FusedMultiplyAdd(a, k1, c01);
            c02 = Vector512.FusedMultiplyAdd(a, k2, c02); c03 = Vector512.FusedMultiplyAdd(a, k3, c03);
            a = Vector512.Create(q1[d]);
            c10 = Vector512.FusedMultiplyAdd(a, k0, c10); c11 = Vector512.FusedMultiplyAdd(a, k1, c11);
            c12 = Vector512.FusedMultiplyAdd(a, k2, c12); c13 = Vector512.FusedMultiplyAdd(a, k3, c13);
            a = Vector512.Create(q2[d]);
            c20 = Vector512.FusedMultiplyAdd(a, k0, c20); c21 = Vector512.FusedMultiplyAdd(a, k1, c21);
            c22 = Vector512.FusedMultiplyAdd(a, k2, c22); c23 = Vector512.FusedMultiplyAdd(a, k3, c23);
            a = Vector512.Create(q3[d]);
            c30 = Vector512.FusedMultiplyAdd(a, k0, c30); c31 = Vector512.FusedMultiplyAdd(a, k1, c31);
            c32 = Vector512.FusedMultiplyAdd(a, k2, c32); c33 = Vector512.FusedMultiplyAdd(a, k3, c33);
        }
        Store4(s, c00, c01, c02, c03);
        Store4(s + lds, c10, c11, c12, c13);
        Store4(s + 2 * lds, c20, c21, c22, c23);
        Store4(s + 3 * lds, c30, c31, c32, c33);
    }

    /// <summary>One-row form of <see cref="QkTile4"/> for the last rows of a block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QkTile1(float* q, float* kt, int ldt, int e, float* s)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int d = 0; d < e; d++)
        {
            float* kr = kt + (long)d * ldt;
            var a = Vector512.Create(q[d]);
            c0 = Vector512.FusedMultiplyAdd(a, Vector512.Load(kr), c0);
            c1 = Vector512.FusedMultiplyAdd(a, Vector512.Load(kr + 16), c1);
            c2 = Vector512.FusedMultiplyAdd(a, Vector512.Load(kr + 32), c2);
            c3 = Vector512.FusedMultiplyAdd(a, Vector512.Load(kr + 48), c3);
        }
        Store4(s, c0, c1, c2, c3);
    }

    /// <summary>o[r, 0..64) += Σ_{j &lt; n} p[r, j]·v[j, 0..64) for 4 rows of p (row stride ldp) and of o (row stride ldo).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PvTile4(float* p, int ldp, int n, float* v, long ldv, float* o, int ldo)
    {
        float* o1 = o + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
        var c00 = Vector512.Load(o); var c01 = Vector512.Load(o + 16); var c02 = Vector512.Load(o + 32); var c03 = Vector512.Load(o + 48);
        var c10 = Vector512.Load(o1); var c11 = Vector512.Load(o1 + 16); var c12 = Vector512.Load(o1 + 32); var c13 = Vector512.Load(o1 + 48);
        var c20 = Vector512.Load(o2); var c21 = Vector512.Load(o2 + 16); var c22 = Vector512.Load(o2 + 32); var c23 = Vector512.Load(o2 + 48);
        var c30 = Vector512.Load(o3); var c31 = Vector512.Load(o3 + 16); var c32 = Vector512.Load(o3 + 32); var c33 = Vector512.Load(o3 + 48);
        float* p1 = p + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        for (int j = 0; j < n; j++)
        {
            float* vr = v + j * ldv;
            var v0 = Vector512.Load(vr);
            var v1 = Vector512.Load(vr + 16);
            var v2 = Vector512.Load(vr + 32);
            var v3 = Vector512.Load(vr + 48);
            var a = Vector512.Create(p[j]);
            c00 = Vector512.FusedMultiplyAdd(a, v0, c00); c01 = Vector512.FusedMultiplyAdd(a, v1, c01);
            c02 = Vector512.FusedMultiplyAdd(a, v2, c02); c03 = Vector512.FusedMultiplyAdd(a, v3, c03);
            a = Vector512.Create(p1[j]);
            c10 = Vector512.FusedMultiplyAdd(a, v0, c10); c11 = Vector512.FusedMultiplyAdd(a, v1, c11);
            c12 = Vector512.FusedMultiplyAdd(a, v2, c12); c13 = Vector512.FusedMultiplyAdd(a, v3, c13);
            a = Vector512.Create(p2[j]);
            c20 = Vector512.FusedMultiplyAdd(a, v0, c20); c21 = Vector512.FusedMultiplyAdd(a, v1, c21);
            c22 = Vector512.FusedMultiplyAdd(a, v2, c22); c23 = Vector512.FusedMultiplyAdd(a, v3, c23);
            a = Vector512.Create(p3[j]);
            c30 = Vector512.FusedMultiplyAdd(a, v0, c30); c31 = Vector512.FusedMultiplyAdd(a, v1, c31);
            c32 = Vector512.FusedMultiplyAdd(a, v2, c32); c33 = Vector512.FusedMultiplyAdd(a, v3, c33);
        }
        Store4(o, c00, c01, c02, c03);
        Store4(o1, c10, c11, c12, c13);
        Store4(o2, c20, c21, c22, c23);
        Store4(o3, c30, c31, c32, c33);
    }

    /// <summary>One-row form of <see cref="PvTile4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PvTile1(float* p, int n, float* v, long ldv, float* o)
    {
        var c0 = Vector512.Load(o); var c1 = Vector512.Load(o + 16); var c2 = Vector512.Load(o + 32); var c3 = Vector512.Load(o + 48);
        for (int j = 0; j < n; j++)
        {
            float* vr = v + j * ldv;
            var a = Vector512.Create(p[j]);
            c0 = Vector512.FusedMultiplyAdd(a, Vector512.Load(vr), c0);
            c1 = Vector512.FusedMultiplyAdd(a, Vector512.Load(vr + 16), c1);
            c2 = Vector512.FusedMultiplyAdd(a, Vector512.Load(vr + 32), c2);
            c3 = Vector512.FusedMultiplyAdd(a, Vector512.Load(vr + 48), c3);
        }
        Store4(o, c0, c1, c2, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* s, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        a.Store(s);
        b.Store(s + 16);
        c.Store(s + 32);
        d.Store(s + 48);
    }
}
