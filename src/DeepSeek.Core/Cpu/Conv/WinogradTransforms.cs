// Winograd minimal filtering F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016):
// a 4×4 output tile is Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for a 6×6 input tile d and a 3×3 filter g, i.e. 36 multiplies
// instead of 144. The matrices come from Toom-Cook interpolation at the points 0, 1, −1, 2, −2 and ∞:
//
//        ⎡ 1/4    0     0   ⎤          ⎡ 4  0 −5  0  1  0 ⎤          ⎡ 1  1  1  1  1  0 ⎤
//        ⎢−1/6  −1/6  −1/6  ⎥          ⎢ 0 −4 −4  1  1  0 ⎥    Aᵀ =  ⎢ 0  1 −1  2 −2  0 ⎥
//   G =  ⎢−1/6   1/6  −1/6  ⎥    Bᵀ =  ⎢ 0  4 −4 −1  1  0 ⎥          ⎢ 0  1  1  4  4  0 ⎥
//        ⎢ 1/24  1/12  1/6  ⎥          ⎢ 0 −2 −1  2  1  0 ⎥          ⎣ 0  1 −1  8 −8  1 ⎦
//        ⎢ 1/24 −1/12  1/6  ⎥          ⎢ 0  2 −1 −2  1  0 ⎥
//        ⎣  0     0     1   ⎦          ⎣ 0  4  0 −5  0  1 ⎦
//
// Row k of G evaluates the filter polynomial at point k (scaled so that Bᵀ has small integers), Aᵀ's columns are the
// points' powers 0..3 (the last column the point at ∞). The input and output transforms run on 16 tiles at once, one
// tile per SIMD lane; the weight transform runs once, at pack time, in double precision.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu.Conv;

[SkipLocalsInit] // the stack scratch is written before it is read
internal static unsafe class WinogradTransforms
{
    /// <summary>Tiles processed together by the input and output transforms (one per lane of a 512-bit vector).</summary>
    public const int Lanes = 16;

    /// <summary>U = G g Gᵀ for one 3×3 filter <paramref name="g"/> (row-major), written to <paramref name="u"/>[ξ·stride], ξ = 6·row + column.</summary>
    public static void Filter(ReadOnlySpan<float> g, float* u, long stride)
    {
        Span<double> t = stackalloc double[18]; // G g: 6×3
        for (int c = 0; c < 3; c++)
        {
            double g0 = g[c], g1 = g[3 + c], g2 = g[6 + c];
            G(g0, g1, g2, out t[c], out t[3 + c], out t[6 + c], out t[9 + c], out t[12 + c], out t[15 + c]);
        }
        for (int r = 0; r < 6; r++)
        {
            G(t[3 * r], t[3 * r + 1], t[3 * r + 2], out double u0, out double u1, out double u2, out double u3, out double u4, out double u5);
            u[(6 * r + 0) * stride] = (float)u0;
            u[(6 * r + 1) * stride] = (float)u1;
            u[(6 * r + 2) * stride] = (float)u2;
            u[(6 * r + 3) * stride] = (float)u3;
            u[(6 * r + 4) * stride] = (float)u4;
            u[(6 * r + 5) * stride] = (float)u5;
        }
    }

    private static void G(double g0, double g1, double g2, out double u0, out double u1, out double u2, out double u3, out double u4, out double u5)
    {
        u0 = g0 / 4;
        u1 = -(g0 + g1 + g2) / 6;
        u2 = -(g0 - g1 + g2) / 6;
        u3 = g0 / 24 + g1 / 12 + g2 / 6;
        u4 = g0 / 24 - g1 / 12 + g2 / 6;
        u5 = g2;
    }

