namespace DeepSeek.NN;

// Inverted dropout (Srivastava et al. 2014): in training each element is zeroed with probability p and the survivors are
// scaled by 1/(1 − p), so evaluation is the identity. The keep mask comes from a seeded generator.
public static partial class F
{
    /// <summary>
    /// Dropout (torch.nn.functional.dropout): when <paramref name="training"/>, zeroes each element with probability
    /// <paramref name="p"/> (drawn from <paramref name="generator"/>, default <see cref="Generator.Default"/>) and scales the
    /// rest by 1/(1 − p); otherwise returns the input unchanged.
    /// </summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        const string op = "Dropout";
        Alive(op, input, "input");
        CheckProbability(op, p);
        if (!training || p == 0) return input;
        Floating(op, input, "input");
        return Scoped(() =>
        {
            if (p == 1) return input * 0.0;
            var u = Tensor.Rand(input.Shape, generator, 0, 1, DType.F32, input.Device);
            var keep = u.Ge(p);
            using var scale = Tensor.Scalar(1.0 / (1.0 - p), input.DType, input.Device);
            var mask = Tensor.Where(keep, scale, 0.0);
            return input * mask;
        });
    }

    internal static void CheckProbability(string op, double p)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentException($"{op}: dropout probability must be in [0, 1], got {p}.", nameof(p));
    }
}
