namespace DeepSeek.NN.Optim;

/// <summary>
/// Gradient clipping with PyTorch's semantics: <see cref="ClipGradNorm"/> rescales all gradients together when
/// their joint norm exceeds a bound; <see cref="ClipGradValue"/> clamps each element.
/// </summary>
public static class ClipGrad
{
    /// <summary>
    /// Computes the <paramref name="normType"/>-norm of all gradients together (as if concatenated into one
    /// vector; <see cref="double.PositiveInfinity"/> for the max norm) and, when it exceeds
    /// <paramref name="maxNorm"/>, multiplies every gradient by maxNorm / (norm + 1e-6). Parameters without a
    /// gradient are ignored. Returns the total norm before clipping.
    /// </summary>
    /// <exception cref="ArgumentException">A bad bound or norm type, or (with <paramref name="errorIfNonfinite"/>) a NaN/∞ norm.</exception>
    public static double ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm, double normType = 2.0, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0)) throw new ArgumentException($"ClipGradNorm: maxNorm must be ≥ 0, got {maxNorm}.");
        if (!(normType > 0)) throw new ArgumentException($"ClipGradNorm: normType must be > 0 or +∞, got {normType}.");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        double total = TotalNorm(grads, normType);
        if (errorIfNonfinite && !double.IsFinite(total))
            throw new ArgumentException($"ClipGradNorm: the total {normType}-norm of the gradients is {total}; the gradients cannot be clipped. Pass errorIfNonfinite: false to ignore this.");
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1)
        {
            using var noGrad = Tensor.NoGrad();
            foreach (var g in grads) g.MulInPlace(coef);
        }
        return total;
    }

    /// <summary>The joint <paramref name="normType"/>-norm of <paramref name="grads"/>, accumulated in F64.</summary>
    internal static double TotalNorm(IReadOnlyList<Tensor> grads, double normType)
    {
        using var noGrad = Tensor.NoGrad();
        using var scope = Tensor.NewScope();
        double acc = 0;
        foreach (var g in grads)
        {
            var a = g.To(DType.F64).Abs();
            if (double.IsPositiveInfinity(normType)) acc = Math.Max(acc, a.Numel == 0 ? 0 : a.Max().ItemAsDouble());
            else if (normType == 2) acc += a.Square().Sum().ItemAsDouble();
            else if (normType == 1) acc += a.Sum().ItemAsDouble();
            else acc += a.Pow(normType).Sum().ItemAsDouble();
            if (double.IsNaN(acc)) return double.NaN;
        }
        return double.IsPositiveInfinity(normType) ? acc : normType == 1 ? acc : Math.Pow(acc, 1 / normType);
    }

    /// <summary>Clamps every gradient element into [−<paramref name="clipValue"/>, <paramref name="clipValue"/>] in place.</summary>
    public static void ClipGradValue(IEnumerable<Parameter> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0)) throw new ArgumentException($"ClipGradValue: clipValue must be ≥ 0, got {clipValue}.");
        using var noGrad = Tensor.NoGrad();
        foreach (var p in parameters)
            p.Grad?.ClampInPlace(-clipValue, clipValue);
    }
}
