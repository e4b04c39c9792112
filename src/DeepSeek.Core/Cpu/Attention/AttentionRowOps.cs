// Row steps of the fused attention's softmax, in Vector512 with scalar tails: scale + additive mask + running max,
// e^(s − m) with its sum, and rescaling of output rows. Scale and mask are applied as s·scale + mask (two roundings),
// the same arithmetic as the unfused Mul and Add nodes. e^x for x ≤ 0 uses Cody–Waite reduction x = n·ln2 + r and the
// Cephes expf minimax polynomial on |r| ≤ ln2/2 (Moshier 1989, ≤ 2 ulp), several times cheaper than a general exp.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Attention;

internal static unsafe class AttentionRowOps
{
    /// <summary>s[c] = s[c]·scale + mask[c·ms] for c &lt; n (no mask when null); returns max s (−∞ when n = 0, NaN if any is NaN).</summary>
    public static float ScaleMaskMax(float* s, int n, float scale, float* mask, long ms)
    {
        int c = 0;
        var vs = Vector512.Create(scale);
        var vmax = Vector512.Create(float.NegativeInfinity);
        if (mask == null)
            for (; c + 16 <= n; c += 16)
            {
                var x = Vector512.Load(s + c) * vs;
                x.Store(s + c);
                vmax = Vector512.Max(vmax, x);
            }
        else if (ms == 1)
            for (; c + 16 <= n; c += 16)
            {
                var x = Vector512.Load(s + c) * vs + Vector512.Load(mask + c);
                x.Store(s + c);
                vmax = Vector512.Max(vmax, x);
            }
        float m = float.NegativeInfinity;
        for (int i = 0; i < 16; i++) m = MathF.Max(m, vmax[i]);
        for (; c < n; c++)
        {
            float x = s[c] * scale;
            if (mask != null) x += mask[c * ms];
            s[c] = x;
            m = MathF.Max(m, x);
        }
        return m;
    }

    /// <summary>s[c] = e^(s[c] − m) for c &lt; n; returns Σ s[c].</summary>
    public static float ExpSum(float* s, int n, float m)
    {
        int c = 0;
        var vm = Vector512.Create(m);
        var acc = Vector512<float>.Zero;
        for (; c + 16 <= n; c += 16)
        {
            var e = ExpNonPositive(Vector512.Load(s + c) - vm);
            e.Store(s + c);
            acc += e;
        }
        float sum = Vector512.Sum(acc);
        for (; c < n; c++)
        {
            float e = MathF.Exp(s[c] - m);
            s[c] = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>e^x for x ≤ 0 (NaN stays NaN, below ln 2⁻¹²⁶ gives 0); within 2 ulp of the exact value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        const float MinArg = -87.33654f; // ln 2⁻¹²⁶: the smallest normal result
        var n = Vector512.Round(x * Vector512.Create(1.44269504088896341f));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x); // ln 2 split so n·C1 is exact
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var scale = (Vector512.ConvertToInt32(Vector512.Max(n, Vector512.Create(-126f))) + Vector512.Create(127)) << 23;
        var y = p * scale.AsSingle();
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(MinArg)), Vector512<float>.Zero, y);
    }

    /// <summary>o[c] ·= f for c &lt; n (n a multiple of 16).</summary>
    public static void Scale(float* o, int n, float f)
    {
        var vf = Vector512.Create(f);
        for (int c = 0; c < n; c += 16) (Vector512.Load(o + c) * vf).Store(o + c);
    }

    /// <summary>d[c] = o[c]·f for c &lt; n.</summary>
    public static void ScaleInto(float* o, float* d, int n, float f)
    {
        int c = 0;
        var vf = Vector512.Create(f);
        for (; c + 16 <= n; c += 16) (Vector512.Load(o + c) * vf).Store(d + c);
        for (; c < n; c++) d[c] = o[c] * f;
    }
}
