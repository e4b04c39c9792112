namespace DeepSeek.Graph;

/// <summary>Options of <see cref="Tracer.Trace(Func{Tensor[], Tensor[]}, TraceOptions, Tensor[])"/>.</summary>
public sealed record TraceOptions
{
    /// <summary>Graph name.</summary>
    public string GraphName { get; init; } = "traced";

    /// <summary>When set, the first dimension of every graph input and output is this symbol (e.g. "batch") instead of its traced size.</summary>
    public string? BatchDimName { get; init; }

    /// <summary>Graph input names (default input_0, input_1, …; "input" for a single input).</summary>
    public IReadOnlyList<string>? InputNames { get; init; }

    /// <summary>Graph output names (default output_0, output_1, …; "output" for a single output).</summary>
    public IReadOnlyList<string>? OutputNames { get; init; }

    /// <summary>Fuse MatMul(x, Transpose(W)) + bias (what <c>Linear</c> runs) into one Gemm with transB = 1 (default on).</summary>
    public bool FuseLinearToGemm { get; init; } = true;
}
