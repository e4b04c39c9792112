namespace DeepSeek.Backends;

/// <summary>Matrix multiplication: GEMM, batched GEMM and linear layers.</summary>
public interface ILinalgKernels
{
}
