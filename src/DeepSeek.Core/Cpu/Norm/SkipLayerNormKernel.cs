// Residual add fused with layer normalization (Ba et al. 2016; ONNX Runtime's SkipLayerNormalization): per row,
// s = x + skip is written once (into the sum output, or straight into dst), its two-pass statistics are taken while the
// row is in L1, and the row is normalised in place — one trip through memory instead of Add's write plus LayerNorm's read.
using System.Numerics;
using System.Numerics.Tensors;

namespace DeepSeek.Backends.Cpu.Norm;

internal static unsafe class SkipLayerNormKernel
{
    /// <summary>See <see cref="INNKernels.SkipLayerNorm"/>.</summary>
    public static void Run<T>(Tensor x, Tensor skip, Tensor? weight, Tensor? bias, double eps, Tensor dst, Tensor? sum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = dst.ShapeArray[^1];
        long m = dst.Numel / Math.Max(1, k);
        using Tensor? xc = RowsView(x);
        using Tensor? sc = RowsView(skip);
        using Tensor? wc = weight is null || weight.IsContiguous ? null : weight.Contiguous();
        using Tensor? bc = bias is null || bias.IsContiguous ? null : bias.Contiguous();
        var xv = xc ?? x;
        var sv = sc ?? skip;
        long xs = RowStride(xv, k), ss = RowStride(sv, k);
        var body = new Rows<T>
        {
            X = CpuBackend.Ptr<T>(xv), Skip = CpuBackend.Ptr<T>(sv), Dst = CpuBackend.Ptr<T>(dst),
            Gamma = weight is null ? null : CpuBackend.Ptr<T>(wc ?? weight), Beta = bias is null ? null : CpuBackend.Ptr<T>(bc ?? bias),
            Sum = sum is null ? null : CpuBackend.Ptr<T>(sum), XStride = xs, SkipStride = ss, K = k, Eps = eps,
        };
        CpuParallel.For(m, (long)k * 6, ref body);
    }

    private struct Rows<T> : IRangeBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, Skip, Dst, Gamma, Beta, Sum;
        public long XStride, SkipStride;
        public int K;
        public double Eps;

        public readonly void Run(long s, long e)
        {
            int k = K;
            for (long r = s; r < e; r++)
            {
                T* d = Dst + r * k;
                T* row = Sum == null ? d : Sum + r * k;
                var xr = new ReadOnlySpan<T>(X + r * XStride, k);
                var sr = new ReadOnlySpan<T>(Skip + r * SkipStride, k);
                TensorPrimitives.Add(xr, sr, new Span<T>(row, k));
                double mean = NormMath.Sum(row, k) / k;
                double var = NormMath.SumSqDev(row, k, mean) / k;
                NormMath.NormalizeRow(row, d, k, mean, 1 / Math.Sqrt(var + Eps), Gamma, Beta);
            }
        }
    }

    // rows are addressed by one stride: a 2-d view with unit inner stride, or any contiguous tensor; others are copied
    private static Tensor? RowsView(Tensor t) => t.IsContiguous || t.Rank == 2 && (t.ShapeArray[1] <= 1 || t.StridesArray[1] == 1) ? null : t.Contiguous();

    private static long RowStride(Tensor t, int k) => t.IsContiguous ? k : t.StridesArray[0];
}
