// Vectorised activations for the GEMM/conv epilogue (VecExp also serves the attention softmax), one struct per activation so the row loop is specialised by
// the JIT (no per-vector switch). exp is Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2, with the degree-7
// Taylor polynomial of e^r (error < 1e-8 relative) and 2^n built in the exponent bits (0 below ln 2⁻¹²⁶, NaN kept); sigmoid, SiLU and tanh-GELU
// are 1/(1 + e^−t) forms (0.5·(1 + tanh u) = sigmoid(2u)); tanh uses its odd Taylor series below |x| < 0.3.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSeek.Backends.Cpu.Elementwise;

namespace DeepSeek.Backends.Cpu.Gemm;

/// <summary>One activation in scalar, 256-bit and 512-bit form (a and b are its parameters).</summary>
internal interface IEpilogueAct
{
    static abstract float Scalar(float x, float a, float b);
    static abstract Vector256<float> V256(Vector256<float> x, float a, float b);
    static abstract Vector512<float> V512(Vector512<float> x, float a, float b);
}

internal static class VecExp
{
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float Lo = -87.33654f, Hi = 88.72283f;
    private const float P2 = 0.5f, P3 = 1f / 6, P4 = 1f / 24, P5 = 1f / 120, P6 = 1f / 720, P7 = 1f / 5040;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var input = x;
        x = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(Hi)), Vector512.Create(Hi), x); // NaN stays NaN
        x = Vector512.Max(x, Vector512.Create(Lo)); // keeps the exponent arithmetic in range; the result is 0 below Lo
        var n = Vector512.Round(x * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P7), r, Vector512.Create(P6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.ConditionalSelect(Vector512.LessThan(input, Vector512.Create(Lo)), Vector512<float>.Zero, p * scale);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var input = x;
        x = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(Hi)), Vector256.Create(Hi), x); // NaN stays NaN
        x = Vector256.Max(x, Vector256.Create(Lo)); // keeps the exponent arithmetic in range; the result is 0 below Lo
        var n = Vector256.Round(x * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P7), r, Vector256.Create(P6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.ConditionalSelect(Vector256.LessThan(input, Vector256.Create(Lo)), Vector256<float>.Zero, p * scale);
    }

    /// <summary>1 / (1 + e^−x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    /// <summary>1 / (1 + e^−x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    // tanh's odd series x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925 (accurate to 2e-9 relative below 0.3)
    private const float T3 = -1f / 3, T5 = 2f / 15, T7 = -17f / 315, T9 = 62f / 2835, T11 = -1382f / 155925;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var ax = Vector512.Abs(x);
        var big = Vector512<float>.One - Vector512.Create(2f) / (Exp(ax + ax) + Vector512<float>.One);
        big = Vector512.CopySign(big, x);
        var x2 = x * x;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(T11), x2, Vector512.Create(T9));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(T7));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(T5));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(T3));
        var small = Vector512.FusedMultiplyAdd(p * x2, x, x);
        var res = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(0.3f)), small, big);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), res, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var big = Vector256<float>.One - Vector256.Create(2f) / (Exp(ax + ax) + Vector256<float>.One);
        big = Vector256.CopySign(big, x);
        var x2 = x * x;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(T11), x2, Vector256.Create(T9));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(T7));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(T5));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(T3));
        var small = Vector256.FusedMultiplyAdd(p * x2, x, x);
        var res = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(0.3f)), small, big);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), res, x);
    }
}

internal readonly struct ActNone : IEpilogueAct
{
    public static float Scalar(float x, float a, float b) => x;
    public static Vector256<float> V256(Vector256<float> x, float a, float b) => x;
    public static Vector512<float> V512(Vector512<float> x, float a, float b) => x;
}

internal readonly struct ActRelu : IEpilogueAct
{
    public static float Scalar(float x, float a, float b) => MathF.Max(x, 0f);
    public static Vector256<float> V256(Vector256<float> x, float a, float b) => Vector256.Max(x, Vector256<float>.Zero);
    public static Vector512<float> V512(Vector512<float> x, float a, float b) => Vector512.Max(x, Vector512<float>.Zero);
}

internal readonly struct ActClip : IEpilogueAct
{
    public static float Scalar(float x, float a, float b) => MathF.Min(MathF.Max(x, a), b);
    public static Vector256<float> V256(Vector256<float> x, float a, float b) => Vector256.Min(Vector256.Max(x, Vector256.Create(a)), Vector256.Create(b));
    public static Vector512<float> V512(Vector512<float> x, float a, float b) => Vector512.Min(Vector512.Max(x, Vector512.Create(a)), Vector512.Create(b));
}

