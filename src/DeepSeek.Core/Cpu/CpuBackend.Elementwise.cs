using System.Numerics;
using DeepSeek.Backends.Cpu.Elementwise;

namespace DeepSeek.Backends.Cpu;

// Elementwise dispatch: picks the kernel for (op, dtype) and runs it over StridedLoop rows, which coalesce dims and
// split large work over threads. F32 takes the vector kernels; F64 and integers the generic-math scalar kernels.
public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void Unary(UnaryOp op, Tensor src, Tensor dst, double alpha = 0, double beta = 0)
    {
        if (src.DType != dst.DType || src.Shape != dst.Shape) SameLayoutCheck($"Unary({op})", src, dst);
        var plan = StridedLoop.For(dst, src);
        byte* d = Ptr(dst), s = Ptr(src);
        var lvl = SimdInfo.Level;
        switch (dst.DType)
        {
            case DType.F32: UnaryF32(op, plan, d, s, (float)alpha, (float)beta, lvl); break;
            case DType.F64: UnaryFloat<double>(op, plan, d, s, alpha, beta, lvl); break;
            case DType.I8: UnaryInt<sbyte>(op, plan, d, s, alpha, beta); break;
            case DType.U8: UnaryInt<byte>(op, plan, d, s, alpha, beta); break;
            case DType.I16: UnaryInt<short>(op, plan, d, s, alpha, beta); break;
            case DType.I32: UnaryInt<int>(op, plan, d, s, alpha, beta); break;
            case DType.I64: UnaryInt<long>(op, plan, d, s, alpha, beta); break;
            case DType.Bool when op == UnaryOp.LogicalNot:
                RunUnary<byte, ScalarMap<byte, LogicalNot>>(plan, d, s, new(new LogicalNot()), 1);
                break;
            default: throw KernelDType($"Unary({op})", dst.DType);
        }
    }

    private static void UnaryF32(UnaryOp op, in StridedLoop.Plan p, byte* d, byte* s, float a, float b, SimdLevel l)
    {
        switch (op)
        {
            case UnaryOp.Neg: RunUnary<float, F32Map<NegF32>>(p, d, s, new(default, l), 1); break;
            case UnaryOp.Abs: RunUnary<float, F32Map<AbsF32>>(p, d, s, new(default, l), 1); break;
            case UnaryOp.Sqrt: RunUnary<float, F32Map<SqrtF32>>(p, d, s, new(default, l), 2); break;
            case UnaryOp.Rsqrt: RunUnary<float, F32Map<RsqrtF32>>(p, d, s, new(default, l), 2); break;
            case UnaryOp.Relu: RunUnary<float, F32Map<ReluF32>>(p, d, s, new(default, l), 1); break;
            case UnaryOp.LeakyRelu: RunUnary<float, F32Map<LeakyReluF32>>(p, d, s, new(new(a), l), 1); break;
            case UnaryOp.HardSigmoid: RunUnary<float, F32Map<HardSigmoidF32>>(p, d, s, new(new(a, b), l), 1); break;
            case UnaryOp.HardSwish: RunUnary<float, F32Map<HardSwishF32>>(p, d, s, new(default, l), 2); break;
            case UnaryOp.Clamp: RunUnary<float, F32Map<ClampF32>>(p, d, s, new(new(a, b), l), 1); break;
            case UnaryOp.Square: RunUnary<float, F32Map<SquareF32>>(p, d, s, new(default, l), 1); break;
            case UnaryOp.Sign: RunUnary<float, F32Map<SignF32>>(p, d, s, new(default, l), 1); break;
            case UnaryOp.Reciprocal: RunUnary<float, F32Map<ReciprocalF32>>(p, d, s, new(default, l), 2); break;
            case UnaryOp.Floor: RunUnary<float, F32Map<FloorF32>>(p, d, s, new(default, l), 1); break;
            case UnaryOp.Ceil: RunUnary<float, F32Map<CeilF32>>(p, d, s, new(default, l), 1); break;
            case UnaryOp.Round: RunUnary<float, F32Map<RoundF32>>(p, d, s, new(default, l), 1); break;
            case UnaryOp.Trunc: RunUnary<float, F32Map<TruncF32>>(p, d, s, new(default, l), 1); break;
            case UnaryOp.Erf: RunUnary<float, F32Map<ErfF32>>(p, d, s, new(default, l), 8); break;
            case UnaryOp.Gelu: RunUnary<float, F32Map<GeluF32>>(p, d, s, new(default, l), 8); break;
            case UnaryOp.Exp or UnaryOp.Log or UnaryOp.Sin or UnaryOp.Cos or UnaryOp.Tanh or UnaryOp.Sigmoid
                or UnaryOp.Silu or UnaryOp.GeluTanh or UnaryOp.Log1p or UnaryOp.Expm1:
                RunUnary<float, TranscendentalMap<float>>(p, d, s, new(op, l), 16); break;
            default: throw KernelDType($"Unary({op})", DType.F32);
        }
    }

    private static void UnaryFloat<T>(UnaryOp op, in StridedLoop.Plan p, byte* d, byte* s, double a, double b, SimdLevel l)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Exp or UnaryOp.Log or UnaryOp.Sin or UnaryOp.Cos or UnaryOp.Tanh or UnaryOp.Sigmoid
                or UnaryOp.Silu or UnaryOp.GeluTanh or UnaryOp.Log1p or UnaryOp.Expm1:
                RunUnary<T, TranscendentalMap<T>>(p, d, s, new(op, l), 16); break;
            case UnaryOp.LogicalNot: throw KernelDType($"Unary({op})", DTypeInfo.Of<T>());
            default:
                RunUnary<T, ScalarMap<T, FloatUnary<T>>>(p, d, s, new(new(op, T.CreateTruncating(a), T.CreateTruncating(b))), 4); break;
        }
    }

    private static void UnaryInt<T>(UnaryOp op, in StridedLoop.Plan p, byte* d, byte* s, double a, double b)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (op is not (UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Relu or UnaryOp.Sign or UnaryOp.Clamp or UnaryOp.Square
            or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round or UnaryOp.Trunc))
            throw KernelDType($"Unary({op})", DTypeInfo.Of<T>());
        RunUnary<T, ScalarMap<T, IntUnary<T>>>(p, d, s, new(new(op, T.CreateSaturating(a), T.CreateSaturating(b))), 1);
    }

    private static void RunUnary<T, TFn>(in StridedLoop.Plan plan, byte* d, byte* s, TFn fn, long work)
        where T : unmanaged where TFn : struct, ISpanUnary<T> =>
        StridedLoop.Run(plan, d, s, null, new UnaryRow<T, TFn>(fn), work);

    /// <inheritdoc/>
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor dst, double alpha = 1)
    {
        BroadcastCheck(op, a, dst);
        BroadcastCheck(op, b, dst);
        var plan = StridedLoop.ForBroadcast(dst, a, b);
        byte* pd = Ptr(dst), pa = Ptr(a), pb = Ptr(b);
        var errors = dst.DType.IsFloatingPoint() ? NoErrors : new KernelErrors(); // only integer kernels report errors
        switch (dst.DType)
        {
            case DType.F32: BinaryF32(op, plan, pd, pa, pb, (float)alpha, SimdInfo.Level); break;
            case DType.F64: RunBinary<double, ScalarZip<double, FloatBinary<double>>>(plan, pd, pa, pb, new(new(FloatOnly(op), alpha)), 2); break;
            case DType.I8: BinaryInt<sbyte>(op, plan, pd, pa, pb, alpha, errors); break;
            case DType.U8: BinaryInt<byte>(op, plan, pd, pa, pb, alpha, errors); break;
            case DType.I16: BinaryInt<short>(op, plan, pd, pa, pb, alpha, errors); break;
            case DType.I32: BinaryInt<int>(op, plan, pd, pa, pb, alpha, errors); break;
            case DType.I64: BinaryInt<long>(op, plan, pd, pa, pb, alpha, errors); break;
            case DType.Bool when op is BinaryOp.LogicalAnd or BinaryOp.LogicalOr or BinaryOp.LogicalXor:
                RunBinary<byte, ScalarZip<byte, LogicalBinary>>(plan, pd, pa, pb, new(new(op)), 1); break;
            default: throw KernelDType($"Binary({op})", dst.DType);
        }
        if (errors.Flag == KernelErrors.DivideByZero)
            throw new DivideByZeroException($"{op}: integer division by zero ({dst.DType.Name()} tensors of shape {dst.Shape}); PyTorch raises here too. Use a floating dtype to get ±Inf/NaN.");
        if (errors.Flag == KernelErrors.NegativePower)
            throw new ArgumentException($"Pow: integers to negative integer powers are not allowed ({dst.DType.Name()}, shape {dst.Shape}); use a floating base.");
    }

    private static BinaryOp FloatOnly(BinaryOp op) =>
        op is BinaryOp.LogicalAnd or BinaryOp.LogicalOr or BinaryOp.LogicalXor
            ? throw new DTypeMismatchException($"Binary({op}): logical ops take Bool tensors, got a floating dtype.") : op;

    private static void BinaryF32(BinaryOp op, in StridedLoop.Plan p, byte* d, byte* a, byte* b, float alpha, SimdLevel l)
    {
        switch (op)
        {
            case BinaryOp.Add when alpha == 1: RunBinary<float, F32Zip<AddF32>>(p, d, a, b, new(default, l), 1); break;
            case BinaryOp.Add: RunBinary<float, F32Zip<AddScaledF32>>(p, d, a, b, new(new(alpha), l), 1); break;
            case BinaryOp.Sub when alpha == 1: RunBinary<float, F32Zip<SubF32>>(p, d, a, b, new(default, l), 1); break;
            case BinaryOp.Sub: RunBinary<float, F32Zip<AddScaledF32>>(p, d, a, b, new(new(-alpha), l), 1); break;
            case BinaryOp.Mul: RunBinary<float, F32Zip<MulF32>>(p, d, a, b, new(default, l), 1); break;
            case BinaryOp.Div: RunBinary<float, F32Zip<DivF32>>(p, d, a, b, new(default, l), 1); break;
            case BinaryOp.Maximum: RunBinary<float, F32Zip<MaxF32>>(p, d, a, b, new(default, l), 1); break;
            case BinaryOp.Minimum: RunBinary<float, F32Zip<MinF32>>(p, d, a, b, new(default, l), 1); break;
            default: RunBinary<float, ScalarZip<float, FloatBinary<float>>>(p, d, a, b, new(new(FloatOnly(op), alpha)), 8); break;
        }
    }

    private static void BinaryInt<T>(BinaryOp op, in StridedLoop.Plan p, byte* d, byte* a, byte* b, double alpha, KernelErrors errors)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (op is BinaryOp.LogicalAnd or BinaryOp.LogicalOr or BinaryOp.LogicalXor)
            throw KernelDType($"Binary({op})", DTypeInfo.Of<T>());
        RunBinary<T, ScalarZip<T, IntBinary<T>>>(p, d, a, b, new(new(op, T.CreateTruncating((long)alpha), errors)), 2);
    }

    private static void RunBinary<T, TFn>(in StridedLoop.Plan plan, byte* d, byte* a, byte* b, TFn fn, long work)
        where T : unmanaged where TFn : struct, ISpanBinary<T> =>
        StridedLoop.Run(plan, d, a, b, new BinaryRow<T, TFn>(fn), work);

    /// <inheritdoc/>
    public void Compare(CompareOp op, Tensor a, Tensor b, Tensor dst)
    {
        if (a.DType != b.DType || a.Shape != dst.Shape || b.Shape != dst.Shape || dst.DType != DType.Bool)
            throw new ShapeMismatchException($"Compare({op}): kernel expects a, b of one dtype and shape and a Bool dst of that shape; got {a.DType.Name()}{a.Shape}, {b.DType.Name()}{b.Shape} → {dst.DType.Name()}{dst.Shape}.");
        var plan = StridedLoop.For(dst, a, b);
        byte* pd = Ptr(dst), pa = Ptr(a), pb = Ptr(b);
        switch (a.DType)
        {
            case DType.F32: CompareT<float>(op, plan, pd, pa, pb); break;
            case DType.F64: CompareT<double>(op, plan, pd, pa, pb); break;
            case DType.F16: CompareT<Half>(op, plan, pd, pa, pb); break;
            case DType.I8: CompareT<sbyte>(op, plan, pd, pa, pb); break;
            case DType.U8 or DType.Bool: CompareT<byte>(op, plan, pd, pa, pb); break;
            case DType.I16: CompareT<short>(op, plan, pd, pa, pb); break;
            case DType.I32: CompareT<int>(op, plan, pd, pa, pb); break;
            case DType.I64: CompareT<long>(op, plan, pd, pa, pb); break;
            default: throw KernelDType($"Compare({op})", a.DType);
        }
    }

    private static void CompareT<T>(CompareOp op, in StridedLoop.Plan p, byte* d, byte* a, byte* b) where T : unmanaged, INumber<T>
    {
        var l = SimdInfo.Level;
        switch (op)
        {
            case CompareOp.Eq: StridedLoop.Run(p, d, a, b, new CompareRow<T, EqCmp>(l)); break;
            case CompareOp.Ne: StridedLoop.Run(p, d, a, b, new CompareRow<T, NeCmp>(l)); break;
            case CompareOp.Lt: StridedLoop.Run(p, d, a, b, new CompareRow<T, LtCmp>(l)); break;
            case CompareOp.Le: StridedLoop.Run(p, d, a, b, new CompareRow<T, LeCmp>(l)); break;
            case CompareOp.Gt: StridedLoop.Run(p, d, a, b, new CompareRow<T, GtCmp>(l)); break;
            default: StridedLoop.Run(p, d, a, b, new CompareRow<T, GeCmp>(l)); break;
        }
    }

    /// <inheritdoc/>
    public void Where(Tensor cond, Tensor a, Tensor b, Tensor dst)
    {
        if (cond.DType != DType.Bool || a.DType != dst.DType || b.DType != dst.DType || cond.Shape != dst.Shape || a.Shape != dst.Shape || b.Shape != dst.Shape)
            throw new ShapeMismatchException($"Where: kernel expects Bool cond and a, b, dst of one dtype, all of one shape; got cond {cond.DType.Name()}{cond.Shape}, a {a.DType.Name()}{a.Shape}, b {b.DType.Name()}{b.Shape}, dst {dst.DType.Name()}{dst.Shape}.");
        StridedCopy.Run(b, dst);
        var plan = StridedLoop.For(dst, cond, a);
        byte* pd = Ptr(dst), pc = Ptr(cond), pa = Ptr(a);
        switch (dst.DType.SizeOf())
        {
            case 1: StridedLoop.Run(plan, pd, pc, pa, new SelectRow<byte>()); break;
            case 2: StridedLoop.Run(plan, pd, pc, pa, new SelectRow<ushort>()); break;
            case 4: StridedLoop.Run(plan, pd, pc, pa, new SelectRow<uint>()); break;
            default: StridedLoop.Run(plan, pd, pc, pa, new SelectRow<ulong>()); break;
        }
    }

    // float kernels never set it: one shared instance spares a per-call object
    private static readonly KernelErrors NoErrors = new();

    // an operand of dst's dtype whose shape broadcasts to dst's (numpy rules); messages are built only on failure
    private static void BroadcastCheck(BinaryOp op, Tensor src, Tensor dst)
    {
        if (src.DType != dst.DType)
            throw new DTypeMismatchException($"Binary({op}): kernel input dtype {src.DType.Name()} differs from output dtype {dst.DType.Name()}; the op layer converts first.");
        bool ok = src.Rank <= dst.Rank;
        for (int i = 0; ok && i < src.Rank; i++)
        {
            int s = src.ShapeArray[i], d = dst.ShapeArray[i + dst.Rank - src.Rank];
            ok = s == d || s == 1;
        }
        if (!ok)
            throw new ShapeMismatchException($"Binary({op}): kernel input shape {src.Shape} does not broadcast to output shape {dst.Shape}.");
    }

    private static void SameLayoutCheck(string op, Tensor src, Tensor dst)
    {
        if (src.DType != dst.DType)
            throw new DTypeMismatchException($"{op}: kernel input dtype {src.DType.Name()} differs from output dtype {dst.DType.Name()}; the op layer converts first.");
        if (src.Shape != dst.Shape)
            throw new ShapeMismatchException($"{op}: kernel input shape {src.Shape} differs from output shape {dst.Shape}; the op layer broadcasts first.");
    }

    private static DTypeMismatchException KernelDType(string op, DType dtype) =>
        new($"{op}: the CPU kernel does not take {dtype.Name()} (F16/BF16 math runs in F32 at the op layer; logical ops take Bool; transcendental ops take floats).");
}
