// Adapters from StridedLoop rows (pointer + byte stride per operand) to span kernels that only handle unit-stride
// data or a broadcast scalar. Rows with other strides are gathered into a small stack buffer, processed there and
// scattered back, so every fast path also serves transposed, stepped and expanded views.
namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>y[i] = f(x[i]) over n unit-stride elements; x and y may be the same pointer.</summary>
internal unsafe interface ISpanUnary<T> where T : unmanaged
{
    void Apply(T* x, T* y, long n);
}

/// <summary>d[i] = f(a[i], b[i]) with either operand possibly a broadcast scalar; d may alias a or b exactly.</summary>
internal unsafe interface ISpanBinary<T> where T : unmanaged
{
    void VV(T* a, T* b, T* d, long n);
    void VS(T* a, T b, T* d, long n);
    void SV(T a, T* b, T* d, long n);
}

/// <summary>Row kernel for a unary span function: operands are (dst, src).</summary>
internal readonly unsafe struct UnaryRow<T, TFn>(TFn fn) : IRowKernel
    where T : unmanaged where TFn : struct, ISpanUnary<T>
{
    private const int Chunk = 256;
    private readonly TFn _fn = fn;

    public void Row(byte* d, long sd, byte* s, long ss, byte* p2, long s2, long n)
    {
        int es = sizeof(T);
        var f = _fn;
        if (sd == es && ss == es) { f.Apply((T*)s, (T*)d, n); return; }
        T* buf = stackalloc T[Chunk];
        for (long i0 = 0; i0 < n; i0 += Chunk)
        {
            int m = (int)Math.Min(Chunk, n - i0);
            byte* sp = s + i0 * ss, dp = d + i0 * sd;
            for (int j = 0; j < m; j++) buf[j] = *(T*)(sp + j * ss);
            if (sd == es) { f.Apply(buf, (T*)dp, m); continue; }
            f.Apply(buf, buf, m);
            for (int j = 0; j < m; j++) *(T*)(dp + j * sd) = buf[j];
        }
    }
}

/// <summary>Row kernel for a binary span function: operands are (dst, a, b).</summary>
internal readonly unsafe struct BinaryRow<T, TFn>(TFn fn) : IRowKernel
    where T : unmanaged where TFn : struct, ISpanBinary<T>
{
    private const int Chunk = 256;
    private readonly TFn _fn = fn;

    public void Row(byte* d, long sd, byte* a, long sa, byte* b, long sb, long n)
    {
        int es = sizeof(T);
        var f = _fn;
        if (sd == es)
        {
            if (sa == es && sb == es) { f.VV((T*)a, (T*)b, (T*)d, n); return; }
            if (sa == es && sb == 0) { f.VS((T*)a, *(T*)b, (T*)d, n); return; }
            if (sa == 0 && sb == es) { f.SV(*(T*)a, (T*)b, (T*)d, n); return; }
        }
        T* ba = stackalloc T[Chunk];
        T* bb = stackalloc T[Chunk];
        for (long i0 = 0; i0 < n; i0 += Chunk)
        {
            int m = (int)Math.Min(Chunk, n - i0);
            byte* ap = a + i0 * sa, bp = b + i0 * sb, dp = d + i0 * sd;
            for (int j = 0; j < m; j++) ba[j] = *(T*)(ap + j * sa);
            for (int j = 0; j < m; j++) bb[j] = *(T*)(bp + j * sb);
            if (sd == es) { f.VV(ba, bb, (T*)dp, m); continue; }
            f.VV(ba, bb, ba, m);
            for (int j = 0; j < m; j++) *(T*)(dp + j * sd) = ba[j];
        }
    }
}

/// <summary>Scalar element function used by the generic (F64 and integer) paths.</summary>
internal interface IScalarUnary<T> where T : unmanaged
{
    T Apply(T x);
}

/// <summary>Scalar element function of two arguments used by the generic paths.</summary>
internal interface IScalarBinary<T> where T : unmanaged
{
    T Apply(T a, T b);
}

/// <summary>Plain loops over a scalar function: the generic path and the reference for fast paths.</summary>
internal readonly unsafe struct ScalarMap<T, TOp>(TOp op) : ISpanUnary<T>
    where T : unmanaged where TOp : struct, IScalarUnary<T>
{
    private readonly TOp _op = op;

    public void Apply(T* x, T* y, long n)
    {
        var o = _op;
        for (long i = 0; i < n; i++) y[i] = o.Apply(x[i]);
    }
}

/// <summary>Plain loops over a scalar binary function.</summary>
internal readonly unsafe struct ScalarZip<T, TOp>(TOp op) : ISpanBinary<T>
    where T : unmanaged where TOp : struct, IScalarBinary<T>
{
    private readonly TOp _op = op;

    public void VV(T* a, T* b, T* d, long n)
    {
        var o = _op;
        for (long i = 0; i < n; i++) d[i] = o.Apply(a[i], b[i]);
    }

    public void VS(T* a, T b, T* d, long n)
    {
        var o = _op;
        for (long i = 0; i < n; i++) d[i] = o.Apply(a[i], b);
    }

    public void SV(T a, T* b, T* d, long n)
    {
        var o = _op;
        for (long i = 0; i < n; i++) d[i] = o.Apply(a, b[i]);
    }
}