internal readonly struct ActLeakyRelu : IEpilogueAct
{
    public static float Scalar(float x, float a, float b) => x >= 0 ? x : a * x;
    public static Vector256<float> V256(Vector256<float> x, float a, float b) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), x * Vector256.Create(a), x);
    public static Vector512<float> V512(Vector512<float> x, float a, float b) =>
        Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), x * Vector512.Create(a), x);
}

internal readonly struct ActSigmoid : IEpilogueAct
{
    public static float Scalar(float x, float a, float b) => 1f / (1f + MathF.Exp(-x));
    public static Vector256<float> V256(Vector256<float> x, float a, float b) => VecExp.Sigmoid(x);
    public static Vector512<float> V512(Vector512<float> x, float a, float b) => VecExp.Sigmoid(x);
}

internal readonly struct ActHardSigmoid : IEpilogueAct
{
    public static float Scalar(float x, float a, float b) => MathF.Max(MathF.Min(MathF.FusedMultiplyAdd(a, x, b), 1f), 0f);
    public static Vector256<float> V256(Vector256<float> x, float a, float b) =>
        Vector256.Max(Vector256.Min(Vector256.FusedMultiplyAdd(Vector256.Create(a), x, Vector256.Create(b)), Vector256<float>.One), Vector256<float>.Zero);
    public static Vector512<float> V512(Vector512<float> x, float a, float b) =>
        Vector512.Max(Vector512.Min(Vector512.FusedMultiplyAdd(Vector512.Create(a), x, Vector512.Create(b)), Vector512<float>.One), Vector512<float>.Zero);
}

// x·relu6(x + 3)/6, the same rounding as the unfused HardSwish kernel
internal readonly struct ActHardSwish : IEpilogueAct
{
    public static float Scalar(float x, float a, float b) => x * MathF.Min(MathF.Max(x + 3f, 0f), 6f) / 6f;
    public static Vector256<float> V256(Vector256<float> x, float a, float b) =>
        x * Vector256.Min(Vector256.Max(x + Vector256.Create(3f), Vector256<float>.Zero), Vector256.Create(6f)) / Vector256.Create(6f);
    public static Vector512<float> V512(Vector512<float> x, float a, float b) =>
        x * Vector512.Min(Vector512.Max(x + Vector512.Create(3f), Vector512<float>.Zero), Vector512.Create(6f)) / Vector512.Create(6f);
}

internal readonly struct ActSilu : IEpilogueAct
{
    public static float Scalar(float x, float a, float b) => x / (1f + MathF.Exp(-x));
    public static Vector256<float> V256(Vector256<float> x, float a, float b) => x / (Vector256<float>.One + VecExp.Exp(-x));
    public static Vector512<float> V512(Vector512<float> x, float a, float b) => x / (Vector512<float>.One + VecExp.Exp(-x));
}

internal readonly struct ActTanh : IEpilogueAct
{
    public static float Scalar(float x, float a, float b) => MathF.Tanh(x);
    public static Vector256<float> V256(Vector256<float> x, float a, float b) => VecExp.Tanh(x);
    public static Vector512<float> V512(Vector512<float> x, float a, float b) => VecExp.Tanh(x);
}

internal readonly struct ActGelu : IEpilogueAct
{
    private const float InvSqrt2 = 0.70710678118654752f;
    public static float Scalar(float x, float a, float b) => 0.5f * x * (1f + ErfMath.Scalar(x * InvSqrt2));
    public static Vector256<float> V256(Vector256<float> x, float a, float b) =>
        Vector256.Create(0.5f) * x * (Vector256<float>.One + ErfMath.V256(x * Vector256.Create(InvSqrt2)));
    public static Vector512<float> V512(Vector512<float> x, float a, float b) =>
        Vector512.Create(0.5f) * x * (Vector512<float>.One + ErfMath.V512(x * Vector512.Create(InvSqrt2)));
}

// x/2·(1 + tanh u) = x·sigmoid(2u), u = √(2/π)(x + 0.044715x³)
internal readonly struct ActGeluTanh : IEpilogueAct
{
    private const float TwoC = 2 * 0.79788456080286536f, TwoCK = 2 * 0.79788456080286536f * 0.044715f;
    public static float Scalar(float x, float a, float b) => x / (1f + MathF.Exp(-x * MathF.FusedMultiplyAdd(TwoCK, x * x, TwoC)));
    public static Vector256<float> V256(Vector256<float> x, float a, float b) =>
        x / (Vector256<float>.One + VecExp.Exp(-x * Vector256.FusedMultiplyAdd(Vector256.Create(TwoCK), x * x, Vector256.Create(TwoC))));
    public static Vector512<float> V512(Vector512<float> x, float a, float b) =>
        x / (Vector512<float>.One + VecExp.Exp(-x * Vector512.FusedMultiplyAdd(Vector512.Create(TwoCK), x * x, Vector512.Create(TwoC))));
}
