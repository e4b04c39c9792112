// F32 elementwise ops written directly with Vector256/Vector512 (the ones TensorPrimitives lacks or where a fused
// form saves a pass): activations from the PyTorch/ONNX definitions, clamp, sign, erf/GELU and the arithmetic
// binaries. Max/Min follow IEEE 754-2019 maximum/minimum (NaN propagates), as torch.maximum does.
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Elementwise;

internal readonly struct ReluF32 : IF32Unary
{
    public float Scalar(float x) => MathF.Max(x, 0f);
    public Vector256<float> V256(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    public Vector512<float> V512(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);
}

internal readonly struct LeakyReluF32(float slope) : IF32Unary
{
    public float Scalar(float x) => x > 0 ? x : x * slope;
    public Vector256<float> V256(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * slope);
    public Vector512<float> V512(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * slope);
}

internal readonly struct ClampF32(float lo, float hi) : IF32Unary
{
    public float Scalar(float x) => MathF.Min(MathF.Max(x, lo), hi);
    public Vector256<float> V256(Vector256<float> x) => Vector256.Min(Vector256.Max(x, Vector256.Create(lo)), Vector256.Create(hi));
    public Vector512<float> V512(Vector512<float> x) => Vector512.Min(Vector512.Max(x, Vector512.Create(lo)), Vector512.Create(hi));
}

/// <summary>max(0, min(1, alpha·x + beta)) (ONNX HardSigmoid; PyTorch's is alpha = 1/6, beta = 1/2).</summary>
internal readonly struct HardSigmoidF32(float alpha, float beta) : IF32Unary
{
    public float Scalar(float x) => MathF.Max(MathF.Min(MathF.FusedMultiplyAdd(alpha, x, beta), 1f), 0f);
    public Vector256<float> V256(Vector256<float> x) =>
        Vector256.Max(Vector256.Min(Vector256.FusedMultiplyAdd(Vector256.Create(alpha), x, Vector256.Create(beta)), Vector256<float>.One), Vector256<float>.Zero);
    public Vector512<float> V512(Vector512<float> x) =>
        Vector512.Max(Vector512.Min(Vector512.FusedMultiplyAdd(Vector512.Create(alpha), x, Vector512.Create(beta)), Vector512<float>.One), Vector512<float>.Zero);
}

/// <summary>x·relu6(x + 3)/6.</summary>
internal readonly struct HardSwishF32 : IF32Unary
{
    public float Scalar(float x) => x * MathF.Min(MathF.Max(x + 3f, 0f), 6f) / 6f;
    public Vector256<float> V256(Vector256<float> x) => x * Vector256.Min(Vector256.Max(x + Vector256.Create(3f), Vector256<float>.Zero), Vector256.Create(6f)) / Vector256.Create(6f);
    public Vector512<float> V512(Vector512<float> x) => x * Vector512.Min(Vector512.Max(x + Vector512.Create(3f), Vector512<float>.Zero), Vector512.Create(6f)) / Vector512.Create(6f);
}

internal readonly struct SquareF32 : IF32Unary
{
    public float Scalar(float x) => x * x;
    public Vector256<float> V256(Vector256<float> x) => x * x;
    public Vector512<float> V512(Vector512<float> x) => x * x;
}

internal readonly struct NegF32 : IF32Unary
{
    public float Scalar(float x) => -x;
    public Vector256<float> V256(Vector256<float> x) => -x;
    public Vector512<float> V512(Vector512<float> x) => -x;
}

internal readonly struct AbsF32 : IF32Unary
{
    public float Scalar(float x) => MathF.Abs(x);
    public Vector256<float> V256(Vector256<float> x) => Vector256.Abs(x);
    public Vector512<float> V512(Vector512<float> x) => Vector512.Abs(x);
}

internal readonly struct ReciprocalF32 : IF32Unary
{
    public float Scalar(float x) => 1f / x;
    public Vector256<float> V256(Vector256<float> x) => Vector256<float>.One / x;
    public Vector512<float> V512(Vector512<float> x) => Vector512<float>.One / x;
}

internal readonly struct SqrtF32 : IF32Unary
{
    public float Scalar(float x) => MathF.Sqrt(x);
    public Vector256<float> V256(Vector256<float> x) => Vector256.Sqrt(x);
    public Vector512<float> V512(Vector512<float> x) => Vector512.Sqrt(x);
}

internal readonly struct RsqrtF32 : IF32Unary
{
    public float Scalar(float x) => 1f / MathF.Sqrt(x);
    public Vector256<float> V256(Vector256<float> x) => Vector256<float>.One / Vector256.Sqrt(x);
    public Vector512<float> V512(Vector512<float> x) => Vector512<float>.One / Vector512.Sqrt(x);
}

internal readonly struct FloorF32 : IF32Unary
{
    public float Scalar(float x) => MathF.Floor(x);
    public Vector256<float> V256(Vector256<float> x) => Vector256.Floor(x);
    public Vector512<float> V512(Vector512<float> x) => Vector512.Floor(x);
}

internal readonly struct CeilF32 : IF32Unary
{
    public float Scalar(float x) => MathF.Ceiling(x);
    public Vector256<float> V256(Vector256<float> x) => Vector256.Ceiling(x);
    public Vector512<float> V512(Vector512<float> x) => Vector512.Ceiling(x);
}

internal readonly struct RoundF32 : IF32Unary
{
    public float Scalar(float x) => MathF.Round(x, MidpointRounding.ToEven);
    public Vector256<float> V256(Vector256<float> x) => Vector256.Round(x);
    public Vector512<float> V512(Vector512<float> x) => Vector512.Round(x);
}

internal readonly struct TruncF32 : IF32Unary
{
    public float Scalar(float x) => MathF.Truncate(x);
    public Vector256<float> V256(Vector256<float> x) => Vector256.Truncate(x);
    public Vector512<float> V512(Vector512<float> x) => Vector512.Truncate(x);
}

/// <summary>−1, 0, 1; NaN stays NaN.</summary>
internal readonly struct SignF32 : IF32Unary
{
    public float Scalar(float x) => float.IsNaN(x) ? x : x > 0 ? 1f : x < 0 ? -1f : 0f;
    public Vector256<float> V256(Vector256<float> x)
    {
        var z = Vector256<float>.Zero;
        var r = (Vector256.GreaterThan(x, z) & Vector256<float>.One) - (Vector256.LessThan(x, z) & Vector256<float>.One);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), r, x);
    }
    public Vector512<float> V512(Vector512<float> x)
    {
        var z = Vector512<float>.Zero;
        var r = (Vector512.GreaterThan(x, z) & Vector512<float>.One) - (Vector512.LessThan(x, z) & Vector512<float>.One);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), r, x);
    }
}

