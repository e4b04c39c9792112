// Generic strided reduction for every dtype: one output at a time, walking the coalesced reduced dims with
// an odometer. Floats accumulate in F64 (so F32 sums here are accurate to ~1 ulp of the F32 result), integers
// in I64 (wrapping on overflow, like PyTorch). This is also the reference the SIMD paths are tested against.
using System.Numerics;

namespace DeepSeek.Backends.Cpu.Reduction;

/// <summary>Consumes one strided run of elements.</summary>
internal unsafe interface IRunVisitor<T> where T : unmanaged
{
    void Run(T* p, long n, long stride);
}

internal static unsafe class GenericReduce
{
    /// <summary>Reduces with <paramref name="op"/> (or variance when <paramref name="op"/> is null) for any supported dtype.</summary>
    public static void Run(ReduceOp? op, Tensor src, ReducePlan plan, Tensor dst, int correction = 0, bool std = false)
    {
        byte* s = CpuBackend.Ptr(src), d = CpuBackend.Ptr(dst);
        switch (src.DType)
        {
            case DType.F32: Float((float*)s, op, plan, d, dst.DType, correction, std); break;
            case DType.F64: Float((double*)s, op, plan, d, dst.DType, correction, std); break;
            case DType.I8: Int((sbyte*)s, op, plan, d, dst.DType); break;
            case DType.U8: case DType.Bool: Int(s, op, plan, d, dst.DType); break;
            case DType.I16: Int((short*)s, op, plan, d, dst.DType); break;
            case DType.I32: Int((int*)s, op, plan, d, dst.DType); break;
            case DType.I64: Int((long*)s, op, plan, d, dst.DType); break;
            default:
                throw new DTypeMismatchException($"Reduce: the CPU kernel takes f32, f64, integer or bool sources, got {src.DType.Name()} (shape {src.Shape}); the op layer upcasts f16/bf16.");
        }
    }

