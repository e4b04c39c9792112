// Epilogue fused into the GEMM's final store: optional bias (one value per column or per row of C), optional residual
// matrix, then an activation, applied to each output tile while it is still in L1 (the "fused bias/activation" of
// cuBLASLt and oneDNN post-ops). Graph fusion passes target this to fold Conv/MatMul + Add (+ Add) + activation.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Gemm;

/// <summary>Where a GEMM epilogue's bias vector applies.</summary>
internal enum GemmBias
{
    /// <summary>No bias.</summary>
    None,
    /// <summary>bias[j] is added to column j of C (Linear: one value per output feature).</summary>
    PerColumn,
    /// <summary>bias[i] is added to row i of C (conv as GEMM: one value per output channel).</summary>
    PerRow,
}

/// <summary>Post-processing applied once to the finished C: C = act(C + bias + residual).</summary>
internal readonly unsafe struct GemmEpilogue
{
    /// <summary>Bias values (length N for <see cref="GemmBias.PerColumn"/>, M for <see cref="GemmBias.PerRow"/>), contiguous.</summary>
    public readonly float* Bias;

    /// <summary>Which way the bias runs.</summary>
    public readonly GemmBias BiasKind;

    /// <summary>Residual matrix: element (i, j) of C gets Residual[i·Ldr + j] added (null = none).</summary>
    public readonly float* Residual;

    /// <summary>Row stride of <see cref="Residual"/> in elements.</summary>
    public readonly long Ldr;

    /// <summary>The activation applied last.</summary>
    public readonly EpilogueActivation Activation;

    /// <summary>Activation parameters (see <see cref="Epilogue"/>).</summary>
    public readonly float Alpha, BetaParam;

    /// <summary>Creates a bias (+ ReLU) epilogue.</summary>
    public GemmEpilogue(float* bias, GemmBias kind, bool relu)
        : this(bias, kind, null, 0, relu ? EpilogueActivation.Relu : EpilogueActivation.None, 0, 0)
    {
    }

    /// <summary>Creates an epilogue with bias, residual and activation.</summary>
    public GemmEpilogue(float* bias, GemmBias kind, float* residual, long ldr, EpilogueActivation activation, float alpha, float beta)
    {
        Bias = bias;
        BiasKind = bias == null ? GemmBias.None : kind;
        Residual = residual;
        Ldr = ldr;
        Activation = activation;
        Alpha = alpha;
        BetaParam = beta;
    }

    /// <summary>Apply max(x, 0) after the bias (the only activation of the original epilogue).</summary>
    public bool Relu => Activation == EpilogueActivation.Relu;

    /// <summary>True when there is nothing to do.</summary>
    public bool IsNone => BiasKind == GemmBias.None && Residual == null && Activation == EpilogueActivation.None;

    /// <summary>This epilogue for the sub-matrix starting at row <paramref name="row0"/> (row bias and residual shifted).</summary>
    public GemmEpilogue ForRows(int row0) => new(
        Bias == null ? null : BiasKind == GemmBias.PerRow ? Bias + row0 : Bias, BiasKind,
        Residual == null ? null : Residual + row0 * Ldr, Ldr, Activation, Alpha, BetaParam);

    /// <summary>This epilogue for the sub-matrix starting at column <paramref name="col0"/> (column bias and residual shifted).</summary>
    public GemmEpilogue ForColumns(int col0) => new(
        Bias == null ? null : BiasKind == GemmBias.PerColumn ? Bias + col0 : Bias, BiasKind,
        Residual == null ? null : Residual + col0, Ldr, Activation, Alpha, BetaParam);

    /// <summary>Applies the epilogue to the tile C[row0.., col0..] of rows×cols elements (c points at its first element).</summary>
    public void Apply(float* c, long ldc, int row0, int col0, int rows, int cols)
    {
        switch (Activation)
        {
            case EpilogueActivation.None: Rows<ActNone>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.Relu: Rows<ActRelu>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.Clip: Rows<ActClip>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.LeakyRelu: Rows<ActLeakyRelu>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.Sigmoid: Rows<ActSigmoid>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.HardSigmoid: Rows<ActHardSigmoid>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.HardSwish: Rows<ActHardSwish>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.Silu: Rows<ActSilu>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.Tanh: Rows<ActTanh>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.Gelu: Rows<ActGelu>(c, ldc, row0, col0, rows, cols); break;
            case EpilogueActivation.GeluTanh: Rows<ActGeluTanh>(c, ldc, row0, col0, rows, cols); break;
            default: throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "unknown epilogue activation");
        }
    }

    /// <summary>
    /// The epilogue on 16 outputs: act(v + bias + residual), residual read from <paramref name="z"/> when not null. The
    /// one definition shared by the pass over stored tiles (<see cref="Apply"/>) and the micro-kernels' fused stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Finish512<TAct>(Vector512<float> v, Vector512<float> bias, float* z, float a, float b) where TAct : IEpilogueAct
    {
        v += bias;
        if (z != null) v += Vector512.Load(z);
        return TAct.V512(v, a, b);
    }

    // One pass per row: load, + bias, + residual, activation, store, 16 (AVX-512) or 8 (AVX2) lanes at a time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rows<TAct>(float* c, long ldc, int row0, int col0, int rows, int cols) where TAct : IEpilogueAct
    {
        float a = Alpha, b = BetaParam;
        bool colBias = BiasKind == GemmBias.PerColumn;
        float* cb = colBias ? Bias + col0 : null;
        int level = SimdInfo.UseAvx512 ? 2 : SimdInfo.UseAvx2 ? 1 : 0;
        for (int i = 0; i < rows; i++)
        {
            float* x = c + i * ldc;
            float* z = Residual == null ? null : Residual + (row0 + i) * Ldr + col0;
            float rb = BiasKind == GemmBias.PerRow ? Bias[row0 + i] : 0f;
            int j = 0;
            if (level == 2)
            {
                var vrb = Vector512.Create(rb);
                for (; j + 16 <= cols; j += 16)
                    Finish512<TAct>(Vector512.Load(x + j), colBias ? Vector512.Load(cb + j) : vrb, z == null ? null : z + j, a, b).Store(x + j);
            }
            else if (level == 1)
            {
                var vrb = Vector256.Create(rb);
                for (; j + 8 <= cols; j += 8)
                {
                    var v = Vector256.Load(x + j) + (colBias ? Vector256.Load(cb + j) : vrb);
                    if (z != null) v += Vector256.Load(z + j);
                    TAct.V256(v, a, b).Store(x + j);
                }
            }
            for (; j < cols; j++)
            {
                float v = x[j] + (colBias ? cb[j] : rb);
                if (z != null) v += z[j];
                x[j] = TAct.Scalar(v, a, b);
            }
        }
    }

    /// <summary>Scalar version of <see cref="Apply"/> for one element (paths that produce C element by element).</summary>
    public float ApplyScalar(float v, int row, int col)
    {
        if (BiasKind == GemmBias.PerColumn) v += Bias[col];
        else if (BiasKind == GemmBias.PerRow) v += Bias[row];
        if (Residual != null) v += Residual[row * Ldr + col];
        return Activation switch
        {
            EpilogueActivation.None => v,
            EpilogueActivation.Relu => float.IsNaN(v) ? v : (v > 0 ? v : 0f),
            EpilogueActivation.Clip => ActClip.Scalar(v, Alpha, BetaParam),
            EpilogueActivation.LeakyRelu => ActLeakyRelu.Scalar(v, Alpha, BetaParam),
            EpilogueActivation.Sigmoid => ActSigmoid.Scalar(v, Alpha, BetaParam),
            EpilogueActivation.HardSigmoid => ActHardSigmoid.Scalar(v, Alpha, BetaParam),
            EpilogueActivation.HardSwish => ActHardSwish.Scalar(v, Alpha, BetaParam),
            EpilogueActivation.Silu => ActSilu.Scalar(v, Alpha, BetaParam),
            EpilogueActivation.Tanh => ActTanh.Scalar(v, Alpha, BetaParam),
            EpilogueActivation.Gelu => ActGelu.Scalar(v, Alpha, BetaParam),
            EpilogueActivation.GeluTanh => ActGeluTanh.Scalar(v, Alpha, BetaParam),
            _ => throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "unknown epilogue activation"),
        };
    }
}
