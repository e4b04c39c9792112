namespace DeepSeek.Backends;

/// <summary>Neural-network kernels: convolution, pooling and normalization.</summary>
public interface INNKernels
{
}