    /// <summary>Calls <paramref name="v"/> for every innermost run of the reduced space starting at <paramref name="p"/>.</summary>
    public static void Traverse<T, TV>(T* p, ReducePlan plan, ref TV v) where T : unmanaged where TV : struct, IRunVisitor<T>
    {
        var shape = plan.RedShape;
        var strides = plan.RedStrides;
        long n = shape[^1], st = strides[^1];
        if (plan.RedCount == 0) return;
        int outer = shape.Length - 1;
        if (outer == 0) { v.Run(p, n, st); return; }
        long rows = plan.RedCount / n;
        Span<int> idx = stackalloc int[outer];
        idx.Clear();
        long off = 0;
        for (long r = 0; r < rows; r++)
        {
            v.Run(p + off, n, st);
            for (int d = outer - 1; d >= 0; d--)
            {
                idx[d]++;
                off += strides[d];
                if (idx[d] < shape[d]) break;
                off -= strides[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    private static void Float<T>(T* src, ReduceOp? op, ReducePlan plan, byte* dst, DType dt, int correction, bool std)
        where T : unmanaged, INumberBase<T>
    {
        nint sp = (nint)src, dp = (nint)dst;
        int des = dt.SizeOf();
        CpuParallel.For(plan.OutCount, Math.Max(1, plan.RedCount) * (op is null or ReduceOp.LogSumExp ? 2 : 1), (s, e) =>
        {
            var od = new Odometer(plan.KeptShape, plan.KeptStrides, null, s);
            for (long o = s; o < e; o++, od.Next())
            {
                double r = FloatOne((T*)sp + od.Off0, op, plan, correction, std);
                CpuBackend.WriteDouble((byte*)dp + o * des, dt, r);
            }
        });
    }

    /// <summary>One output of a floating reduction, in F64.</summary>
    public static double FloatOne<T>(T* p, ReduceOp? op, ReducePlan plan, int correction = 0, bool std = false)
        where T : unmanaged, INumberBase<T>
    {
        switch (op)
        {
            case ReduceOp.Sum:
            case ReduceOp.Mean:
                {
                    var v = new SumV<T>();
                    Traverse(p, plan, ref v);
                    return op == ReduceOp.Mean ? v.Acc / plan.RedCount : v.Acc;
                }
            case ReduceOp.Prod:
                {
                    var v = new ProdV<T> { Acc = 1 };
                    Traverse(p, plan, ref v);
                    return v.Acc;
                }
            case ReduceOp.Max:
            case ReduceOp.Min:
                {
                    var v = new ExtremeV<T> { Max = op == ReduceOp.Max, Acc = op == ReduceOp.Max ? double.NegativeInfinity : double.PositiveInfinity };
                    Traverse(p, plan, ref v);
                    return v.Acc;
                }
            case ReduceOp.LogSumExp:
                {
                    var m = new ExtremeV<T> { Max = true, Acc = double.NegativeInfinity };
                    Traverse(p, plan, ref m);
                    if (double.IsNaN(m.Acc) || double.IsInfinity(m.Acc)) return m.Acc; // NaN, all -inf (or empty), or +inf
                    var v = new SumExpV<T> { Shift = m.Acc };
                    Traverse(p, plan, ref v);
                    return m.Acc + Math.Log(v.Acc);
                }
            default:
                {
                    var mean = new SumV<T>();
                    Traverse(p, plan, ref mean);
                    var v = new SqDevV<T> { Mean = mean.Acc / plan.RedCount };
                    Traverse(p, plan, ref v);
                    double var = v.Acc / Math.Max(0, plan.RedCount - correction);
                    return std ? Math.Sqrt(var) : var;
                }
        }
    }

    private static void Int<T>(T* src, ReduceOp? op, ReducePlan plan, byte* dst, DType dt)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Prod or ReduceOp.Max or ReduceOp.Min))
            throw new DTypeMismatchException($"Reduce: {(op is null ? "variance" : op.ToString())} needs a floating source, got {DTypeInfo.Of<T>().Name()}.");
        nint sp = (nint)src, dp = (nint)dst;
        int des = dt.SizeOf();
        CpuParallel.For(plan.OutCount, Math.Max(1, plan.RedCount), (s, e) =>
        {
            var od = new Odometer(plan.KeptShape, plan.KeptStrides, null, s);
            for (long o = s; o < e; o++, od.Next())
            {
                T* p = (T*)sp + od.Off0;
                long r;
                if (op == ReduceOp.Sum) { var v = new IntSumV<T>(); Traverse(p, plan, ref v); r = v.Acc; }
                else if (op == ReduceOp.Prod) { var v = new IntProdV<T> { Acc = 1 }; Traverse(p, plan, ref v); r = v.Acc; }
                else
                {
                    var v = new IntExtremeV<T> { Max = op == ReduceOp.Max, Acc = op == ReduceOp.Max ? long.MinValue : long.MaxValue };
                    Traverse(p, plan, ref v);
                    r = v.Acc;
                }
                CpuBackend.WriteLong((byte*)dp + o * des, dt, r);
            }
        });
    }

    private struct SumV<T> : IRunVisitor<T> where T : unmanaged, INumberBase<T>
    {
        public double Acc;
        public void Run(T* p, long n, long st) { for (long i = 0; i < n; i++) Acc += double.CreateTruncating(p[i * st]); }
    }

    private struct ProdV<T> : IRunVisitor<T> where T : unmanaged, INumberBase<T>
    {
        public double Acc;
        public void Run(T* p, long n, long st) { for (long i = 0; i < n; i++) Acc *= double.CreateTruncating(p[i * st]); }
    }

    private struct ExtremeV<T> : IRunVisitor<T> where T : unmanaged, INumberBase<T>
    {
        public double Acc;
        public bool Max;
        public void Run(T* p, long n, long st)
        {
            if (double.IsNaN(Acc)) return;
            for (long i = 0; i < n; i++)
            {
                double x = double.CreateTruncating(p[i * st]);
                if (double.IsNaN(x)) { Acc = x; return; }
                if (Max ? x > Acc : x < Acc) Acc = x;
            }
        }
    }

    private struct SumExpV<T> : IRunVisitor<T> where T : unmanaged, INumberBase<T>
    {
        public double Acc, Shift;
        public void Run(T* p, long n, long st) { for (long i = 0; i < n; i++) Acc += Math.Exp(double.CreateTruncating(p[i * st]) - Shift); }
    }

    private struct SqDevV<T> : IRunVisitor<T> where T : unmanaged, INumberBase<T>
    {
        public double Acc, Mean;
        public void Run(T* p, long n, long st)
        {
            for (long i = 0; i < n; i++)
            {
                double d = double.CreateTruncating(p[i * st]) - Mean;
                Acc += d * d;
            }
        }
    }

    private struct IntSumV<T> : IRunVisitor<T> where T : unmanaged, IBinaryInteger<T>
    {
        public long Acc;
        public void Run(T* p, long n, long st) { for (long i = 0; i < n; i++) Acc += long.CreateTruncating(p[i * st]); }
    }

    private struct IntProdV<T> : IRunVisitor<T> where T : unmanaged, IBinaryInteger<T>
    {
        public long Acc;
        public void Run(T* p, long n, long st) { for (long i = 0; i < n; i++) Acc *= long.CreateTruncating(p[i * st]); }
    }

    private struct IntExtremeV<T> : IRunVisitor<T> where T : unmanaged, IBinaryInteger<T>
    {
        public long Acc;
        public bool Max;
        public void Run(T* p, long n, long st)
        {
            for (long i = 0; i < n; i++)
            {
                long x = long.CreateTruncating(p[i * st]);
                if (Max ? x > Acc : x < Acc) Acc = x;
            }
        }
    }
}
