// Numerically stable softmax / log-softmax along one axis: m = max(x), e = exp(x − m), s = Σe, then e / s or
// x − m − log s. Contiguous F32 rows use the SIMD max/sum of F32Reduce and TensorPrimitives' vectorized exp;
// every other layout and F64 runs the F64 scalar reference per line.
using System.Numerics;
using System.Numerics.Tensors;

namespace DeepSeek.Backends.Cpu.Reduction;

internal static unsafe class SoftmaxKernel
{
    public static void Run(Tensor src, int axis, Tensor dst, bool log)
    {
        if (SimdInfo.UseAvx2 && SoftmaxColumns.Applies(src, axis, dst))
        {
            SoftmaxColumns.Run(src, axis, dst, log);
            return;
        }
        if (src.DType == DType.F32 && SimdInfo.UseAvx2 && src.Rank > 0 && axis == src.Rank - 1 && src.IsContiguous && dst.IsContiguous)
        {
            // contiguous rows (attention scores, classifier heads): the same row kernel over the same chunks, no line plan
            long n = src.ShapeArray[^1];
            if (src.Numel == 0) return;
            var rows = new Rows { Src = CpuBackend.Ptr<float>(src), Dst = CpuBackend.Ptr<float>(dst), N = (int)n, Log = log };
            CpuParallel.For(src.Numel / n, n * 8, ref rows);
            return;
        }
        var lp = LinePlan.Build(src, dst, axis);
        if (lp.Count * lp.SrcLength == 0) return;
        switch (src.DType)
        {
            case DType.F32: Lines(CpuBackend.Ptr<float>(src), lp, CpuBackend.Ptr<float>(dst), log); break;
            case DType.F64: Lines(CpuBackend.Ptr<double>(src), lp, CpuBackend.Ptr<double>(dst), log); break;
            default:
                throw new DTypeMismatchException($"Softmax: the CPU kernel takes f32 or f64 sources, got {src.DType.Name()} (shape {src.Shape}); the op layer upcasts f16/bf16.");
        }
    }

    private static void Lines<T>(T* src, LinePlan lp, T* dst, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint sp = (nint)src, dp = (nint)dst;
        long n = lp.SrcLength;
        bool fast = typeof(T) == typeof(float) && lp.SrcStride == 1 && lp.DstStride == 1 && SimdInfo.UseAvx2;
        CpuParallel.For(lp.Count, n * 8, (s, e) =>
        {
            var od = new Odometer(lp.OuterShape, lp.SrcOuter, lp.DstOuter, s);
            for (long o = s; o < e; o++, od.Next())
            {
                T* p = (T*)sp + od.Off0;
                T* d = (T*)dp + od.Off1;
                if (fast) RowF32((float*)p, (float*)d, (int)n, log);
                else Reference(p, lp.SrcStride, d, lp.DstStride, n, log);
            }
        });
    }

    private struct Rows : IRangeBody
    {
        public float* Src, Dst;
        public int N;
        public bool Log;

        public readonly void Run(long s, long e)
        {
            for (long o = s; o < e; o++) RowF32(Src + o * N, Dst + o * N, N, Log);
        }
    }

    /// <summary>Vectorized softmax of one contiguous F32 row.</summary>
    internal static void RowF32(float* p, float* d, int n, bool log)
    {
        float m = F32Reduce.Extreme(p, n, true);
        var x = new ReadOnlySpan<float>(p, n);
        var y = new Span<float>(d, n);
        TensorPrimitives.Subtract(x, m, y);
        TensorPrimitives.Exp(y, y);
        double sum = F32Reduce.Sum(d, n);
        if (log)
        {
            // (x − m) − log s, not x − (m + log s): the shift is exact in F32 while m + log s would round at m's scale
            TensorPrimitives.Subtract(x, m, y);
            TensorPrimitives.Subtract(y, (float)Math.Log(sum), y);
        }
        else TensorPrimitives.Multiply(y, (float)(1.0 / sum), y);
    }

    /// <summary>Scalar F64 reference for one strided line.</summary>
    internal static void Reference<T>(T* p, long ps, T* d, long ds, long n, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double m = double.NegativeInfinity;
        for (long i = 0; i < n; i++)
        {
            double x = double.CreateTruncating(p[i * ps]);
            if (double.IsNaN(x) || x > m) m = x;
            if (double.IsNaN(m)) break;
        }
        double sum = 0;
        for (long i = 0; i < n; i++) sum += Math.Exp(double.CreateTruncating(p[i * ps]) - m);
        double lse = m + Math.Log(sum);
        for (long i = 0; i < n; i++)
        {
            double x = double.CreateTruncating(p[i * ps]);
            d[i * ds] = T.CreateTruncating(log ? x - lse : Math.Exp(x - m) / sum);
        }
    }
}
