using System.Globalization;

namespace DeepSeek.NN.Optim;

/// <summary>0-d tensors for scalar entries of optimizer, scheduler and scaler state dicts.</summary>
internal static class StateDictUtil
{
    /// <summary>A 0-d F64 tensor holding <paramref name="value"/> (exact for counters up to 2^53).</summary>
    public static Tensor Scalar(double value) => Tensor.Scalar(value, DType.F64);

    /// <summary>Reads the one value of <paramref name="key"/>, naming <paramref name="owner"/> when it is missing or not a scalar.</summary>
    public static double Read(IReadOnlyDictionary<string, Tensor> state, string key, string owner)
    {
        if (!state.TryGetValue(key, out var t))
            throw new ModelFormatException($"{owner}.LoadStateDict: missing key '{key}'.");
        if (t.Numel != 1)
            throw new ShapeMismatchException($"{owner}.LoadStateDict: '{key}' must hold one value, got shape {t.Shape}.");
        return t.ItemAsDouble();
    }

    /// <summary>Reads <paramref name="key"/> as a non-negative integer counter.</summary>
    public static long ReadCount(IReadOnlyDictionary<string, Tensor> state, string key, string owner)
    {
        double v = Read(state, key, owner);
        if (v < 0 || Math.Floor(v) != v || v > 1L << 53)
            throw new ModelFormatException($"{owner}.LoadStateDict: '{key}' must be a non-negative integer, got {v.ToString(CultureInfo.InvariantCulture)}.");
        return (long)v;
    }

    public static string Str(int i) => i.ToString(CultureInfo.InvariantCulture);
}
