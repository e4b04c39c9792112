// Portable attention (F64; F32 in tests): one query row at a time, a two-pass softmax over that row's
// scores (max, then e^(s − max) and Σ), then Σ_j p_j·v_j — TensorPrimitives vectorizes the dot products and axpys
// at whatever width the machine has. Parallel over (batch, head, row); each thread holds one row of scores.
using System.Numerics;
using System.Numerics.Tensors;

namespace DeepSeek.Backends.Cpu.Attention;

internal static unsafe class AttentionRows
{
    /// <summary>Runs the kernel; q, k, v have unit stride in their last dim, dst rows are addressed by the geometry's D strides.</summary>
    public static void Run<T>(nint q, nint k, nint v, nint mask, nint dst, AttentionGeometry g, AttentionParams p)
        where T : unmanaged, IFloatingPointIeee754<T>, IExponentialFunctions<T>
    {
        long rows = (long)g.B * g.H * g.L;
        CpuParallel.For(rows, 2L * g.S * (g.E + g.Ev), (start, end) =>
        {
            var scores = new T[Math.Max(g.S, 1)];
            var acc = new T[Math.Max(g.Ev, 1)];
            for (long row = start; row < end; row++)
                Row((T*)q, (T*)k, (T*)v, (T*)mask, (T*)dst, g, p, row, scores, acc);
        });
    }

    private static void Row<T>(T* q, T* k, T* v, T* mask, T* dst, in AttentionGeometry g, AttentionParams p, long row, T[] scores, T[] acc)
        where T : unmanaged, IFloatingPointIeee754<T>, IExponentialFunctions<T>
    {
        int i = (int)(row % g.L);
        long bh = row / g.L;
        int h = (int)(bh % g.H), b = (int)(bh / g.H), hk = g.KvHead(h);
        var qr = new ReadOnlySpan<T>(q + b * g.QB + h * g.QH + i * g.QL, g.E);
        T* kh = k + b * g.KB + hk * g.KH;
        T* vh = v + b * g.VB + hk * g.VH;
        T* mr = mask == null ? null : mask + b * g.MB + h * g.MH + i * g.ML;
        var d = new Span<T>(dst + b * g.DB + h * g.DH + i * g.DL, g.Ev);
        int n = g.KeyEnd(i, p.IsCausal);
        var s = scores.AsSpan(0, n);
        T scale = T.CreateTruncating(p.Scale);
        T max = T.NegativeInfinity;
        for (int j = 0; j < n; j++)
        {
            T x = TensorPrimitives.Dot(qr, new ReadOnlySpan<T>(kh + j * g.KS, g.E)) * scale;
            if (mr != null) x += mr[j * g.MS];
            s[j] = x;
            if (T.IsNaN(x) || x > max) max = x;
        }
        if (T.IsNegativeInfinity(max) || n == 0)
        {
            d.Fill(p.ZeroMaskedRows ? T.Zero : T.NaN);
            return;
        }
        TensorPrimitives.Subtract(s, max, s);
        TensorPrimitives.Exp(s, s);
        T sum = TensorPrimitives.Sum<T>(s);
        var a = acc.AsSpan(0, g.Ev);
        a.Clear();
        for (int j = 0; j < n; j++)
            if (s[j] != T.Zero) TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>(vh + j * g.VS, g.Ev), s[j], a, a);
        TensorPrimitives.Multiply(a, T.One / sum, d);
    }
}
