// one_hot: zero the I64 output, then set one element per index after checking it is in [0, classes).
// IntegerRange: a strided min/max scan, used by the op layer to infer the class count and name bad values.
using static DeepSeek.Backends.Cpu.Indexing.IndexingSupport;

namespace DeepSeek.Backends.Cpu.Indexing;

internal static unsafe class OneHotKernel
{
    public static void Run(Tensor indices, Tensor dst)
    {
        long classes = dst.ShapeArray[^1];
        long n = indices.Numel;
        long* d = CpuBackend.Ptr<long>(dst);
        new Span<byte>(d, checked((int)(dst.Numel * 8))).Clear();
        if (n == 0) return;
        int es = indices.DType.SizeOf();
        bool i64 = indices.DType == DType.I64;
        var odo = new Odometer(indices.ShapeArray, 0, Bytes(indices.StridesArray, es));
        byte* p = CpuBackend.Ptr(indices);
        for (long k = 0; k < n; k++)
        {
            long c = Read(p + odo.Off[0], i64);
            if ((ulong)c >= (ulong)classes)
                throw new IndexOutOfRangeException($"OneHot: class value {c} is out of range for {classes} classes (valid values are 0 … {classes - 1}).");
            d[k * classes + c] = 1;
            odo.Next();
        }
    }

    public static (long Min, long Max) IntegerRange(Tensor t)
    {
        long n = t.Numel;
        if (n == 0) throw new ArgumentException($"IntegerRange: tensor of shape {t.Shape} is empty.");
        int es = t.DType.SizeOf();
        var dtype = t.DType;
        long min = long.MaxValue, max = long.MinValue;
        if (t.IsContiguous)
        {
            // the common case scans memory directly (no odometer: nothing allocated)
            byte* q = CpuBackend.Ptr(t);
            for (long k = 0; k < n; k++)
            {
                long v = CpuBackend.ReadLong(q + k * es, dtype);
                if (v < min) min = v;
                if (v > max) max = v;
            }
            return (min, max);
        }
        var odo = new Odometer(t.ShapeArray, 0, Bytes(t.StridesArray, es));
        byte* p = CpuBackend.Ptr(t);
        for (long k = 0; k < n; k++)
        {
            long v = CpuBackend.ReadLong(p + odo.Off[0], dtype);
            if (v < min) min = v;
            if (v > max) max = v;
            odo.Next();
        }
        return (min, max);
    }
}
