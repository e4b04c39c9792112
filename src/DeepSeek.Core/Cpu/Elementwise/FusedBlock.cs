// One instruction of a fused program over one block: the same vector kernels the unfused ops use (F32Map/F32Zip
// row kernels, TensorPrimitives-based transcendentals, the erf polynomial), so fused and unfused results agree
// bit for bit, applied to L1-resident block buffers; operands are either pointers or broadcast scalars.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>An operand inside a block: a pointer to the block's elements, or (P == null) one value for all of them.</summary>
internal unsafe struct FusedSlot
{
    public float* P;
    public float S;

    public static FusedSlot Ptr(float* p) => new() { P = p };
    public static FusedSlot Scalar(float s) => new() { S = s };
}

/// <summary>A compiled instruction: operand slots, where the result goes, and constant parameters.</summary>
internal struct FusedStep
{
    public FusedOp Op;
    /// <summary>Slot of the data operand(s); B is −1 for one-operand ops.</summary>
    public int A, B;
    /// <summary>Slot receiving the result.</summary>
    public int Result;
    /// <summary>Output index written directly (−1 = a temporary).</summary>
    public int Output;
    /// <summary>Block buffer of a non-uniform temporary (−1 otherwise).</summary>
    public int Register;
    /// <summary>True when every operand is a scalar in each block: the result is one value per block.</summary>
    public bool Uniform;
    /// <summary>Constant parameters (LeakyRelu alpha, HardSigmoid alpha/beta, Pow exponent).</summary>
    public float P0, P1;
    /// <summary>Relative cost per element (1 = one add) for the threading decision.</summary>
    public int Cost;
}

/// <summary>x³ as (x·x)·x, the order the interpreter's Pow(x, 3) uses.</summary>
internal readonly struct CubeF32 : IF32Unary
{
    public float Scalar(float x) => x * x * x;
    public Vector256<float> V256(Vector256<float> x) => x * x * x;
    public Vector512<float> V512(Vector512<float> x) => x * x * x;
}

/// <summary>Runs one <see cref="FusedStep"/> over a block.</summary>
internal static unsafe class FusedBlock
{
    /// <summary>Relative per-element cost of <paramref name="op"/> at <paramref name="exponent"/> (Pow only).</summary>
    public static int CostOf(FusedOp op, float exponent) => op switch
    {
        FusedOp.Div or FusedOp.Sqrt or FusedOp.Reciprocal or FusedOp.HardSwish => 2,
        FusedOp.Erf or FusedOp.Gelu => 8,
        FusedOp.Exp or FusedOp.Log or FusedOp.Tanh or FusedOp.Sigmoid or FusedOp.GeluTanh => 16,
        FusedOp.Pow => exponent is 1 or 2 or 3 ? 1 : 32,
        _ => 1,
    };

    /// <summary>d[0..n) = op(a, b); at least one of a, b is a pointer for binary ops, a is a pointer for unary ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in FusedStep s, FusedSlot a, FusedSlot b, float* d, int n, SimdLevel l)
    {
        switch (s.Op)
        {
            case FusedOp.Add: Zip<AddF32>(a, b, d, n, l); break;
            case FusedOp.Sub: Zip<SubF32>(a, b, d, n, l); break;
            case FusedOp.Mul: Zip<MulF32>(a, b, d, n, l); break;
            case FusedOp.Div: Zip<DivF32>(a, b, d, n, l); break;
            case FusedOp.Min: Zip<MinF32>(a, b, d, n, l); break;
            case FusedOp.Max: Zip<MaxF32>(a, b, d, n, l); break;
            case FusedOp.Neg: new F32Map<NegF32>(default, l).Apply(a.P, d, n); break;
            case FusedOp.Abs: new F32Map<AbsF32>(default, l).Apply(a.P, d, n); break;
            case FusedOp.Relu: new F32Map<ReluF32>(default, l).Apply(a.P, d, n); break;
            case FusedOp.LeakyRelu: new F32Map<LeakyReluF32>(new(s.P0), l).Apply(a.P, d, n); break;
            case FusedOp.HardSigmoid: new F32Map<HardSigmoidF32>(new(s.P0, s.P1), l).Apply(a.P, d, n); break;
            case FusedOp.HardSwish: new F32Map<HardSwishF32>(default, l).Apply(a.P, d, n); break;
            case FusedOp.Sqrt: new F32Map<SqrtF32>(default, l).Apply(a.P, d, n); break;
            case FusedOp.Reciprocal: new F32Map<ReciprocalF32>(default, l).Apply(a.P, d, n); break;
            case FusedOp.Erf: new F32Map<ErfF32>(default, l).Apply(a.P, d, n); break;
            case FusedOp.Gelu: new F32Map<GeluF32>(default, l).Apply(a.P, d, n); break;
            case FusedOp.Sigmoid: new TranscendentalMap<float>(UnaryOp.Sigmoid, l).Apply(a.P, d, n); break;
            case FusedOp.Tanh: new TranscendentalMap<float>(UnaryOp.Tanh, l).Apply(a.P, d, n); break;
            case FusedOp.Exp: new TranscendentalMap<float>(UnaryOp.Exp, l).Apply(a.P, d, n); break;
            case FusedOp.Log: new TranscendentalMap<float>(UnaryOp.Log, l).Apply(a.P, d, n); break;
            case FusedOp.GeluTanh: new TranscendentalMap<float>(UnaryOp.GeluTanh, l).Apply(a.P, d, n); break;
            case FusedOp.Pow: Pow(a.P, s.P0, d, n, l); break;
            default: throw new InvalidOperationException($"FusedElementwise: no block kernel for {s.Op}.");
        }
    }

    /// <summary>One-value form for uniform steps: runs the block kernel on a single element so results match the vector path.</summary>
    public static float RunScalar(in FusedStep s, float a, float b)
    {
        float r;
        Run(s, FusedSlot.Ptr(&a), s.B >= 0 ? FusedSlot.Ptr(&b) : default, &r, 1, SimdInfo.Level);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zip<TOp>(FusedSlot a, FusedSlot b, float* d, int n, SimdLevel l) where TOp : struct, IF32Binary
    {
        var z = new F32Zip<TOp>(default, l);
        if (a.P != null)
        {
            if (b.P != null) z.VV(a.P, b.P, d, n);
            else z.VS(a.P, b.S, d, n);
        }
        else z.SV(a.S, b.P, d, n);
    }

    // Exponents 1, 2, 3 by multiplication exactly as the interpreter's Pow does; any other exponent through MathF.Pow
    // element by element (the unfused F32 Pow kernel's function), which is exact to the reference and still one pass.
    private static void Pow(float* x, float p, float* d, int n, SimdLevel l)
    {
        switch (p)
        {
            case 1: if (x != d) Buffer.MemoryCopy(x, d, (long)n * 4, (long)n * 4); break;
            case 2: new F32Map<SquareF32>(default, l).Apply(x, d, n); break;
            case 3: new F32Map<CubeF32>(default, l).Apply(x, d, n); break;
            default:
                for (int i = 0; i < n; i++) d[i] = MathF.Pow(x[i], p);
                break;
        }
    }
}
