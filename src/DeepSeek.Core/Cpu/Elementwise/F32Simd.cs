// Vector loops for F32 elementwise ops: each op supplies a scalar form (the reference) and Vector256/Vector512
// forms; the loop picks the widest width SimdInfo allows and finishes tails with the scalar form.
// Binary loops cover the three row shapes StridedLoop produces after coalescing: both unit-stride, or one side a scalar.
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>An F32 unary op in scalar and vector forms.</summary>
internal interface IF32Unary
{
    float Scalar(float x);
    Vector256<float> V256(Vector256<float> x);
    Vector512<float> V512(Vector512<float> x);
}

/// <summary>An F32 binary op in scalar and vector forms.</summary>
internal interface IF32Binary
{
    float Scalar(float a, float b);
    Vector256<float> V256(Vector256<float> a, Vector256<float> b);
    Vector512<float> V512(Vector512<float> a, Vector512<float> b);
}

/// <summary>Applies an <see cref="IF32Unary"/> over a unit-stride span at the given SIMD level.</summary>
internal readonly unsafe struct F32Map<TOp>(TOp op, SimdLevel level) : ISpanUnary<float> where TOp : struct, IF32Unary
{
    private readonly TOp _op = op;
    private readonly SimdLevel _level = level;

    public void Apply(float* x, float* y, long n)
    {
        var o = _op;
        long i = 0;
        if (_level >= SimdLevel.Avx512)
        {
            for (; i <= n - 32; i += 32)
            {
                var v0 = o.V512(Vector512.Load(x + i));
                var v1 = o.V512(Vector512.Load(x + i + 16));
                v0.Store(y + i);
                v1.Store(y + i + 16);
            }
            for (; i <= n - 16; i += 16) o.V512(Vector512.Load(x + i)).Store(y + i);
        }
        if (_level >= SimdLevel.Avx2)
            for (; i <= n - 8; i += 8) o.V256(Vector256.Load(x + i)).Store(y + i);
        for (; i < n; i++) y[i] = o.Scalar(x[i]);
    }

    /// <summary>The scalar reference over the same span.</summary>
    public static void Reference(TOp op, float* x, float* y, long n)
    {
        for (long i = 0; i < n; i++) y[i] = op.Scalar(x[i]);
    }
}

/// <summary>Applies an <see cref="IF32Binary"/> over unit-stride spans or a span and a broadcast scalar.</summary>
internal readonly unsafe struct F32Zip<TOp>(TOp op, SimdLevel level) : ISpanBinary<float> where TOp : struct, IF32Binary
{
    private readonly TOp _op = op;
    private readonly SimdLevel _level = level;

    public void VV(float* a, float* b, float* d, long n)
    {
        var o = _op;
        long i = 0;
        if (_level >= SimdLevel.Avx512)
            for (; i <= n - 16; i += 16) o.V512(Vector512.Load(a + i), Vector512.Load(b + i)).Store(d + i);
        if (_level >= SimdLevel.Avx2)
            for (; i <= n - 8; i += 8) o.V256(Vector256.Load(a + i), Vector256.Load(b + i)).Store(d + i);
        for (; i < n; i++) d[i] = o.Scalar(a[i], b[i]);
    }

    public void VS(float* a, float b, float* d, long n)
    {
        var o = _op;
        long i = 0;
        if (_level >= SimdLevel.Avx512)
        {
            var vb = Vector512.Create(b);
            for (; i <= n - 16; i += 16) o.V512(Vector512.Load(a + i), vb).Store(d + i);
        }
        if (_level >= SimdLevel.Avx2)
        {
            var vb = Vector256.Create(b);
            for (; i <= n - 8; i += 8) o.V256(Vector256.Load(a + i), vb).Store(d + i);
        }
        for (; i < n; i++) d[i] = o.Scalar(a[i], b);
    }

    public void SV(float a, float* b, float* d, long n)
    {
        var o = _op;
        long i = 0;
        if (_level >= SimdLevel.Avx512)
        {
            var va = Vector512.Create(a);
            for (; i <= n - 16; i += 16) o.V512(va, Vector512.Load(b + i)).Store(d + i);
        }
        if (_level >= SimdLevel.Avx2)
        {
            var va = Vector256.Create(a);
            for (; i <= n - 8; i += 8) o.V256(va, Vector256.Load(b + i)).Store(d + i);
        }
        for (; i < n; i++) d[i] = o.Scalar(a, b[i]);
    }

    /// <summary>The scalar reference over the same spans.</summary>
    public static void Reference(TOp op, float* a, float* b, float* d, long n)
    {
        for (long i = 0; i < n; i++) d[i] = op.Scalar(a[i], b[i]);
    }
}
