namespace DeepSeek.NN;

/// <summary>How a loss reduces its per-element values (torch's reduction argument).</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss per element (or per sample for classification losses).</summary>
    None,
    /// <summary>The mean (for weighted classification losses, the weighted mean over non-ignored targets).</summary>
    Mean,
    /// <summary>The sum.</summary>
    Sum,
    /// <summary>The sum divided by the batch size (input.size(0)); only for <see cref="F.KLDiv"/>, where it is the mathematically correct mean.</summary>
    BatchMean,
}
