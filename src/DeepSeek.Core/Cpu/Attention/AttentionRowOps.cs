// Row steps of the fused attention's softmax, in Vector512 with scalar tails: scale + additive mask + running max,
// e^(s − m) with its sum, and rescaling of output rows. Scale and mask are applied as s·scale + mask (two roundings),
// the same arithmetic as the unfused Mul and Add nodes. e^x is the epilogues' vector exp (VecExp: Cody–Waite reduction
// and a degree-7 polynomial, exact 0 for −∞), so the whole CPU backend shares one fast exp.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSeek.Backends.Cpu.Gemm;

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

    /// <summary>e^x for the scores after the max is subtracted (x ≤ 0; −∞ gives 0): the shared vector exp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ExpNonPositive(Vector512<float> x) => VecExp.Exp(x);

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
