// Softmax of contiguous F32 data along a non-innermost axis ([outer, n, inner] with inner > 1): instead of n-strided
// lines, whole rows of a column chunk are processed at once — running max across rows, exp(x − max) written
// through, F64 column sums, then one scaling pass — so every access is unit-stride and vectorized.
using System.Numerics.Tensors;

namespace DeepSeek.Backends.Cpu.Reduction;

internal static unsafe class SoftmaxColumns
{
    private const int Chunk = 256;

    /// <summary>True for contiguous F32 source and destination with at least 8 contiguous elements after the axis.</summary>
    public static bool Applies(Tensor src, int axis, Tensor dst)
    {
        if (src.DType != DType.F32 || !src.IsContiguous || !dst.IsContiguous || axis >= src.Rank - 1) return false;
        long inner = 1;
        for (int i = axis + 1; i < src.Rank; i++) inner *= src.ShapeArray[i];
        return inner >= 8 && inner <= int.MaxValue;
    }

    public static void Run(Tensor src, int axis, Tensor dst, bool log)
    {
        var shape = src.ShapeArray;
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        int n = shape[axis];
        int inner = (int)(src.Numel / Math.Max(1, outer * n));
        if (outer * n * inner == 0) return;
        long chunks = (inner + Chunk - 1) / Chunk;
        nint sp = (nint)CpuBackend.Ptr<float>(src), dp = (nint)CpuBackend.Ptr<float>(dst);
        CpuParallel.For(outer * chunks, (long)Math.Min(inner, Chunk) * n * 8, (s, e) =>
        {
            float* m = stackalloc float[Chunk];
            double* sum = stackalloc double[Chunk];
            float* tmp = stackalloc float[Chunk];
            for (long w = s; w < e; w++)
            {
                long o = w / chunks;
                int c0 = (int)(w % chunks) * Chunk;
                int len = Math.Min(Chunk, inner - c0);
                float* x = (float*)sp + o * n * inner + c0;
                float* y = (float*)dp + o * n * inner + c0;
                Buffer.MemoryCopy(x, m, len * 4L, len * 4L);
                for (int r = 1; r < n; r++) F32ReduceRows.Extreme(m, x + (long)r * inner, len, true);
                var mSpan = new ReadOnlySpan<float>(m, len);
                new Span<double>(sum, len).Clear();
                for (int r = 0; r < n; r++)
                {
                    var yr = new Span<float>(y + (long)r * inner, len);
                    TensorPrimitives.Subtract(new ReadOnlySpan<float>(x + (long)r * inner, len), mSpan, yr);
                    TensorPrimitives.Exp(yr, yr);
                    F32ReduceRows.AddWiden(sum, y + (long)r * inner, len);
                }
                for (int j = 0; j < len; j++) tmp[j] = (float)(log ? Math.Log(sum[j]) : 1.0 / sum[j]);
                var t = new ReadOnlySpan<float>(tmp, len);
                for (int r = 0; r < n; r++)
                {
                    var yr = new Span<float>(y + (long)r * inner, len);
                    if (log)
                    {
                        TensorPrimitives.Subtract(new ReadOnlySpan<float>(x + (long)r * inner, len), mSpan, yr);
                        TensorPrimitives.Subtract(yr, t, yr);
                    }
                    else TensorPrimitives.Multiply(yr, t, yr);
                }
            }
        });
    }
}