    /// <summary>
    /// V = Bᵀ d B for 16 tiles: <paramref name="d"/>[(6i + j)·16 + lane] is input row i, column j of each lane's tile;
    /// component ξ = 6k + l (16 lanes) is stored at <paramref name="v"/> + ξ·<paramref name="stride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Input(float* d, float* v, long stride)
    {
        var t = stackalloc Vector512<float>[36];
        for (int j = 0; j < 6; j++)
        {
            BT(Vector512.Load(d + j * Lanes), Vector512.Load(d + (6 + j) * Lanes), Vector512.Load(d + (12 + j) * Lanes),
                Vector512.Load(d + (18 + j) * Lanes), Vector512.Load(d + (24 + j) * Lanes), Vector512.Load(d + (30 + j) * Lanes),
                out t[j], out t[6 + j], out t[12 + j], out t[18 + j], out t[24 + j], out t[30 + j]);
        }
        for (int k = 0; k < 6; k++)
        {
            var r = t + 6 * k;
            BT(r[0], r[1], r[2], r[3], r[4], r[5], out var v0, out var v1, out var v2, out var v3, out var v4, out var v5);
            float* o = v + 6 * k * stride;
            v0.Store(o);
            v1.Store(o + stride);
            v2.Store(o + 2 * stride);
            v3.Store(o + 3 * stride);
            v4.Store(o + 4 * stride);
            v5.Store(o + 5 * stride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BT(Vector512<float> z0, Vector512<float> z1, Vector512<float> z2, Vector512<float> z3, Vector512<float> z4, Vector512<float> z5,
        out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3, out Vector512<float> r4, out Vector512<float> r5)
    {
        var four = Vector512.Create(4f);
        var five = Vector512.Create(5f);
        var two = Vector512.Create(2f);
        var z4m2 = z4 - z2;
        var z3m1 = z3 - z1;
        r0 = four * z0 - five * z2 + z4;
        r1 = (z4 + z3) - four * (z1 + z2);    // −4z1 − 4z2 + z3 + z4
        r2 = (z4 - z3) + four * (z1 - z2);    //  4z1 − 4z2 − z3 + z4
        r3 = z4m2 + two * z3m1;               // −2z1 − z2 + 2z3 + z4
        r4 = z4m2 - two * z3m1;               //  2z1 − z2 − 2z3 + z4
        r5 = four * z1 - five * z3 + z5;
    }

    /// <summary>
    /// Y = Aᵀ m A (+ <paramref name="bias"/>) for 16 tiles: component ξ of each lane is read at <paramref name="m"/> +
    /// ξ·<paramref name="stride"/>; output row r, column s goes to <paramref name="y"/>[(4r + s)·16 + lane].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Output(float* m, long stride, float bias, float* y)
    {
        var t = stackalloc Vector512<float>[24]; // Aᵀ m: 4×6
        for (int l = 0; l < 6; l++)
        {
            AT(Vector512.Load(m + l * stride), Vector512.Load(m + (6 + l) * stride), Vector512.Load(m + (12 + l) * stride),
                Vector512.Load(m + (18 + l) * stride), Vector512.Load(m + (24 + l) * stride), Vector512.Load(m + (30 + l) * stride),
                out t[l], out t[6 + l], out t[12 + l], out t[18 + l]);
        }
        var b = Vector512.Create(bias);
        for (int r = 0; r < 4; r++)
        {
            var q = t + 6 * r;
            AT(q[0], q[1], q[2], q[3], q[4], q[5], out var y0, out var y1, out var y2, out var y3);
            float* o = y + 4 * r * Lanes;
            (y0 + b).Store(o);
            (y1 + b).Store(o + Lanes);
            (y2 + b).Store(o + 2 * Lanes);
            (y3 + b).Store(o + 3 * Lanes);
        }
    }

    /// <summary>
    /// Turns <see cref="Output"/>'s lane-major y[(4r + s)·16 + lane] into rows[16r·4 + 4·lane + s]: each tile's output row r
    /// as 4 consecutive floats, by 4×4 transposes inside the 128-bit quarters (unpack + shuffle).
    /// </summary>
    public static void TileRows(float* y, float* rows)
    {
        for (int r = 0; r < 4; r++)
        {
            float* src = y + 4 * r * Lanes;
            float* dst = rows + 4 * r * Lanes;
            if (Avx512F.IsSupported)
            {
                var a = Vector512.Load(src);
                var b = Vector512.Load(src + Lanes);
                var c = Vector512.Load(src + 2 * Lanes);
                var d = Vector512.Load(src + 3 * Lanes);
                var ab0 = Avx512F.UnpackLow(a, b);   // a0 b0 a1 b1 per quarter
                var ab1 = Avx512F.UnpackHigh(a, b);  // a2 b2 a3 b3
                var cd0 = Avx512F.UnpackLow(c, d);
                var cd1 = Avx512F.UnpackHigh(c, d);
                // quarter q of rk holds lane 4q + k: (a, b, c, d) of that lane
                var r0 = Avx512F.Shuffle(ab0, cd0, 0x44);
                var r1 = Avx512F.Shuffle(ab0, cd0, 0xEE);
                var r2 = Avx512F.Shuffle(ab1, cd1, 0x44);
                var r3 = Avx512F.Shuffle(ab1, cd1, 0xEE);
                StoreQuarters(r0, dst, 0);
                StoreQuarters(r1, dst, 1);
                StoreQuarters(r2, dst, 2);
                StoreQuarters(r3, dst, 3);
            }
            else
            {
                for (int lane = 0; lane < Lanes; lane++)
                    for (int s = 0; s < 4; s++) dst[4 * lane + s] = src[s * Lanes + lane];
            }
        }
    }

    // quarter q of v is lane 4q + k's row: to dst + 4·(4q + k)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreQuarters(Vector512<float> v, float* dst, int k)
    {
        v.GetLower().GetLower().Store(dst + 4 * k);
        v.GetLower().GetUpper().Store(dst + 4 * (4 + k));
        v.GetUpper().GetLower().Store(dst + 4 * (8 + k));
        v.GetUpper().GetUpper().Store(dst + 4 * (12 + k));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AT(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5,
        out Vector512<float> o0, out Vector512<float> o1, out Vector512<float> o2, out Vector512<float> o3)
    {
        var s12 = m1 + m2;
        var d12 = m1 - m2;
        var s34 = m3 + m4;
        var d34 = m3 - m4;
        o0 = m0 + s12 + s34;
        o1 = d12 + Vector512.Create(2f) * d34;
        o2 = s12 + Vector512.Create(4f) * s34;
        o3 = d12 + Vector512.Create(8f) * d34 + m5;
    }
}