internal readonly struct ErfF32 : IF32Unary
{
    public float Scalar(float x) => ErfMath.Scalar(x);
    public Vector256<float> V256(Vector256<float> x) => ErfMath.V256(x);
    public Vector512<float> V512(Vector512<float> x) => ErfMath.V512(x);
}

/// <summary>Exact GELU: x/2·(1 + erf(x/√2)).</summary>
internal readonly struct GeluF32 : IF32Unary
{
    private const float InvSqrt2 = 0.70710678118654752f;
    public float Scalar(float x) => 0.5f * x * (1f + ErfMath.Scalar(x * InvSqrt2));
    public Vector256<float> V256(Vector256<float> x) => Vector256.Create(0.5f) * x * (Vector256<float>.One + ErfMath.V256(x * InvSqrt2));
    public Vector512<float> V512(Vector512<float> x) => Vector512.Create(0.5f) * x * (Vector512<float>.One + ErfMath.V512(x * InvSqrt2));
}

internal readonly struct AddF32 : IF32Binary
{
    public float Scalar(float a, float b) => a + b;
    public Vector256<float> V256(Vector256<float> a, Vector256<float> b) => a + b;
    public Vector512<float> V512(Vector512<float> a, Vector512<float> b) => a + b;
}

/// <summary>a + alpha·b in one FMA (torch.add with alpha; Sub passes −alpha).</summary>
internal readonly struct AddScaledF32(float alpha) : IF32Binary
{
    public float Scalar(float a, float b) => MathF.FusedMultiplyAdd(alpha, b, a);
    public Vector256<float> V256(Vector256<float> a, Vector256<float> b) => Vector256.FusedMultiplyAdd(Vector256.Create(alpha), b, a);
    public Vector512<float> V512(Vector512<float> a, Vector512<float> b) => Vector512.FusedMultiplyAdd(Vector512.Create(alpha), b, a);
}

internal readonly struct SubF32 : IF32Binary
{
    public float Scalar(float a, float b) => a - b;
    public Vector256<float> V256(Vector256<float> a, Vector256<float> b) => a - b;
    public Vector512<float> V512(Vector512<float> a, Vector512<float> b) => a - b;
}

internal readonly struct MulF32 : IF32Binary
{
    public float Scalar(float a, float b) => a * b;
    public Vector256<float> V256(Vector256<float> a, Vector256<float> b) => a * b;
    public Vector512<float> V512(Vector512<float> a, Vector512<float> b) => a * b;
}

internal readonly struct DivF32 : IF32Binary
{
    public float Scalar(float a, float b) => a / b;
    public Vector256<float> V256(Vector256<float> a, Vector256<float> b) => a / b;
    public Vector512<float> V512(Vector512<float> a, Vector512<float> b) => a / b;
}

internal readonly struct MaxF32 : IF32Binary
{
    public float Scalar(float a, float b) => MathF.Max(a, b);
    public Vector256<float> V256(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    public Vector512<float> V512(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
}

internal readonly struct MinF32 : IF32Binary
{
    public float Scalar(float a, float b) => MathF.Min(a, b);
    public Vector256<float> V256(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);
    public Vector512<float> V512(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
}
