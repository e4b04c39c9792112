namespace DeepSeek.Backends;

/// <summary>Reductions over axes (sum, mean, max, min, argmax, var, logsumexp), softmax, cumsum and top-k.</summary>
public interface IReductionKernels
{
}
