// Epilogue fused into the GEMM's final store: optional bias (one value per column or per row of C) then
// optional ReLU, applied to each output tile while it is still in L1 (the "fused bias/activation" of
// cuBLASLt and oneDNN post-ops). Graph fusion passes target this to fold MatMul+Add(+Relu) into one kernel.
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

/// <summary>Post-processing applied once to the finished C: C = act(C + bias).</summary>
internal readonly unsafe struct GemmEpilogue
{
    /// <summary>Bias values (length N for <see cref="GemmBias.PerColumn"/>, M for <see cref="GemmBias.PerRow"/>), contiguous.</summary>
    public readonly float* Bias;

    /// <summary>Which way the bias runs.</summary>
    public readonly GemmBias BiasKind;

    /// <summary>Apply max(x, 0) after the bias.</summary>
    public readonly bool Relu;

    /// <summary>Creates an epilogue.</summary>
    public GemmEpilogue(float* bias, GemmBias kind, bool relu)
    {
        Bias = bias;
        BiasKind = bias == null ? GemmBias.None : kind;
        Relu = relu;
    }

    /// <summary>True when there is nothing to do.</summary>
    public bool IsNone => BiasKind == GemmBias.None && !Relu;

    /// <summary>Applies the epilogue to the tile C[row0.., col0..] of rows×cols elements (c points at its first element).</summary>
    public void Apply(float* c, long ldc, int row0, int col0, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
        {
            var dst = new Span<float>(c + i * ldc, cols);
            if (BiasKind == GemmBias.PerColumn)
                System.Numerics.Tensors.TensorPrimitives.Add(dst, new ReadOnlySpan<float>(Bias + col0, cols), dst);
            else if (BiasKind == GemmBias.PerRow)
                System.Numerics.Tensors.TensorPrimitives.Add(dst, Bias[row0 + i], dst);
            if (Relu) System.Numerics.Tensors.TensorPrimitives.Max(dst, 0f, dst);
        }
    }

    /// <summary>Scalar version of <see cref="Apply"/> for the reference path.</summary>
    public float ApplyScalar(float v, int row, int col)
    {
        if (BiasKind == GemmBias.PerColumn) v += Bias[col];
        else if (BiasKind == GemmBias.PerRow) v += Bias[row];
        return Relu ? (v > 0 ? v : (float.IsNaN(v) ? v : 0f)) : v;
    }
}
