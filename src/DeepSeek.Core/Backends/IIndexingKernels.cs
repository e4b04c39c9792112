namespace DeepSeek.Backends;

/// <summary>Gather/embedding, concatenation, padding and one-hot.</summary>
public interface IIndexingKernels
{
}
