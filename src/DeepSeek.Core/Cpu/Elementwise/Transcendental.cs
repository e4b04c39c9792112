// Exp/log/trig/tanh/sigmoid and the activations built on them, for F32 and F64, through System.Numerics.Tensors'
// vectorised TensorPrimitives (AVX-512/AVX2 inside), processed in L1-sized chunks so multi-pass ops (SiLU, tanh-GELU,
// log1p, expm1) stay in cache. log1p and expm1 use Kahan's corrections (Goldberg, "What every computer scientist…", 1991).
using System.Numerics;
using System.Numerics.Tensors;

namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>Transcendental unary ops over unit-stride spans; the SIMD level Scalar selects the reference loops.</summary>
internal readonly unsafe struct TranscendentalMap<T>(UnaryOp op, SimdLevel level) : ISpanUnary<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Chunk = 512;

    public void Apply(T* x, T* y, long n)
    {
        if (level == SimdLevel.Scalar) { Reference(op, x, y, n); return; }
        T* t1 = stackalloc T[Chunk];
        T* t2 = stackalloc T[Chunk];
        for (long i0 = 0; i0 < n; i0 += Chunk)
        {
            int m = (int)Math.Min(Chunk, n - i0);
            var xs = new ReadOnlySpan<T>(x + i0, m);
            var ys = new Span<T>(y + i0, m);
            var a = new Span<T>(t1, m);
            var b = new Span<T>(t2, m);
            switch (op)
            {
                case UnaryOp.Exp: TensorPrimitives.Exp(xs, ys); break;
                case UnaryOp.Log: TensorPrimitives.Log(xs, ys); break;
                case UnaryOp.Sin: TensorPrimitives.Sin(xs, ys); break;
                case UnaryOp.Cos: TensorPrimitives.Cos(xs, ys); break;
                case UnaryOp.Tanh:
                    xs.CopyTo(a); // x and y may be the same memory (in-place)
                    TensorPrimitives.Tanh(a, ys);
                    TanhSmallFix(a, ys);
                    break;
                case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(xs, ys); break;
                case UnaryOp.Silu:
                    TensorPrimitives.Sigmoid(xs, a);
                    TensorPrimitives.Multiply(xs, a, ys);
                    break;
                case UnaryOp.GeluTanh:
                    TensorPrimitives.Multiply(xs, xs, a);
                    TensorPrimitives.Multiply(a, T.CreateTruncating(0.044715), a);
                    TensorPrimitives.MultiplyAdd(a, xs, xs, a);          // x + 0.044715·x³
                    TensorPrimitives.Multiply(a, T.CreateTruncating(0.79788456080286536), a);
                    TensorPrimitives.Tanh(a, a);
                    TensorPrimitives.Add(a, T.One, a);
                    TensorPrimitives.Multiply(a, xs, a);
                    TensorPrimitives.Multiply(a, T.CreateTruncating(0.5), ys);
                    break;
                case UnaryOp.Log1p:
                    TensorPrimitives.Add(xs, T.One, a);
                    TensorPrimitives.Log(a, b);
                    for (int j = 0; j < m; j++) ys[j] = Log1pFix(xs[j], a[j], b[j]);
                    break;
                case UnaryOp.Expm1:
                    TensorPrimitives.Exp(xs, a);
                    TensorPrimitives.Log(a, b);
                    for (int j = 0; j < m; j++) ys[j] = Expm1Fix(xs[j], a[j], b[j]);
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "not a transcendental op");
            }
        }
    }

    // u = 1 + x rounded; ln(u)·x/(u − 1) corrects the rounding of u.
    // TensorPrimitives.Tanh goes through exp and loses ~6e-8 absolutely near 0 (tanh(0) = -6e-8, 5% relative error at
    // 1e-6). Below |x| < 0.3 the odd Taylor series through x¹¹ is accurate to < 2e-9 relative, so it replaces those F32 lanes.
    internal static void TanhSmallFix(ReadOnlySpan<T> xs, Span<T> ys)
    {
        if (typeof(T) != typeof(float)) return; // F64 keeps TensorPrimitives' result (its absolute error is ~1e-16)
        T limit = T.CreateTruncating(0.3);
        for (int j = 0; j < xs.Length; j++)
        {
            T x = xs[j];
            if (T.Abs(x) >= limit) continue;
            T x2 = x * x;
            T p = T.CreateTruncating(-1382.0 / 155925);
            p = p * x2 + T.CreateTruncating(62.0 / 2835);
            p = p * x2 + T.CreateTruncating(-17.0 / 315);
            p = p * x2 + T.CreateTruncating(2.0 / 15);
            p = p * x2 + T.CreateTruncating(-1.0 / 3);
            ys[j] = x + x * x2 * p;
        }
    }

    private static T Log1pFix(T x, T u, T logU)
    {
        if (u == T.One) return x;
        if (T.IsInfinity(u) || T.IsNaN(u)) return logU;
        return logU * (x / (u - T.One));
    }

    // u = eˣ rounded; (u − 1)·x/ln(u) corrects the rounding of u.
    private static T Expm1Fix(T x, T u, T logU)
    {
        if (u == T.One) return x;
        T um1 = u - T.One;
        if (um1 == -T.One) return -T.One;
        if (T.IsInfinity(u) || T.IsNaN(u)) return u;
        return um1 * x / logU;
    }

    /// <summary>Scalar reference loops (also the path when SIMD is off).</summary>
    public static void Reference(UnaryOp op, T* x, T* y, long n)
    {
        T half = T.CreateTruncating(0.5);
        for (long i = 0; i < n; i++)
        {
            T v = x[i];
            y[i] = op switch
            {
                UnaryOp.Exp => T.Exp(v),
                UnaryOp.Log => T.Log(v),
                UnaryOp.Sin => T.Sin(v),
                UnaryOp.Cos => T.Cos(v),
                UnaryOp.Tanh => T.Tanh(v),
                UnaryOp.Sigmoid => T.One / (T.One + T.Exp(-v)),
                UnaryOp.Silu => v / (T.One + T.Exp(-v)),
                UnaryOp.GeluTanh => half * v * (T.One + T.Tanh(T.CreateTruncating(0.79788456080286536) * (v + T.CreateTruncating(0.044715) * v * v * v))),
                UnaryOp.Log1p => Log1pFix(v, T.One + v, T.Log(T.One + v)),
                UnaryOp.Expm1 => Expm1Fix(v, T.Exp(v), T.Log(T.Exp(v))),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a transcendental op"),
            };
        }
    }
}
